"""``blade reparse`` and ``blade import-warc``: rebuild records from WARC captures, offline."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TextIO

from tqdm import tqdm

from blade_spider.archive.reparse import ImportReport, ReparseReport, import_warc, reparse
from blade_spider.archive.store import ArchiveLocked
from blade_spider.cli.common import common, project_settings
from blade_spider.crawl.health import FATAL
from blade_spider.crawl.progress import eta_text
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
from blade_spider.urls import SiteHosts

#: Seconds between progress lines when stderr is not a terminal (cron, systemd, a pipe).
PROGRESS_INTERVAL = 30.0


class ReparseProgress:
    """Captures parsed out of those chosen: a bar on a terminal, else a plain line every
    :data:`PROGRESS_INTERVAL` seconds (a run over the whole archive takes a while)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = self.done = 0
        self.started = self.shown = time.monotonic()
        self.bar: tqdm | None = None

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.shown = time.monotonic()
        if self.stream.isatty():
            self.bar = tqdm(total=total, unit="capture", desc="re-parsing", file=self.stream,
                            dynamic_ncols=True)

    def step(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update()
            return
        now = time.monotonic()
        if now - self.shown >= PROGRESS_INTERVAL:
            self.shown = now
            left = (self.total - self.done) * (now - self.started) / self.done
            print(f"re-parsed {self.done} of {self.total} captures "
                  f"({100 * self.done // self.total} %), ETA {eta_text(left)}",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _workers(value: str) -> int:
    """``--workers``: a whole number of processes, at least 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), "
                                         f"not {value!r}")
    return int(value)


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
    return _run(lambda: reparse(settings.get("BLADE_OUTPUT_DIR"), since, args.dry_run,
                                _site(settings), args.workers, ReparseProgress()))


def _run(work: Callable[[], ReparseReport | ImportReport]) -> int:
    """Run a re-parse or an import and report it; a crawl holding the archive stops it."""
    try:
        report = work()
    except ArchiveLocked as exc:
        print(f"blade: {exc}", file=sys.stderr)
        return FATAL
    return _finish(report)


def cmd_import_warc(args: argparse.Namespace) -> int:
    settings = project_settings(args.output, args.set)
    return _run(lambda: import_warc(settings.get("BLADE_OUTPUT_DIR"), args.files,
                                    _site(settings), args.workers, ReparseProgress()))


def workers_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--workers", type=_workers, default=os.cpu_count() or 1, metavar="N",
                     help="processes that parse (default: one per core, %(default)s here); "
                          "the result is the same for any number")


def register(subparsers: Any) -> None:
    """Add ``blade reparse`` and ``blade import-warc`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser(
        "reparse", help="rebuild the records from the archive's WARC captures with the "
                        "current parser (offline)")
    common(sub)
    sub.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    sub.add_argument("--dry-run", action="store_true",
                     help="write nothing; show which fields would change, with examples")
    workers_option(sub)
    sub.set_defaults(func=cmd_reparse)

    sub = subparsers.add_parser(
        "import-warc", help="add article pages from WARC files made elsewhere (web archives, "
                            "Common Crawl); never replaces a newer record")
    common(sub)
    sub.add_argument("files", nargs="+", metavar="FILE", help="WARC files (.warc or .warc.gz)")
    workers_option(sub)
    sub.set_defaults(func=cmd_import_warc)
