"""`python -m bot`: the `warroom` command, started and ended as the console script does."""

from bot.console import run

run()
