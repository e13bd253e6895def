"""`python -m bot` does what the `jinlin` command does."""

import sys

from bot.cli import main

sys.exit(main())
