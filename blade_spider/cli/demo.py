"""``blade demo``: serve the bundled sample site on 127.0.0.1 and crawl it (offline quick start)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from blade_spider.cli.common import common, project_settings, report_crawl, run_spider
from blade_spider.crawl.health import OK


def cmd_demo(args: argparse.Namespace) -> int:
    from blade_spider.sample_site import SampleSite

    with SampleSite(n=args.articles, port=args.port) as site:
        print(f"Serving the bundled sample site ({args.articles} articles) at {site.url}")
        # Its own site on this machine: no politeness needed (a -s BLADE_POLITE=True still wins).
        settings = project_settings(args.output, ["BLADE_POLITE=False", *args.set])
        outcome = run_spider(settings, base_url=site.url)
    status = report_crawl(outcome)
    output = Path(settings.get("BLADE_OUTPUT_DIR")).resolve()
    if status == OK:
        print(f"Archive written to {output}: see articles/, manifest.json; "
              f"a record: head -n1 {output}/articles/*/*.jsonl | head -c 600")
    return status


def register(subparsers: Any) -> None:
    """Add ``blade demo`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser("demo", help="crawl the bundled sample site on 127.0.0.1")
    common(sub)
    sub.add_argument("--port", type=int, default=8088)
    sub.add_argument("--articles", type=int, default=30)
    sub.set_defaults(func=cmd_demo)
