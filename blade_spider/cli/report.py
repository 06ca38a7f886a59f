"""``blade report``: one self-contained HTML page of charts about the archive."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from blade_spider.cli.common import common, project_settings


def cmd_report(args: argparse.Namespace) -> int:
    from blade_spider.archive.plots import write_report
    from blade_spider.crawl.health import FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        target = write_report(root, args.out)
    except (ImportError, FileNotFoundError, ValueError) as exc:
        print(f"blade report: {exc}", file=sys.stderr)
        return FATAL
    print(f"wrote {target}: charts and tables of {root}, one file that works offline")
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade report`` to the ``blade`` command's subparsers."""
    report = subparsers.add_parser(
        "report", help="one self-contained HTML page of charts (articles, authors, comments, "
                       "coverage, extraction layers, crawl runs)")

    common(report)
    report.add_argument("--out", default="report.html", metavar="FILE",
                        help="HTML file to write (default report.html)")
    report.set_defaults(func=cmd_report)
