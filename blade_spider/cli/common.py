"""What every ``blade`` command shares: settings, running the spider once, its summary.

Command modules import this one; nothing here imports a command (no cycle).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from blade_spider.crawl.health import FATAL, OK, assess


def usage_error(message: str) -> NoReturn:
    """Stop with ``message`` and exit status 2, as argparse does for a bad option."""
    print(f"blade: {message}", file=sys.stderr)
    raise SystemExit(FATAL)


def spider_option(name: str) -> Callable[[str], str]:
    """An argparse type for an option handed to the spider as argument ``name``: the spider's
    own check, run while the command line is parsed, so a bad value is a usage error (exit
    status 2, no crawl started) that names the option as the user typed it."""

    def check(value: str) -> str:
        from blade_spider.spiders.blade import BadArgument, BladeSpider

        try:
            BladeSpider.check_arguments(**{name: value})
        except BadArgument as exc:
            raise argparse.ArgumentTypeError(exc.detail) from None
        return value

    return check


def project_settings(output: str | None, overrides: Sequence[str] = ()) -> Any:
    """The project's Scrapy settings wherever ``blade`` runs, with ``-s NAME=VALUE`` applied."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "blade_spider.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if output:
        settings.set("BLADE_OUTPUT_DIR", output, priority="cmdline")
    for override in overrides:
        name, sep, value = override.partition("=")
        if not sep:
            usage_error(f"bad -s {override!r}: expected NAME=VALUE")
        settings.set(name, value, priority="cmdline")
    return settings


@dataclass
class RunOutcome:
    """What a crawl produced, collected from Scrapy's signals."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)
    gone: list[Any] = field(default_factory=list)
    unchanged: list[Any] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def status(self) -> int:
        if self.error:
            return FATAL
        return int(self.stats.get("blade/exit_status", OK) or OK)


def run_spider(settings: Any, **spider_args: Any) -> RunOutcome:
    """Run the ``blade`` spider once in this process and collect its outcome."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from blade_spider.archive.store import ArchiveLocked
    from blade_spider.record.items import ArticleGone, ArticleUnchanged, FetchFailure, SkippedPage
    from blade_spider.spiders.blade import BladeSpider

    outcome = RunOutcome()

    def scraped(item: Any, **_: Any) -> None:
        if isinstance(item, dict):
            outcome.records.append(item)
        elif isinstance(item, SkippedPage):
            outcome.skipped.append(item)
        elif isinstance(item, FetchFailure):
            outcome.failures.append(item)
        elif isinstance(item, ArticleGone):
            outcome.gone.append(item)
        elif isinstance(item, ArticleUnchanged):
            outcome.unchanged.append(item)

    def dropped(item: Any, exception: BaseException, **_: Any) -> None:
        outcome.dropped.append(str(exception))

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BladeSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(dropped, signal=signals.item_dropped)
    try:
        process.crawl(crawler, **spider_args)
        process.start()
    except ArchiveLocked as exc:
        outcome.error = str(exc)
    if crawler._stats is not None:  # Scrapy's way to read stats a failed start never set
        outcome.stats = crawler.stats.get_stats()
    failed_start = getattr(process, "bootstrap_failed", False) and not outcome.stats
    if failed_start and not outcome.error:
        outcome.error = "the crawl could not start (see the log above)"
    return outcome


def report_crawl(outcome: RunOutcome) -> int:
    """The run's summary line (stdout) and, when it did not do its job, why (stderr)."""
    if outcome.error:
        print(f"blade: {outcome.error}", file=sys.stderr)
        return FATAL
    if outcome.status == FATAL:  # it could not run (locked, unreachable): no summary to give
        return explain(outcome)
    stats = outcome.stats
    print("new {} | updated {} | unchanged {} | gone {} | failed {} | rejected {} | "
          "skipped by robots {} | archive {} articles".format(
              stats.get("blade/archive/new", 0), stats.get("blade/archive/updated", 0),
              stats.get("blade/archive/unchanged", 0), stats.get("blade/archive/gone", 0),
              sum(v for k, v in stats.items() if k.startswith("blade/failures/")),
              sum(v for k, v in stats.items() if k.startswith("blade/rejected/")),
              stats.get("robotstxt/forbidden", 0), stats.get("blade/archive_articles", 0)))
    if outcome.status != OK:
        return explain(outcome)
    return outcome.status


def explain(outcome: RunOutcome) -> int:
    """Why the run did not do its job, one line per problem (stderr); its exit status."""
    for problem in assess(outcome.stats).problems:
        print(f"blade: {problem}", file=sys.stderr)
    return outcome.status


def read_url_file(path: str) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        usage_error(f"cannot read {path}: {exc.strerror}")
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def common(sub: argparse.ArgumentParser) -> None:
    """Options every subcommand takes: the archive directory and Scrapy settings."""
    sub.add_argument("--output", "-o", help="archive directory (default: output)")
    sub.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a Scrapy setting, e.g. -s BLADE_CONTACT=me@example.org")
