"""`python -m genre_ldm <subcommand>` (and `accelerate launch -m genre_ldm <subcommand>`): see :mod:`genre_ldm.cli`."""

import sys

from genre_ldm.cli import main

sys.exit(main())
