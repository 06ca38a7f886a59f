"""``blade demo``: serve the bundled sample site on 127.0.0.1 and crawl it (offline quick start)."""

from __future__ import annotations

import argparse
import errno
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blade_spider.cli.common import common, project_settings, report_crawl, run_spider, usage_error
from blade_spider.crawl.health import OK

#: The demo's archive: never ``output/``, where ``blade crawl`` archives the real site.
DEMO_OUTPUT = "output-demo"

if TYPE_CHECKING:
    from blade_spider.sample_site import SampleSite

#: Where the demo serves the sample site unless ``--port`` says otherwise.
DEFAULT_PORT = 8088


def start_site(articles: int, port: int | None) -> SampleSite:
    """The sample site, serving: on ``port`` when given (a usage error when that port is
    taken), else on 8088, or on a free port when something else (another demo) holds 8088."""
    from blade_spider.sample_site import SampleSite

    try:
        return SampleSite(n=articles, port=DEFAULT_PORT if port is None else port).start()
    except OSError as exc:
        if port is not None or exc.errno != errno.EADDRINUSE:
            usage_error(f"cannot serve on 127.0.0.1:{DEFAULT_PORT if port is None else port} "
                        f"({exc.strerror}); choose another --port, or --port 0 for any free one")
    print(f"Port {DEFAULT_PORT} is taken: serving on a free port instead")
    return SampleSite(n=articles, port=0).start()


def cmd_demo(args: argparse.Namespace) -> int:
    with start_site(args.articles, args.port) as site:
        print(f"Serving the bundled sample site ({args.articles} articles) at {site.url}")
        # Its own site on this machine: no politeness needed (a -s BLADE_POLITE=True still wins).
        settings = project_settings(args.output or DEMO_OUTPUT, ["BLADE_POLITE=False", *args.set])
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
    common(sub, DEMO_OUTPUT)
    sub.add_argument("--port", type=int,
                     help=f"serve the sample site on this port of 127.0.0.1 (0: any free port; "
                          f"default {DEFAULT_PORT}, or any free port when {DEFAULT_PORT} is taken)")
    sub.add_argument("--articles", type=int, default=30)
    sub.set_defaults(func=cmd_demo)
