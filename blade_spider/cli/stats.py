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
    """The report; exit status 2 when the archive cannot be read, 1 when it was read but does
    not match its manifest (a partition missing or changed: the numbers may be wrong)."""
    from blade_spider.archive.check import manifest_problems
    from blade_spider.archive.store import Archive, ArchiveError
    from blade_spider.crawl.health import DEGRADED, FATAL, OK

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        print(render(root, args.by, args.format), end="")
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
    stats.add_argument("--by", choices=tuple(PERIODS),
                       help="numbers per publication month or year (articles, comments, "
                            "sections, authors, field coverage, extraction layer)")
    stats.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), json, or csv (period,measure,name,value rows)")
    stats.set_defaults(func=cmd_stats)
