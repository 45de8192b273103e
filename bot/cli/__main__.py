"""`python -m bot.cli`: the `warroom` command line, ended as a plain program (`python -m bot` is
the console script's lighter start and end)."""

import sys

from bot.cli import main

sys.exit(main())
