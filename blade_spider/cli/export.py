"""``blade export``: the archive (or a slice) as one Parquet, CSV or SQLite file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.export import FORMATS, export_archive
from blade_spider.archive.tables import TABLES
from blade_spider.cli.common import common, project_settings


def _slice(args: argparse.Namespace) -> str:
    """The filters given, as the options that set them."""
    given = [f"--since {args.since}" if args.since else "",
             f"--until {args.until}" if args.until else ""]
    given += [f"--section {name}" for name in args.section or ()]
    return " ".join(part for part in given if part) or "the whole archive"


def cmd_export(args: argparse.Namespace) -> int:
    from blade_spider.crawl.health import DEGRADED, FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        count = export_archive(root, args.format, args.out, since=args.since, until=args.until,
                               sections=args.section, table=args.table)
    except (ImportError, FileNotFoundError, ValueError) as exc:
        print(f"blade export: {exc}", file=sys.stderr)
        return FATAL
    what = f", table {args.table}" if args.table else ""
    if not count:
        print(f"blade export: no article in {root} matches {_slice(args)}; "
              f"{args.out} has no rows", file=sys.stderr)
        return DEGRADED
    print(f"exported {count} articles from {root} to {args.out} ({args.format}{what})")
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade export`` to the ``blade`` command's subparsers."""
    export = subparsers.add_parser(
        "export", help="write the archive (or a slice of it) as one Parquet, CSV or SQLite file")

    common(export)
    export.add_argument("--format", required=True, choices=FORMATS,
                        help="parquet (typed, nested columns), csv (nested fields as JSON) or "
                             "sqlite (every table, full-text search; for blade explore)")
    export.add_argument("--table", choices=tuple(TABLES),
                        help="parquet/csv: one normalised table instead of whole records")
    export.add_argument("--out", required=True, metavar="FILE", help="file to write")
    export.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    export.add_argument("--until", help="only articles published on or before YYYY-MM-DD")
    export.add_argument("--section", action="append", metavar="NAME",
                        help="only this section or category (repeatable; case-insensitive)")
    export.set_defaults(func=cmd_export)
