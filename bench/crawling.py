"""Figures 2, 3, 4 and 6: crawl throughput next to ``scrapy bench``, peak memory by archive size,
requests of an incremental run, and what WARC capture costs.

Every crawl is ``python -m scrapy crawl blade -a base_url=<site>`` in a subprocess (see
:func:`common.run_crawl`) against a sample site served by another process
(:class:`common.SiteProcess`): on this two-core machine the crawler gets one core and the site
the other, as a crawler and a web server on different machines would.

Throughput is Scrapy's own count of responses divided by its own ``elapsed_time_seconds``
(spider opened → closed), the same quantity ``scrapy bench`` prints, so interpreter start-up
(about a second) is left out of both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from common import PYTHON, WORK, CrawlRun, SiteProcess, dir_bytes, parse_stats, run_crawl

#: A permalink path as the sample site serves it: ``/YYYY/MM/DD/slug/``.
ARTICLE_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/?#]+/$")
_CRAWLED = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


# --- scrapy bench --------------------------------------------------------------------------------


@dataclass
class ScrapyBench:
    """``scrapy bench``: Scrapy's own reference crawl (a local link-farm server, no parsing
    beyond link extraction, no pipelines) on this machine, in this run."""

    pages: int
    elapsed_s: float
    interval_rates: list[float]  # pages/s of each "Crawled N pages (at X pages/min)" line
    returncode: int
    log: Path

    @property
    def pages_per_s(self) -> float:
        """Mean of the per-interval rates it printed (= its last count over its run time)."""
        rates = self.interval_rates
        return sum(rates) / len(rates) if rates else 0.0

    @property
    def stats_pages_per_s(self) -> float:
        return self.pages / self.elapsed_s if self.elapsed_s else 0.0


def scrapy_bench(timeout: float = 120) -> ScrapyBench:
    """Run ``scrapy bench`` outside the project (in the project directory Scrapy would load
    blade_spider's settings, politeness and pipelines into it, and it would not be the
    reference any more)."""
    log = WORK / "scrapy-bench.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "SCRAPY_PYTHON_SHELL")}
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as outside:
        result = subprocess.run([PYTHON, "-m", "scrapy", "bench"], cwd=outside, env=env,
                                capture_output=True, text=True, timeout=timeout, check=False)
    text = result.stdout + result.stderr
    log.write_text(text, encoding="utf-8")
    lines = [(int(n), int(rate)) for n, rate in _CRAWLED.findall(text)]
    rates = [rate / 60 for n, rate in lines if n > 0]
    stats = parse_stats(text)
    return ScrapyBench(int(stats.get("downloader/response_count", lines[-1][0] if lines else 0)),
                       float(stats.get("elapsed_time_seconds", 0.0)), rates, result.returncode,
                       log)


# --- crawls by size (throughput and memory), with the incremental run on one of them -------------


@dataclass
class Incremental:
    """The run after ``new`` new and ``edited`` edited articles on an archived site."""

    archive_size: int
    new: int
    edited: int
    run: CrawlRun
    requests: list[tuple[str, str, int]]
    expected_paths: set[str]
    records_ok: bool
    notes: list[str] = field(default_factory=list)

    @property
    def article_requests(self) -> list[str]:
        return [path for _, path, status in self.requests
                if ARTICLE_PATH.match(path.split("?", 1)[0]) and status != 0]

    @property
    def other_requests(self) -> list[tuple[str, int]]:
        articles = set(self.article_requests)
        return [(path, status) for _, path, status in self.requests if path not in articles]

    @property
    def fetched_exactly_the_changes(self) -> bool:
        return set(self.article_requests) == self.expected_paths


def crawl_sizes(sizes: list[int], incremental_at: int | None,
                seed: int = 0) -> tuple[list[CrawlRun], Incremental | None]:
    """A full first crawl of a fresh sample site of each size (peak RSS, throughput); on the
    ``incremental_at`` one, then publish 10 and edit 5 articles and count the requests of the
    next plain run. Each crawl may take two minutes plus 40 ms an article (25 articles/s, a
    quarter of the usual rate) before it is stopped."""
    runs: list[CrawlRun] = []
    incremental = None
    for size in sizes:
        output = WORK / f"crawl-{size}"
        shutil.rmtree(output, ignore_errors=True)
        timeout = 120 + 0.04 * size
        with SiteProcess(size, seed, WORK / f"site-{size}.log") as site:
            run = run_crawl(f"{size:,} articles", site.url, output, timeout=timeout)
            run.extra["site_articles"] = site.archivable
            run.extra["warc_bytes"] = dir_bytes(output / "warc")
            runs.append(run)
            print(f"  crawl {size}: {run.articles} articles, {run.pages_per_s:.1f} pages/s, "
                  f"peak RSS {run.peak_rss / 2**20:.0f} MB, exit {run.returncode}", flush=True)
            if size == incremental_at and run.ok:
                incremental = incremental_run(site, output, size, timeout)
    return runs, incremental


def incremental_run(site: SiteProcess, output: Path, size: int, timeout: float,
                    new: int = 10, edited: int = 5) -> Incremental:
    changes = site.command("change", new=new, edited=edited)
    site.command("reset_log")
    run = run_crawl(f"incremental on {size}", site.url, output, timeout=timeout)
    requests = [tuple(r) for r in site.command("log")["requests"]]
    expected = {path for _, path in changes["new"] + changes["edited"]}
    records_ok, notes = _check_records(output, changes)
    print(f"  incremental on {size}: {len(requests)} requests", flush=True)
    return Incremental(size, new, edited, run, requests, expected,  # type: ignore[arg-type]
                       records_ok, notes)


def _check_records(output: Path, changes: dict[str, Any]) -> tuple[bool, list[str]]:
    """The new articles are archived and the edited ones carry their new headline."""
    from blade_spider.dataset import load_articles

    by_id = {r["id"]: r for r in load_articles(output)}
    notes = [f"new article wp-{i} missing" for i, _ in changes["new"] if f"wp-{i}" not in by_id]
    for post_id, _ in changes["edited"]:
        record = by_id.get(f"wp-{post_id}")
        if record is None or "(updated for the benchmark)" not in (record["headline"] or ""):
            notes.append(f"edit of wp-{post_id} not archived")
    return not notes, notes


# --- WARC on and off -----------------------------------------------------------------------------


@dataclass
class WarcComparison:
    articles: int
    on: list[CrawlRun]
    off: list[CrawlRun]

    @staticmethod
    def _mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    @property
    def rate_on(self) -> float:
        return self._mean([r.pages_per_s for r in self.on])

    @property
    def rate_off(self) -> float:
        return self._mean([r.pages_per_s for r in self.off])

    @property
    def cost(self) -> float:
        """Share of throughput WARC capture costs (negative: within noise, faster)."""
        return 1 - self.rate_on / self.rate_off if self.rate_off else float("nan")

    @property
    def cpu_ms_on(self) -> float:
        return self._mean([1000 * r.extra["cpu_s"] / max(r.pages, 1) for r in self.on])

    @property
    def cpu_ms_off(self) -> float:
        return self._mean([1000 * r.extra["cpu_s"] / max(r.pages, 1) for r in self.off])

    @property
    def cpu_cost(self) -> float:
        return self.cpu_ms_on / self.cpu_ms_off - 1 if self.cpu_ms_off else float("nan")

    @property
    def warc_bytes_per_article(self) -> float:
        return self._mean([r.extra["warc_bytes"] / max(r.articles, 1) for r in self.on])


def warc_comparison(articles: int, pairs: int, seed: int = 1,
                    timeout: float = 900) -> WarcComparison:
    """Crawl the same site with ``BLADE_WARC_ENABLED`` True and False, alternately (on, off,
    on, off...), each into a fresh archive, so drift in the machine hits both sides alike."""
    result = WarcComparison(articles, [], [])
    with SiteProcess(articles, seed, WORK / "site-warc.log") as site:
        for pair in range(pairs):
            for enabled in (True, False):
                label = f"warc-{'on' if enabled else 'off'}-{pair}"
                output = WORK / label
                shutil.rmtree(output, ignore_errors=True)
                run = run_crawl(label, site.url, output, timeout=timeout,
                                settings={"BLADE_WARC_ENABLED": str(enabled)})
                run.extra["warc_bytes"] = dir_bytes(output / "warc")
                (result.on if enabled else result.off).append(run)
                print(f"  {label}: {run.pages_per_s:.1f} pages/s, "
                      f"{run.extra['warc_bytes'] / max(run.articles, 1):,.0f} WARC bytes/article",
                      flush=True)
    return result


# --- where a crawl's time goes -------------------------------------------------------------------

#: ``(label, file path fragment, qualified function name)`` of the stages a crawl spends its CPU
#: on (nested rows are part of the row above them).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("extraction: extract_page (parse, layers, loader)", "blade_spider/extract/__init__.py",
     "extract_page"),
    ("  of which Page.root (the HTML parse)", "blade_spider/extract/page.py", "Page.root"),
    ("  of which comments_in (reader comments)", "blade_spider/extract/comments.py",
     "comments_in"),
    ("pipeline: ValidatePipeline.process_item", "blade_spider/crawl/pipelines.py",
     "ValidatePipeline.process_item"),
    ("  of which schema_errors (jsonschema)", "blade_spider/record/schema.py", "schema_errors"),
    ("pipeline: NormalisePipeline.process_item", "blade_spider/crawl/pipelines.py",
     "NormalisePipeline.process_item"),
    ("pipeline: ArchivePipeline.process_item (journal, merge)", "blade_spider/crawl/pipelines.py",
     "ArchivePipeline.process_item"),
    ("WARC: WarcCaptureMiddleware.process_response", "blade_spider/archive/warc.py",
     "WarcCaptureMiddleware.process_response"),
    ("spidermon: field coverage per item", "spidermon/contrib/scrapy/extensions.py",
     "Spidermon.item_scraped"),
    ("discovery: sitemaps", "blade_spider/spiders/blade.py", "BladeSpider.parse_sitemap"),
)


@cache
def _source(filename: str) -> list[str]:
    try:
        return Path(filename).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _qualified(filename: str, line: int, func: str) -> str:
    """``Class.method`` for a profiled function (pstats keys only have the bare name): the
    nearest class statement above a method's (indented) ``def`` or decorator line."""
    lines = _source(filename)[:line]
    if not lines or not lines[-1].startswith((" ", "\t")):
        return func  # a module-level function (or unreadable source)
    for text in reversed(lines):
        match = re.match(r"class (\w+)", text)
        if match:
            return f"{match.group(1)}.{func}"
        if re.match(r"(async )?def ", text):
            return func  # a function nested in a module-level function
    return func


def profile_crawl(articles: int, seed: int = 2, top: int = 20) -> dict[str, Any]:
    """One crawl under cProfile: the share of the crawl's CPU each stage takes, and the
    blade_spider functions with the most cumulative time. cProfile slows Python code more
    than C code (lxml, zlib), so the shares are a guide, not a measurement."""
    import pstats

    output = WORK / "profiled-crawl"
    shutil.rmtree(output, ignore_errors=True)
    profile = WORK / "crawl.prof"
    with SiteProcess(articles, seed, WORK / "site-profile.log") as site:
        run = run_crawl("profiled", site.url, output, profile=profile, timeout=900)
    stats = pstats.Stats(str(profile))
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in table.values())  # every function's own time
    stages = []
    for label, fragment, name in STAGES:
        seconds = 0.0
        for (filename, line, func), (_, _, _, cumulative, _) in table.items():
            if fragment in filename and _qualified(filename, line, func) == name:
                seconds += cumulative
        stages.append((label, seconds, seconds / total if total else 0.0))
    ranked = sorted(((cumulative, own, calls, filename, line, func)
                     for (filename, line, func), (_, calls, own, cumulative, _) in table.items()
                     if "blade_spider/" in filename and "sample_site" not in filename),
                    reverse=True)[:top]
    functions = [(f"{filename.split('blade_spider/', 1)[1]}:{line} "
                  f"{_qualified(filename, line, func)}", calls, own, cumulative)
                 for cumulative, own, calls, filename, line, func in ranked]
    return {"articles": run.articles, "pages": run.pages, "total_s": total,
            "stages": stages, "functions": functions, "ok": run.ok}
