"""The `warroom` console script: `bot.cli.main`, started and ended as lightly as a command can be.

- Importing Warroom makes a few hundred thousand objects that live as long as the process.
  The cycle collector would walk them over and over while they are made (about 0.2 s of a
  command's start); it waits until they are made, then leaves them be (`gc.freeze`) and runs
  as usual for whatever the command does next, `warroom run`'s serving included.
- Once the command has finished, the interpreter's teardown (clearing a thousand modules'
  objects one by one) only adds about 0.3 s before the shell gets its prompt back: the output
  is flushed and the logs closed, then the process ends with the command's status.

`python -m bot` runs it too. This module imports nothing of Warroom's until it runs;
`bot.cli.main` stays a plain function for callers in the same process (tests).
"""

import gc
import logging
import os
import sys
from typing import NoReturn


def run() -> NoReturn:
    """Run the command line and end the process with its status."""
    gc.disable()
    from bot.cli import main

    gc.freeze()
    gc.enable()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
