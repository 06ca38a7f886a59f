"""``blade validate [--repair]``: check the archive, rebuild what can be rebuilt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.check import validate_archive
from blade_spider.cli.common import common, project_settings


def cmd_validate(args: argparse.Namespace) -> int:
    from blade_spider.archive.store import ArchiveError
    from blade_spider.crawl.health import DEGRADED, FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        report = validate_archive(root, repair=args.repair)
    except (FileNotFoundError, ArchiveError) as exc:  # locked by a crawl, a symlink inside
        print(f"blade validate: {exc}", file=sys.stderr)
        return FATAL
    print(report.text())
    return OK if report.ok else DEGRADED


def register(subparsers: Any) -> None:
    """Add ``blade validate`` to the ``blade`` command's subparsers."""
    validate = subparsers.add_parser(
        "validate", help="check the archive against its schema, manifest and state; "
                         "--repair rebuilds what can be rebuilt")

    common(validate)
    validate.add_argument("--repair", action="store_true",
                          help="fix duplicates, misplaced or unsorted records, damaged lines, "
                               "the manifest and the state (never deletes a record)")
    validate.set_defaults(func=cmd_validate)
