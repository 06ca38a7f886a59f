"""``blade reparse`` and ``blade import-warc``: rebuild records from WARC captures, offline."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from blade_spider.archive.reparse import ImportReport, ReparseReport, import_warc, reparse
from blade_spider.archive.store import ArchiveLocked
from blade_spider.cli.common import common, project_settings
from blade_spider.crawl.health import FATAL
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
from blade_spider.urls import SiteHosts


def _site(settings: Any) -> SiteHosts:
    return SiteHosts(WASHINGTON_BLADE.base_url, tuple(settings.getlist("BLADE_SITE_ALIASES")))


def _finish(report: ReparseReport | ImportReport) -> int:
    print(report.summary())
    for line in report.notes:
        print(f"note: {line}", file=sys.stderr)
    for line in report.problems:
        print(f"problem: {line}", file=sys.stderr)
    return report.status


def cmd_reparse(args: argparse.Namespace) -> int:
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(f"blade reparse: bad --since {args.since!r}: expected a date like 2017-09-05",
              file=sys.stderr)
        return FATAL
    settings = project_settings(args.output, args.set)
    try:
        report = reparse(settings.get("BLADE_OUTPUT_DIR"), since, args.dry_run, _site(settings))
    except ArchiveLocked as exc:
        print(f"blade: {exc}", file=sys.stderr)
        return FATAL
    return _finish(report)


def cmd_import_warc(args: argparse.Namespace) -> int:
    settings = project_settings(args.output, args.set)
    try:
        report = import_warc(settings.get("BLADE_OUTPUT_DIR"), args.files, _site(settings))
    except ArchiveLocked as exc:
        print(f"blade: {exc}", file=sys.stderr)
        return FATAL
    return _finish(report)


def register(subparsers: Any) -> None:
    """Add ``blade reparse`` and ``blade import-warc`` to the ``blade`` command's subparsers."""


    sub = subparsers.add_parser(
        "reparse", help="rebuild the records from the archive's WARC captures with the "
                        "current parser (offline)")
    common(sub)
    sub.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    sub.add_argument("--dry-run", action="store_true",
                     help="write nothing; show which fields would change, with examples")
    sub.set_defaults(func=cmd_reparse)

    sub = subparsers.add_parser(
        "import-warc", help="add article pages from WARC files made elsewhere (web archives, "
                            "Common Crawl); never replaces a newer record")
    common(sub)
    sub.add_argument("files", nargs="+", metavar="FILE", help="WARC files (.warc or .warc.gz)")
    sub.set_defaults(func=cmd_import_warc)
