"""``blade retry``: re-attempt the URLs listed in ``output/failures.jsonl``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from blade_spider.cli.common import (
    archive_base_url,
    common,
    project_settings,
    run_spider,
    spider_option,
)
from blade_spider.crawl.health import DEGRADED, FATAL, OK

#: Failures of a single article page (fetch, parse, validation) that a retry can fix.
RETRY_STAGES = ("article", "parse", "validate")
#: A listing (sitemap, feed, archive page) that could not be read: a retry reads it again.
LISTING = "listing"


def cmd_retry(args: argparse.Namespace) -> int:
    from blade_spider.archive.store import Archive, atomic_write, dumps, read_jsonl

    settings = project_settings(args.output, args.set)
    archive = Archive(settings.get("BLADE_OUTPUT_DIR"))
    failures = read_jsonl(archive.path("failures.jsonl"))
    urls = list(dict.fromkeys(f["url"] for f in failures if f.get("stage") in RETRY_STAGES))
    listings = list(dict.fromkeys(f["url"] for f in failures if f.get("stage") == LISTING))
    if not urls and not listings:
        print("blade retry: nothing to retry: no failed article or listing in failures.jsonl")
        return OK
    spider_args = {k: ",".join(v) for k, v in (("url", urls), ("listing", listings)) if v}
    base_url = args.base_url or archive_base_url(settings)
    outcome = run_spider(settings, **spider_args, **({"base_url": base_url} if base_url else {}))
    if outcome.error:
        print(f"blade: {outcome.error}", file=sys.stderr)
        return FATAL
    archived = {r["crawl"].get("request_url") for r in outcome.records} | {
        r["url"] for r in outcome.records}
    failed_again = {(f.url, f.stage) for f in outcome.failures}
    read = {u for u in listings if (u, LISTING) not in failed_again}
    remaining = [f for f in read_jsonl(archive.path("failures.jsonl"))
                 if f["url"] not in archived
                 and not (f.get("stage") == LISTING and f["url"] in read)]
    atomic_write(archive.path("failures.jsonl"), (dumps(f) for f in remaining))
    print(f"retried {len(urls)} articles and {len(listings)} listings: "
          f"{len(archived & set(urls))} archived, {len(read)} listings read; "
          f"{len(remaining)} failures remain in {archive.path('failures.jsonl')}")
    return OK if not remaining else DEGRADED


def register(subparsers: Any) -> None:
    """Add ``blade retry`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser("retry", help="re-attempt the URLs in output/failures.jsonl")
    common(sub)
    sub.add_argument("--base-url", type=spider_option("base_url"),
                     help="the site the URLs belong to (default: the archive's own site)")
    sub.set_defaults(func=cmd_retry)
