"""The blade_spider benchmark: ``python bench/run.py [--quick]`` from the repository root.

Measures extraction (vs trafilatura and newspaper4k), end-to-end crawl throughput (vs
``scrapy bench``), peak memory by archive size, the requests of an incremental run and of a
sweep, loading the archive (vs pandas), the cost of WARC capture and re-parsing on every core, all
in one run on this machine, then writes ``bench/RESULTS.md`` (``--quick``: a smaller smoke run,
written to ``bench/_work/RESULTS-quick.md`` so it never replaces the real results). Everything
talks only to 127.0.0.1; scratch files go to ``bench/_work/`` (git-ignored). See
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules below

import crawling
import extraction
import loading
import merging
import reparse
import report
from common import BENCH, WORK, guard_loopback, machine_info


@dataclass(frozen=True)
class Plan:
    """How big each part of a run is. The full plan is sized to finish in about 15 minutes on
    the reference two-core machine (the 50k crawl alone takes nine of them); ``--quick`` in
    about 2."""

    name: str
    sample_pages: int
    extraction_rounds: int
    sizes: tuple[int, ...]
    incremental_at: int
    warc_articles: int
    warc_pairs: int
    loading_rounds: int
    profile_articles: int
    reparse_captures: int


FULL = Plan("full", 300, 5, (1_000, 10_000, 50_000), 10_000, 1_000, 2, 2, 300, 50_000)
QUICK = Plan("quick", 60, 1, (1_000, 5_000), 5_000, 500, 1, 2, 200, 5_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller smoke run (~2 min)")
    parser.add_argument("--sizes", help="archive sizes for the memory figure, comma separated "
                        "(default 1000,10000,50000; quick 1000,5000)")
    parser.add_argument("--results", type=Path, help="where to write the report (default "
                        "bench/RESULTS.md; quick: bench/_work/RESULTS-quick.md)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else plan.sizes
    incremental_at = plan.incremental_at if plan.incremental_at in sizes else sorted(sizes)[-1]
    results_path = args.results or (WORK / "RESULTS-quick.md" if args.quick
                                    else BENCH / "RESULTS.md")

    guard_loopback()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    command = "python bench/run.py" + (" --quick" if args.quick else "") + (
        f" --sizes {args.sizes}" if args.sizes else "")
    data: dict[str, Any] = {
        "command": command, "plan": plan, "sizes": sizes, "incremental_at": incremental_at,
        "machine": machine_info(), "started": datetime.now(timezone.utc), "errors": {},
    }
    started = time.perf_counter()

    def section(name: str, func: Callable[[], Any]) -> None:
        """Run one figure; a failure is reported in RESULTS.md, and the other figures still
        run (one broken peer must not cost the whole benchmark)."""
        print(f"[{time.perf_counter() - started:6.0f}s] {name}...", flush=True)
        try:
            data[name] = func()
        except Exception:
            data["errors"][name] = traceback.format_exc(limit=6)
            print(data["errors"][name], file=sys.stderr, flush=True)

    section("extraction", lambda: extraction.run(plan.sample_pages, plan.extraction_rounds))
    section("scrapy_bench", crawling.scrapy_bench)
    section("sizes", lambda: crawling.crawl_sizes(list(sizes), incremental_at))
    section("warc", lambda: crawling.warc_comparison(plan.warc_articles, plan.warc_pairs))
    section("loading", lambda: loading.run(_biggest_archive(data), plan.loading_rounds))
    section("merge", lambda: merging.replay(_archive_of(data, incremental_at)))
    section("profile", lambda: crawling.profile_crawl(plan.profile_articles))
    section("reparse", lambda: reparse.run(plan.reparse_captures))
    data["seconds"] = time.perf_counter() - started

    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(report.render(data), encoding="utf-8")
    print(f"[{data['seconds']:6.0f}s] wrote {results_path}", flush=True)
    return 1 if data["errors"] else 0


def _finished_crawls(data: dict[str, Any]) -> list[Any]:
    runs = [run for run in data.get("sizes", ([], None))[0] if run.ok]
    if not runs:
        raise RuntimeError("no full crawl finished: no archive to load")
    return runs


def _biggest_archive(data: dict[str, Any]) -> Path:
    return max(_finished_crawls(data), key=lambda run: run.articles).output


def _archive_of(data: dict[str, Any], size: int) -> Path:
    """The archive of the crawl nearest ``size`` articles (the merge replay's input: a bigger
    one would take minutes, since the replay's cost grows with the square of the size)."""
    return min(_finished_crawls(data), key=lambda run: abs(run.articles - size)).output


if __name__ == "__main__":
    sys.exit(main())
