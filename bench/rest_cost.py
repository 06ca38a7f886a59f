"""What the REST layer costs in requests (issue 19): a full crawl and an incremental one.

A site in a theme nobody taught the parser (``theme="variant:<seed>"``) is crawled in full, then
10 posts are published and 5 retitled and it is crawled again; the same two runs on the site's
own designs, whose pages state every field, show the layer costs nothing there. Requests are
counted in the site's own log, by kind::

    python bench/rest_cost.py                  # 1,000 articles, writes bench/REST_COST.md
    python bench/rest_cost.py --articles 200 --results /tmp/rest.md

Every record of the variant crawls is checked against its post (headline, authors, publication
instant, body): the cost is only worth reporting if the records are right.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from blade_spider.archive.store import Archive  # noqa: E402
from blade_spider.sample_site import SampleSite, generate_posts  # noqa: E402

#: A theme that prints the date without a time and has no OpenGraph times or JSON-LD, and an
#: unknown content container: every article needs the REST layer.
SEED = 0


def kind(path: str) -> str:
    """What a logged request was for."""
    if path.startswith("/wp-json/wp/v2/posts?") and "include=" in path:
        return "rest batch"
    if path.startswith("/wp-json/wp/v2/comments?"):
        return "rest comments"
    if path.startswith("/wp-json/"):
        return "rest listing"
    if "sitemap" in path or path.startswith(("/robots.txt", "/feed/")):
        return "listing"
    return "article" if path.count("/") >= 5 else "other"


def crawl(site: SampleSite, output: Path, *args: str) -> dict[str, Any]:
    """One crawl; its requests by kind, its time and its records."""
    site.reset_requests()
    command = [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
               "-s", f"BLADE_OUTPUT_DIR={output}", "-s", "LOG_LEVEL=WARNING"]
    for arg in args:
        command += ["-a", arg]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                            timeout=1800)
    elapsed = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr[-3000:])
    counts = Counter(kind(path) for _, path, _, _ in site.requests)
    return {"counts": counts, "seconds": elapsed,
            "records": {r["id"]: r for r in Archive(output).iter_records()}}


def wrong(site: SampleSite, records: dict[str, dict[str, Any]]) -> int:
    """Records that are not their post (or missing)."""
    bad = 0
    for post in site.archivable_posts():
        record = records.get(f"wp-{post.id}")
        if record is None or (record["headline"], record["authors"], record["published"],
                              record["body"]) != (post.title, post.authors,
                                                  post.published.isoformat(timespec="seconds"),
                                                  post.body):
            bad += 1
    return bad


def scenario(n: int, theme: str | None, work: Path) -> dict[str, Any]:
    """A full crawl, then an incremental one after 10 new and 5 edited posts."""
    with SampleSite(generate_posts(n, seed=4)) as site:
        if theme:
            site.set_option("theme", theme)
        output = work / (theme or "own").replace(":", "-")
        full = crawl(site, output)
        full["wrong"] = wrong(site, full["records"])
        for _ in range(10):
            site.create_post()
        for post in site.posts[:5]:
            site.update_post(post.id, title=post.title + " (updated)")
        incremental = crawl(site, output)
        incremental["wrong"] = wrong(site, {**full["records"], **incremental["records"]})
    return {"full": full, "incremental": incremental}


def table(n: int, results: dict[str, dict[str, Any]]) -> str:
    kinds = ("article", "rest batch", "rest comments", "rest listing", "listing", "other")
    lines = [f"# REST layer cost ({n:,} articles)", "",
             "Requests in the sample site's log by kind (`python bench/rest_cost.py`). A batch is",
             "`/wp/v2/posts?include=…&_fields=…&_embed=…` for up to 100 articles whose page left",
             "a field to a guess; the site's own designs state every field, so none is asked.",
             "`rest comments` asks the comments of the batch's posts whose page showed none.", "",
             "The incremental run publishes 10 posts and retitles 5: its budget (bench figure 4)",
             "is 15 + 5 requests in all.", "",
             "| site | run | " + " | ".join(kinds) + " | all | REST requests per 100 articles | "
             "wrong records | seconds |",
             "|---|---|" + "---|" * (len(kinds) + 4)]
    for name, runs in results.items():
        for run, data in runs.items():
            counts = data["counts"]
            per = (100 * (counts["rest batch"] + counts["rest comments"])
                   / max(counts["article"], 1))
            lines.append(f"| {name} | {run} | " + " | ".join(str(counts[k]) for k in kinds)
                         + f" | {counts.total()} | {per:.2f} | {data['wrong']} "
                         f"| {data['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/rest_cost.py", description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "REST_COST.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rest-cost-") as scratch:
        results = {f"theme variant:{SEED}": scenario(args.articles, f"variant:{SEED}",
                                                     Path(scratch)),
                   "own designs": scenario(args.articles, None, Path(scratch))}
    report = table(args.articles, results)
    args.results.write_text(report, encoding="utf-8")
    print(report)
    return 0 if all(run["wrong"] == 0 for runs in results.values() for run in runs.values()) \
        else 1


if __name__ == "__main__":
    sys.exit(main())
