"""``blade fetch``: re-scrape named article URLs, update them in place, show what changed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from blade_spider.archive.store import changed_fields
from blade_spider.cli.common import common, project_settings, read_url_file, run_spider
from blade_spider.crawl.health import DEGRADED, FATAL, OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from blade_spider.archive.state import StateStore
    from blade_spider.archive.store import Archive
    from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
    from blade_spider.urls import SiteHosts

    urls = list(args.urls) + (read_url_file(args.from_file) if args.from_file else [])
    if not urls:
        print("blade fetch: give at least one URL (or --from-file FILE)", file=sys.stderr)
        return FATAL
    settings = project_settings(args.output, args.set)
    site = SiteHosts((args.base_url or WASHINGTON_BLADE.base_url).rstrip("/"),
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


def register(subparsers: Any) -> None:
    """Add ``blade fetch`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser("fetch", help="re-scrape given article URLs, update in place")
    common(sub)
    sub.add_argument("urls", nargs="*", metavar="URL")
    sub.add_argument("--from-file", help="file with one URL per line")
    sub.add_argument("--base-url", help="the site the URLs belong to (a mirror)")
    sub.set_defaults(func=cmd_fetch)
