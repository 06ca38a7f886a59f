"""Records of every fixture page, the bench's sample pages and a crawled sample site, as one file.

A refactoring must not change a single record. Run this before and after and compare::

    python bench/snapshot.py bench/_work/before.jsonl          # on the old tree
    python bench/snapshot.py bench/_work/after.jsonl           # on the new tree
    python bench/snapshot.py --compare bench/_work/before.jsonl bench/_work/after.jsonl

Only what changes from run to run is blanked (see ``VOLATILE``); everything else, key order
included, is compared byte for byte.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import BladeTool, fixture_pages, sample_pages

#: Differ per run: the time, the WARC file's name, and validators that hash the page (whose links
#: carry the sample site's port).
VOLATILE = ("fetched_at", "warc", "etag", "last_modified")
#: A sample site listens on a new port each run.
LOOPBACK_SITE = re.compile(r"http://127\.0\.0\.1:\d+")


def _blank(record: dict[str, Any]) -> dict[str, Any]:
    """The record without what differs per run (those keys dropped, wherever present)."""
    crawl = record.get("crawl")
    if isinstance(crawl, dict):
        for key in VOLATILE:
            crawl.pop(key, None)
    return record


def _comparable(line: str) -> str:
    """A snapshot line with its volatile keys dropped (older snapshots kept them as "-")."""
    entry = json.loads(line)
    if isinstance(entry.get("record"), dict):
        _blank(entry["record"])
    return json.dumps(entry, ensure_ascii=False)


def page_records(sample_count: int) -> list[str]:
    """One line per page: the extracted record, or the reason a page gave none."""
    from itemadapter import ItemAdapter

    tool = BladeTool()
    lines = []
    for page in fixture_pages() + sample_pages(sample_count):
        try:
            record: Any = _blank(ItemAdapter(tool.run(page)).asdict())
        except Exception as error:  # NotAnArticle and friends: the reason is what is compared
            record = {"error": type(error).__name__, "reason": getattr(error, "reason", "")}
        line = json.dumps({"page": page.name, "record": record}, ensure_ascii=False)
        lines.append(LOOPBACK_SITE.sub("http://SITE", line))
    return lines


def crawl_records(articles: int) -> list[str]:
    """Every record a ``blade demo``-style crawl of a sample site archives, in archive order."""
    from blade_spider.sample_site import SampleSite

    with tempfile.TemporaryDirectory() as tmp, SampleSite(n=articles) as site:
        subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
             "-s", f"BLADE_OUTPUT_DIR={tmp}", "-s", "LOG_LEVEL=WARNING",
             "-s", "BLADE_POLITE=False"],
            check=False, cwd=Path(__file__).resolve().parent.parent)
        lines = []
        for path in sorted(Path(tmp, "articles").glob("*/*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                record = _blank(json.loads(line))
                line = json.dumps({"page": f"crawl/{path.name}", "record": record},
                                  ensure_ascii=False)
                lines.append(LOOPBACK_SITE.sub("http://SITE", line))
    return lines


def compare(before: Path, after: Path) -> int:
    old = [_comparable(line) for line in before.read_text(encoding="utf-8").splitlines()]
    new = [_comparable(line) for line in after.read_text(encoding="utf-8").splitlines()]
    differing = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    print(f"{len(old)} records before, {len(new)} after, {len(differing)} differ")
    for a, b in differing[:5]:
        print("-", a[:400], "\n+", b[:400])
    return 0 if len(old) == len(new) and not differing else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--crawl", type=int, default=60, help="articles of the crawled site")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("give an output file or --compare BEFORE AFTER")
    lines = page_records(args.samples) + crawl_records(args.crawl)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} records written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
