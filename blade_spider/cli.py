"""The ``blade`` command: the common runs, as thin wrappers over Scrapy's ``CrawlerProcess``.

``blade crawl``  full first run, then incremental runs (what cron/systemd call)
``blade fetch``  re-scrape named article URLs and update them in place, showing what changed
``blade retry``  re-attempt the URLs listed in ``output/failures.jsonl``
``blade demo``   serve the bundled sample site on 127.0.0.1 and crawl it (offline quick start)
``blade stats``, ``blade validate [--repair]``, ``blade export``  read and check the archive
``blade reparse``, ``blade import-warc``  rebuild records from WARC captures, offline

Plain ``scrapy crawl blade -a ...`` keeps working; ``blade`` only chooses arguments and settings,
reads the crawl's outcome, and turns it into messages and an exit status (0 ok, 1 degraded,
2 could not run: see :mod:`blade_spider.health`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blade_spider.health import DEGRADED, FATAL, OK


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
            raise SystemExit(f"blade: bad -s {override!r}: expected NAME=VALUE")
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

    from blade_spider.archive import ArchiveLocked
    from blade_spider.items import ArticleGone, ArticleUnchanged, FetchFailure, SkippedPage
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

    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(BladeSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(dropped, signal=signals.item_dropped)
    try:
        process.crawl(crawler, **spider_args)
        process.start()
    except ArchiveLocked as exc:
        outcome.error = str(exc)
    except ValueError as exc:  # a bad spider argument
        outcome.error = str(exc)
    if crawler.stats is not None:
        outcome.stats = crawler.stats.get_stats()
    failed_start = getattr(process, "bootstrap_failed", False) and not outcome.stats
    if failed_start and not outcome.error:
        outcome.error = "the crawl could not start (see the log above)"
    return outcome


# --- commands -------------------------------------------------------------------------------

def cmd_crawl(args: argparse.Namespace) -> int:
    settings = project_settings(args.output, args.set)
    spider_args = {k: v for k, v in {
        "base_url": args.base_url, "since": args.since, "until": args.until,
        "limit": args.limit, "full": "1" if args.full else None,
        "recheck_days": args.recheck_days,
    }.items() if v is not None}
    outcome = run_spider(settings, **spider_args)
    return report_crawl(outcome)


def report_crawl(outcome: RunOutcome) -> int:
    if outcome.error:
        print(f"blade: {outcome.error}", file=sys.stderr)
        return FATAL
    stats = outcome.stats
    print("new {} | updated {} | unchanged {} | gone {} | failed {} | rejected {} | "
          "skipped by robots {} | archive {} articles".format(
              stats.get("blade/archive/new", 0), stats.get("blade/archive/updated", 0),
              stats.get("blade/archive/unchanged", 0), stats.get("blade/archive/gone", 0),
              sum(v for k, v in stats.items() if k.startswith("blade/failures/")),
              sum(v for k, v in stats.items() if k.startswith("blade/rejected/")),
              stats.get("robotstxt/forbidden", 0), stats.get("blade/archive_articles", 0)))
    if outcome.status != OK:
        print(f"blade: the run did not do its job (exit {outcome.status}); see the log",
              file=sys.stderr)
    return outcome.status


def read_url_file(path: str) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"blade: cannot read {path}: {exc.strerror}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Record fields whose value differs (provenance aside)."""
    if old is None:
        return []
    return [k for k in new if k != "crawl" and old.get(k) != new.get(k)]


def cmd_fetch(args: argparse.Namespace) -> int:
    from blade_spider.archive import Archive
    from blade_spider.state import StateStore
    from blade_spider.urls import LIVE_BASE_URL, SiteHosts

    urls = list(args.urls) + (read_url_file(args.from_file) if args.from_file else [])
    if not urls:
        print("blade fetch: give at least one URL (or --from-file FILE)", file=sys.stderr)
        return FATAL
    settings = project_settings(args.output, args.set)
    site = SiteHosts((args.base_url or LIVE_BASE_URL).rstrip("/"),
                     tuple(settings.getlist("BLADE_SITE_ALIASES")))
    status = OK
    wanted = []
    for url in urls:
        if not site.owns(url):
            print(f"{url}: not on {site.base_url} (offsite): not fetched", file=sys.stderr)
            status = FATAL
        elif site.article_url(url) is None:
            print(f"{url}: not an article URL (/YYYY/MM/DD/slug/): not fetched", file=sys.stderr)
            status = FATAL
        else:
            wanted.append(site.article_url(url))
    if not wanted:
        return status
    archive = Archive(settings.get("BLADE_OUTPUT_DIR"))
    before: dict[str, dict[str, Any]] = {}
    if archive.path("state.sqlite3").exists():
        state = StateStore(archive.path("state.sqlite3"))
        for url in wanted:
            known = state.by_url(url)
            if known:
                before.update({r["id"]: r for r in archive.read_partition(known.partition)
                               if r["id"] == known.id})
        state.close()
    outcome = run_spider(settings, url=",".join(wanted), base_url=site.base_url)
    if outcome.error:
        print(f"blade: {outcome.error}", file=sys.stderr)
        return FATAL
    for record in outcome.records:
        old = before.get(record["id"])
        if old is None:
            print(f"{record['url']}: archived as {record['id']} (new)")
        else:
            fields = changed_fields(old, record)
            print(f"{record['url']}: {record['id']} "
                  + (f"updated: {', '.join(fields)} changed (old version kept in history)"
                     if fields else "unchanged"))
    for item in outcome.skipped:
        print(f"{item.url}: not an article ({item.reason}): archive untouched", file=sys.stderr)
    for item in outcome.failures:
        print(f"{item.url}: failed ({item.reason}): archive untouched", file=sys.stderr)
    for item in outcome.gone:
        print(f"{item.url}: answers HTTP {item.status}", file=sys.stderr)
    for reason in outcome.dropped:
        print(f"rejected: {reason}", file=sys.stderr)
    if outcome.skipped or outcome.failures or outcome.gone or outcome.dropped:
        status = max(status, DEGRADED)
    return max(status, outcome.status if outcome.records else status)


#: Failures of a single article page (fetch, parse, validation) that a retry can fix.
RETRY_STAGES = ("article", "parse", "validate")


def cmd_retry(args: argparse.Namespace) -> int:
    from blade_spider.archive import Archive, atomic_write, dumps, read_jsonl

    settings = project_settings(args.output, args.set)
    archive = Archive(settings.get("BLADE_OUTPUT_DIR"))
    failures = read_jsonl(archive.path("failures.jsonl"))
    urls = list(dict.fromkeys(f["url"] for f in failures if f.get("stage") in RETRY_STAGES))
    if not urls:
        print("blade retry: no failed article URLs to retry")
        return OK
    outcome = run_spider(settings, url=",".join(urls),
                         **({"base_url": args.base_url} if args.base_url else {}))
    if outcome.error:
        print(f"blade: {outcome.error}", file=sys.stderr)
        return FATAL
    fixed = {r["crawl"].get("request_url") for r in outcome.records} | {
        r["url"] for r in outcome.records}
    remaining = [f for f in read_jsonl(archive.path("failures.jsonl"))
                 if f["url"] not in fixed]
    atomic_write(archive.path("failures.jsonl"), (dumps(f) for f in remaining))
    print(f"retried {len(urls)}: {len(fixed & set(urls))} archived, "
          f"{len(remaining)} failures remain in {archive.path('failures.jsonl')}")
    return OK if not outcome.failures else DEGRADED


def cmd_demo(args: argparse.Namespace) -> int:
    from blade_spider.sample_site import SampleSite

    with SampleSite(n=args.articles, port=args.port) as site:
        print(f"Serving the bundled sample site ({args.articles} articles) at {site.url}")
        settings = project_settings(args.output, args.set)
        outcome = run_spider(settings, base_url=site.url)
    status = report_crawl(outcome)
    output = Path(settings.get("BLADE_OUTPUT_DIR")).resolve()
    if status == OK:
        print(f"Archive written to {output}: see articles/, manifest.json; "
              f"a record: head -n1 {output}/articles/*/*.jsonl | head -c 600")
    return status


# --- parser -----------------------------------------------------------------------------

def common(sub: argparse.ArgumentParser) -> None:
    """Options every subcommand takes: the archive directory and Scrapy settings."""
    sub.add_argument("--output", "-o", help="archive directory (default: output)")
    sub.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a Scrapy setting, e.g. -s BLADE_CONTACT=me@example.org")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blade", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    crawl = commands.add_parser("crawl", help="archive the site: full first run, then "
                                              "only what is new or changed")
    common(crawl)
    crawl.add_argument("--base-url", help="crawl a mirror or staging copy instead of the site")
    crawl.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    crawl.add_argument("--until", help="only articles published on or before YYYY-MM-DD")
    crawl.add_argument("--limit", type=int, help="at most this many articles")
    crawl.add_argument("--full", action="store_true", help="re-fetch every article")
    crawl.add_argument("--recheck-days", type=int,
                       help="re-check articles published in the last N days (default 7)")
    crawl.set_defaults(func=cmd_crawl)

    fetch = commands.add_parser("fetch", help="re-scrape given article URLs, update in place")
    common(fetch)
    fetch.add_argument("urls", nargs="*", metavar="URL")
    fetch.add_argument("--from-file", help="file with one URL per line")
    fetch.add_argument("--base-url", help="the site the URLs belong to (a mirror)")
    fetch.set_defaults(func=cmd_fetch)

    retry = commands.add_parser("retry", help="re-attempt the URLs in output/failures.jsonl")
    common(retry)
    retry.add_argument("--base-url", help="the site the URLs belong to (a mirror)")
    retry.set_defaults(func=cmd_retry)

    demo = commands.add_parser("demo", help="crawl the bundled sample site on 127.0.0.1")
    common(demo)
    demo.add_argument("--port", type=int, default=8088)
    demo.add_argument("--articles", type=int, default=30)
    demo.set_defaults(func=cmd_demo)

    # Imported here: these modules import this one (settings, options).
    from blade_spider import archive_check, archive_report, export, reparse

    for module in (export, archive_report, archive_check, reparse):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
