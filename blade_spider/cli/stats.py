"""``blade stats``: what the archive holds."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from blade_spider.archive.report import (
    PERIODS,
    archive_stats,
    period_rows,
    period_stats,
    period_text,
)
from blade_spider.cli.common import common, project_settings

FORMATS = ("text", "json", "csv")


def render(root: Path, by: str | None, fmt: str) -> str:
    """The report: the overview as text, or the per-period numbers in ``fmt``."""
    if by is None and fmt == "text":
        return archive_stats(root)
    stats = period_stats(root, by)
    if fmt == "json":
        return json.dumps(stats, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["period", "measure", "name", "value"])
        writer.writerows(period_rows(stats))
        return buffer.getvalue()
    return period_text(stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from blade_spider.crawl.health import FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        print(render(root, args.by, args.format), end="")
    except (FileNotFoundError, ValueError) as exc:
        print(f"blade stats: {exc}", file=sys.stderr)
        return FATAL
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade stats`` to the ``blade`` command's subparsers."""
    stats = subparsers.add_parser(
        "stats", help="what the archive holds: articles per year, sections, authors, coverage")

    common(stats)
    stats.add_argument("--by", choices=tuple(PERIODS),
                       help="numbers per publication month or year (articles, comments, "
                            "sections, authors, field coverage, extraction layer)")
    stats.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), json, or csv (period,measure,name,value rows)")
    stats.set_defaults(func=cmd_stats)
