"""``python -m blade_spider.cli``: the ``blade`` command."""

import sys

from blade_spider.cli import main

sys.exit(main())
