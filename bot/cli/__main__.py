"""`python -m bot.cli`: the `warroom` command."""

import sys

from bot.cli import main

sys.exit(main())
