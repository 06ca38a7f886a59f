"""``blade stats``: what the archive holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.report import archive_stats
from blade_spider.cli.common import common, project_settings


def cmd_stats(args: argparse.Namespace) -> int:
    from blade_spider.crawl.health import FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        print(archive_stats(root), end="")
    except (FileNotFoundError, ValueError) as exc:
        print(f"blade stats: {exc}", file=sys.stderr)
        return FATAL
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade stats`` to the ``blade`` command's subparsers."""
    stats = subparsers.add_parser(
        "stats", help="what the archive holds: articles per year, sections, authors, coverage")

    common(stats)
    stats.set_defaults(func=cmd_stats)
