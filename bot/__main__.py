"""`python -m bot` does what the `jinlin` command does."""

import sys

from bot.app.cli import main

sys.exit(main())
