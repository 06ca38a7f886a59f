"""``blade crawl``: the scheduled job (whole site first, then what is new or changed)."""

from __future__ import annotations

import argparse
from typing import Any

from blade_spider.cli.common import (
    common,
    project_settings,
    report_crawl,
    run_spider,
    spider_option,
)


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = project_settings(args.output, args.set)
    spider_args = {k: v for k, v in {
        "base_url": args.base_url, "since": args.since, "until": args.until,
        "limit": args.limit, "full": "1" if args.full else None,
        "recheck_days": args.recheck_days, "sweep": "1" if args.sweep else None,
    }.items() if v is not None}
    outcome = run_spider(settings, **spider_args)
    return report_crawl(outcome)


def register(subparsers: Any) -> None:
    """Add ``blade crawl`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser("crawl", help="archive the site: full first run, then "
                                              "only what is new or changed")
    common(sub)
    sub.add_argument("--base-url", type=spider_option("base_url"),
                     help="crawl a mirror or staging copy instead of the site (politely: add "
                          "-s BLADE_POLITE=False for a copy on this machine)")
    sub.add_argument("--since", type=spider_option("since"),
                     help="only articles published on or after YYYY-MM-DD")
    sub.add_argument("--until", type=spider_option("until"),
                     help="only articles published on or before YYYY-MM-DD")
    sub.add_argument("--limit", type=int, help="at most this many articles")
    sub.add_argument("--full", action="store_true", help="re-fetch every article")
    sub.add_argument("--sweep", action="store_true",
                     help="read every listing whole and re-check only the archived articles "
                          "none names any more (also every BLADE_SWEEP_DAYS days)")
    sub.add_argument("--recheck-days", type=int,
                       help="re-check articles published in the last N days (default 7)")
    sub.set_defaults(func=cmd_crawl)
