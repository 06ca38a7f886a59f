"""The ``blade`` command: the common runs, as thin wrappers over Scrapy's ``CrawlerProcess``.

``blade crawl``  full first run, then incremental runs (what cron/systemd call)
``blade fetch``  re-scrape named article URLs and update them in place, showing what changed
``blade retry``  re-attempt the URLs listed in ``output/failures.jsonl``
``blade changes``  what each crawl did and changed (``output/runs.jsonl``)
``blade demo``   serve the bundled sample site on 127.0.0.1 and crawl it (offline quick start)
``blade stats``, ``blade validate [--repair]``, ``blade export``  read and check the archive
``blade reparse``, ``blade import-warc``  rebuild records from WARC captures, offline
``blade explore``, ``blade report``  browse and search it (Datasette); one page of charts

Plain ``scrapy crawl blade -a ...`` keeps working; ``blade`` only chooses arguments and settings,
reads the crawl's outcome, and turns it into messages and an exit status (0 ok, 1 degraded,
2 could not run: see :mod:`blade_spider.crawl.health`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from blade_spider.cli import (
    changes,
    crawl,
    demo,
    explore,
    export,
    fetch,
    reparse,
    report,
    retry,
    stats,
    validate,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blade", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    for module in (crawl, fetch, retry, demo, changes, export, stats, validate, reparse,
                   explore, report):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))

