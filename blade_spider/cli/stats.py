"""``blade stats``: what the archive holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.report import archive_stats
from blade_spider.cli.common import common, project_settings


def cmd_stats(args: argparse.Namespace) -> int:
    """The report; exit status 2 when the archive cannot be read, 1 when it was read but does
    not match its manifest (a partition missing or changed: the numbers may be wrong)."""
    from blade_spider.archive.check import manifest_problems
    from blade_spider.archive.store import Archive, ArchiveError
    from blade_spider.crawl.health import DEGRADED, FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        print(archive_stats(root), end="")
        problems = manifest_problems(Archive(root))
    except (FileNotFoundError, ValueError, ArchiveError) as exc:
        print(f"blade stats: {exc}", file=sys.stderr)
        return FATAL
    if problems:
        print(f"blade stats: the archive does not match its manifest ({problems[0]}"
              f"{f' and {len(problems) - 1} more' if len(problems) > 1 else ''}): "
              f"run `blade validate --output {root}`", file=sys.stderr)
        return DEGRADED
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade stats`` to the ``blade`` command's subparsers."""
    stats = subparsers.add_parser(
        "stats", help="what the archive holds: articles per year, sections, authors, coverage")

    common(stats)
    stats.set_defaults(func=cmd_stats)
