"""Extensions: one summary and a verdict when a crawl ends (progress: :mod:`.progress`).

:class:`CrawlReport` logs the summary (new, updated, unchanged, gone, failed,
skipped by robots, archive totals), stores the verdict (``blade/exit_status``) that
``scrapy crawl``/``blade crawl`` turn into the process exit status, and removes the JOBDIR of a
crawl that finished (so the next scheduled run starts fresh, while a killed one resumes).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from blade_spider.archive.report import write_output_readme
from blade_spider.archive.state import StateStore, utc_now
from blade_spider.archive.store import (
    RUNS,
    WRITE_ERRORS,
    Archive,
    MergeResult,
    append_line,
    write_problem,
)
from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.health import ARCHIVE_ERROR, FATAL, OK, STOPPED, Verdict, assess
from blade_spider.crawl.monitors import stat_sum

logger = logging.getLogger(__name__)


class CrawlReport:
    """The closing summary and the run's verdict."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # What this run changed, by id, for its line in ``runs.jsonl``.
        self.new: list[str] = []
        self.updated: dict[str, list[str]] = {}
        self.gone: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        report = cls(crawler)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(report.archive_changed, signal=blade_signals.archive_changed)
        return report

    def archive_changed(self, result: MergeResult) -> None:
        self.new += [i for i in result.new if i not in self.updated]
        for article_id in result.updated:
            fields = self.updated.setdefault(article_id, [])
            fields += [f for f in result.changes.get(article_id, []) if f not in fields]
        self.gone += result.gone

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        stats.set_value("finish_reason", reason)
        verdict = assess(stats.get_stats())
        stats.set_value("blade/exit_status", verdict.status)
        try:
            self.conclude(verdict)
        except WRITE_ERRORS as exc:  # e.g. the disk that stopped the crawl is still full
            output = Path(self.crawler.settings.get("BLADE_OUTPUT_DIR"))
            logger.error("Could not record the verdict in the archive: %s",
                         write_problem(exc, output))
        get = stats.get_value
        logger.info(
            "Crawl summary: %s new, %s updated, %s unchanged, %s gone, %s failed, %s rejected, "
            "%s skipped by robots.txt, %s not articles; archive holds %s articles. Verdict: %s",
            get("blade/archive/new", 0), get("blade/archive/updated", 0),
            get("blade/archive/unchanged", 0), get("blade/archive/gone", 0),
            stat_sum(stats.get_stats(), "blade/failures/"),
            stat_sum(stats.get_stats(), "blade/rejected/"),
            get("robotstxt/forbidden", 0),
            stat_sum(stats.get_stats(), "blade/not_article/"),
            get("blade/archive_articles", "?"),
            "OK" if verdict.status == 0 else "; ".join(verdict.problems),
        )
        if verdict.status == STOPPED:
            logger.info("Stopped; the next run resumes (exit status %s)", STOPPED)
        else:
            for problem in verdict.problems:
                logger.error("Run problem: %s", problem)
        jobdir = self.crawler.settings.get("JOBDIR")
        # A run stopped by its archive (a full disk...) may have left the queue torn: the next
        # run starts fresh too (it looks as far back again, so nothing is missed).
        if jobdir and ((reason == "finished" and verdict.status < FATAL)
                       or stats.get_value("blade/stop_reason") == ARCHIVE_ERROR):
            shutil.rmtree(Path(jobdir), ignore_errors=True)

    def conclude(self, verdict: Verdict) -> None:
        """Record the verdict with the crawl (state and manifest). Only a clean run moves the
        incremental watermark, and only a clean sweep the date of the last sweep: after a
        failed one the next run looks as far back again."""
        crawl_id = self.crawler.stats.get_value("blade/crawl_id")
        if crawl_id is None:
            return  # the archive was never opened (locked by another run)
        output = Path(self.crawler.settings.get("BLADE_OUTPUT_DIR"))
        # A sweep (or a full or first run) dates the next automatic sweep once it finished.
        outcome = {"exit_status": verdict.status, "problems": verdict.problems,
                   "sweep": bool(self.crawler.stats.get_value("blade/sweep"))}
        reason = {OK: "finished", STOPPED: "stopped"}.get(verdict.status, "failed")
        if reason == "finished" and self.crawler.stats.get_value("blade/partial_run"):
            reason = "partial"  # named URLs or listings only: the watermark stays
        state = StateStore(output / "state.sqlite3")
        try:
            state.conclude_crawl(crawl_id, reason, outcome)
        finally:
            state.close()
        archive = Archive(output)
        self.log_run(archive, crawl_id, reason, outcome)
        manifest = archive.read_manifest() or {}
        manifest = archive.write_manifest(
            last_crawl={**(manifest.get("last_crawl") or {}), **outcome})
        write_output_readme(output, manifest)

    def log_run(self, archive: Archive, crawl_id: int, reason: str,
                outcome: dict[str, Any]) -> None:
        """One line per run in ``runs.jsonl``: when, how it ended, and what it changed, by id
        (``blade changes`` prints them)."""
        stats = self.crawler.stats.get_stats()
        new = [i for i in dict.fromkeys(self.new) if i not in self.updated]
        append_line(archive.path(RUNS), {
            "crawl_id": crawl_id, "started_at": str(stats.get("start_time", "")),
            "finished_at": utc_now(), "outcome": reason, **outcome,
            "counts": {key: stats.get(f"blade/archive/{key}", 0)
                       for key in ("new", "updated", "unchanged", "gone")}
                      | {"failed": stat_sum(stats, "blade/failures/"),
                         "rejected": stat_sum(stats, "blade/rejected/")},
            "new": new, "updated": self.updated, "gone": list(dict.fromkeys(self.gone)),
        })
