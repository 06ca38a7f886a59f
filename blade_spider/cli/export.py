"""``blade export``: the archive (or a slice) as one Parquet or CSV file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.export import FORMATS, export_archive
from blade_spider.cli.common import common, project_settings


def cmd_export(args: argparse.Namespace) -> int:
    from blade_spider.crawl.health import FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        count = export_archive(root, args.format, args.out, since=args.since, until=args.until,
                               sections=args.section)
    except (ImportError, FileNotFoundError, ValueError) as exc:
        print(f"blade export: {exc}", file=sys.stderr)
        return FATAL
    print(f"exported {count} articles from {root} to {args.out} ({args.format})")
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade export`` to the ``blade`` command's subparsers."""
    export = subparsers.add_parser(
        "export", help="write the archive (or a slice of it) as one Parquet or CSV file")

    common(export)
    export.add_argument("--format", required=True, choices=FORMATS,
                        help="parquet (typed, nested columns) or csv (nested fields as JSON)")
    export.add_argument("--out", required=True, metavar="FILE", help="file to write")
    export.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    export.add_argument("--until", help="only articles published on or before YYYY-MM-DD")
    export.add_argument("--section", action="append", metavar="NAME",
                        help="only this section or category (repeatable; case-insensitive)")
    export.set_defaults(func=cmd_export)
