"""``blade demo``: serve the bundled sample site on 127.0.0.1 and crawl it (offline quick start)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from blade_spider.cli.common import common, project_settings, report_crawl, run_spider
from blade_spider.crawl.health import OK

#: The demo's archive: never ``output/``, where ``blade crawl`` archives the real site.
DEMO_OUTPUT = "output-demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from blade_spider.sample_site import SampleSite

    with SampleSite(n=args.articles, port=args.port) as site:
        print(f"Serving the bundled sample site ({args.articles} articles) at {site.url}")
        settings = project_settings(args.output or DEMO_OUTPUT, args.set)
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
