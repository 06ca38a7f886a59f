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

from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.health import FATAL, OK, STOPPED, assess, exit_status
from blade_spider.crawl.signals import ArticleGone, ArticleUnchanged, FetchFailure, SkippedPage


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


def archive_base_url(settings: Any) -> str | None:
    """The site the archive in ``BLADE_OUTPUT_DIR`` was made from (its manifest's ``site``), so
    that ``blade fetch``/``retry`` on a mirror's archive go to that mirror without
    ``--base-url``; ``None`` for an archive with no record yet (the live site is meant)."""
    from blade_spider.archive.store import Archive

    site = Archive(settings.get("BLADE_OUTPUT_DIR")).site()
    return site["base_url"] if site else None


@dataclass
class RunOutcome:
    """What a crawl produced: its records (items) and its other outcomes (the signals of
    :mod:`blade_spider.crawl.signals`)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedPage] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    gone: list[ArticleGone] = field(default_factory=list)
    unchanged: list[ArticleUnchanged] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def status(self) -> int:
        if self.error:
            return FATAL
        return exit_status(self.stats)


def run_spider(settings: Any, **spider_args: Any) -> RunOutcome:
    """Run the ``blade`` spider once in this process and collect its result."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from blade_spider.archive.store import ArchiveLocked
    from blade_spider.spiders.blade import BladeSpider

    result = RunOutcome()

    def scraped(item: dict[str, Any]) -> None:
        result.records.append(item)

    def dropped(exception: BaseException) -> None:
        result.dropped.append(str(exception))

    def collect(into: list[Any]) -> Callable[..., None]:
        def append(outcome: Any) -> None:
            into.append(outcome)
        return append

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BladeSpider)
    # The crawler's signal manager holds handlers weakly: these live as long as this call.
    handlers = [(scraped, signals.item_scraped),
                (dropped, signals.item_dropped),
                (collect(result.skipped), blade_signals.page_skipped),
                (collect(result.failures), blade_signals.fetch_failed),
                (collect(result.gone), blade_signals.article_gone),
                (collect(result.unchanged), blade_signals.article_unchanged)]
    for handler, signal in handlers:
        crawler.signals.connect(handler, signal=signal)
    try:
        process.crawl(crawler, **spider_args)
        process.start()
    except ArchiveLocked as exc:
        result.error = str(exc)
    if crawler._stats is not None:  # Scrapy's way to read stats a failed start never set
        result.stats = crawler.stats.get_stats()
    failed_start = getattr(process, "bootstrap_failed", False) and not result.stats
    if failed_start and not result.error:
        result.error = "the crawl could not start (see the log above)"
    return result


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
    if outcome.status == STOPPED:
        print(f"blade: stopped; the next run resumes (exit {STOPPED})", file=sys.stderr)
        return outcome.status
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


def common(sub: argparse.ArgumentParser, output: str = "output") -> None:
    """Options every subcommand takes: the archive directory (``output`` the one it uses when
    none is given) and Scrapy settings."""
    sub.add_argument("--output", "-o", help=f"archive directory (default: {output})")
    sub.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a Scrapy setting, e.g. -s BLADE_CONTACT=me@example.org")
