"""`python -m bot.cli`: the `warroom` command."""

from bot.console import run

run()
