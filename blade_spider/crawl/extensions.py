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

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from blade_spider.archive.report import write_output_readme
from blade_spider.archive.state import StateStore
from blade_spider.archive.store import Archive
from blade_spider.crawl.health import FATAL, OK, STOPPED, Verdict, assess

logger = logging.getLogger(__name__)


class CrawlReport:
    """The closing summary and the run's verdict."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        report = cls(crawler)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        stats.set_value("finish_reason", reason)
        verdict = assess(stats.get_stats())
        stats.set_value("blade/exit_status", verdict.status)
        self.conclude(verdict)
        get = stats.get_value
        logger.info(
            "Crawl summary: %s new, %s updated, %s unchanged, %s gone, %s failed, %s rejected, "
            "%s skipped by robots.txt, %s not articles; archive holds %s articles. Verdict: %s",
            get("blade/archive/new", 0), get("blade/archive/updated", 0),
            get("blade/archive/unchanged", 0), get("blade/archive/gone", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/failures/")),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/rejected/")),
            get("robotstxt/forbidden", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("blade/not_article/")),
            get("blade/archive_articles", "?"),
            "OK" if verdict.status == 0 else "; ".join(verdict.problems),
        )
        if verdict.status == STOPPED:
            logger.info("Stopped; the next run resumes (exit status %s)", STOPPED)
        else:
            for problem in verdict.problems:
                logger.error("Run problem: %s", problem)
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir and reason == "finished" and verdict.status < FATAL:
            shutil.rmtree(Path(jobdir), ignore_errors=True)

    def conclude(self, verdict: Verdict) -> None:
        """Record the verdict with the crawl (state and manifest). Only a clean run moves the
        incremental watermark: after a failed one the next run looks as far back again."""
        crawl_id = self.crawler.stats.get_value("blade/crawl_id")
        if crawl_id is None:
            return  # the archive was never opened (locked by another run)
        output = Path(self.crawler.settings.get("BLADE_OUTPUT_DIR"))
        outcome = {"exit_status": verdict.status, "problems": verdict.problems}
        state = StateStore(output / "state.sqlite3")
        try:
            reason = {OK: "finished", STOPPED: "stopped"}.get(verdict.status, "failed")
            state.conclude_crawl(crawl_id, reason, outcome)
        finally:
            state.close()
        archive = Archive(output)
        manifest = archive.read_manifest() or {}
        manifest = archive.write_manifest(
            last_crawl={**(manifest.get("last_crawl") or {}), **outcome})
        write_output_readme(output, manifest)
