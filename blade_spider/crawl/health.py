"""Did the run do its job? One verdict from the crawl stats, for logs, cron and systemd.

Exit status: 0 the run did its job; 1 it ran but something is wrong enough to look at (an
end-of-crawl check failed: too many pages failed or were rejected, low field coverage, a probable
site redesign; see :mod:`blade_spider.crawl.monitors`); 2 it could not do its job at all
(robots.txt or the site unreachable, the archive locked by another run, a bad argument, an
archive it cannot write: a full disk, a damaged file, a symlink, another site's archive); 3 it
was stopped before the end (SIGTERM, Ctrl-C: a normal outcome, not an alarm) and the next run
resumes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from blade_spider.status import DEGRADED, FATAL, OK, STOPPED

__all__ = ["DEGRADED", "FATAL", "OK", "STOPPED", "Verdict", "assess", "exit_status", "stop_crawl"]

logger = logging.getLogger(__name__)

#: Why a run ended before its end when it was asked to stop (Scrapy's ``finish_reason``).
STOP_REASONS = ("shutdown",)
#: The finish reason of a crawl stopped because the archive could not be written.
ARCHIVE_ERROR = "archive_error"


@dataclass
class Verdict:
    """The run's exit status and the problems behind it."""

    status: int = OK
    problems: list[str] = field(default_factory=list)

    def add(self, status: int, problem: str) -> None:
        self.status = max(self.status, status)
        self.problems.append(problem)


def stop_crawl(crawler: Any, problem: str, reason: str = ARCHIVE_ERROR) -> None:
    """Stop a running crawl at once because it cannot do its job (exit status 2), with one
    clear error line instead of an error for every item still to come."""
    if crawler.stats.get_value("blade/fatal"):
        return  # already stopping
    logger.error("Stopping the crawl: %s", problem)
    crawler.stats.set_value("blade/fatal", problem)
    crawler.stats.set_value("blade/stop_reason", reason)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))


def assess(stats: dict[str, Any]) -> Verdict:
    """The verdict on a finished crawl from its stats and its end-of-crawl checks."""
    verdict = Verdict()
    if stats.get("blade/fatal"):
        verdict.add(FATAL, str(stats["blade/fatal"]))
    responses = sum(int(v) for k, v in stats.items()
                    if k.startswith("downloader/response_status_count/"))
    if responses == 0 and not stats.get("blade/fatal"):
        verdict.add(FATAL, "the site answered no request (unreachable?)")
    listings = int(stats.get("blade/failures/listing", 0) or 0)
    if listings:  # what they list was not seen: the watermark must wait for a run that saw it
        verdict.add(DEGRADED, f"{listings} listing(s) (sitemap, feed, archive page) could not "
                              "be read: the next run reads them again")
    for check in stats.get("blade/monitors_failed", []) or []:
        verdict.add(DEGRADED, f"check failed: {check}")
    reason = stats.get("finish_reason")
    if reason in STOP_REASONS and verdict.status < FATAL:
        # Asked to stop (systemd, Ctrl-C): what it did is kept and the next run resumes; its
        # end-of-crawl checks were skipped, since a part of a crawl answers none of them.
        return Verdict(STOPPED, ["stopped before the end: the next run resumes where this "
                                 "one stopped"])
    if reason not in (None, "finished"):
        verdict.add(DEGRADED, f"finished early: {reason}")
    return verdict


def exit_status(stats: dict[str, Any]) -> int:
    """The exit status a finished crawl left in its stats (``blade/exit_status``), for
    ``scrapy crawl`` and every ``blade`` command that crawls."""
    return int(stats.get("blade/exit_status", OK) or OK)
