"""``python -m heron``: the ``heron`` command (see ``heron.cli``)."""
import sys

from heron.cli import main

sys.exit(main())
