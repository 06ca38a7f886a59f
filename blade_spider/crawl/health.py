"""Did the run do its job? One verdict from the crawl stats, for logs, cron and systemd.

Exit status: 0 the run did its job; 1 it ran but something is wrong enough to look at (an
end-of-crawl check failed: too many pages failed or were rejected, low field coverage, a probable
site redesign; see :mod:`blade_spider.crawl.monitors`); 2 it could not do its job at all
(robots.txt or the site unreachable, the archive locked by another run, a bad argument, an
archive it cannot write: a full disk, a damaged file, a symlink, another site's archive).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

OK, DEGRADED, FATAL = 0, 1, 2
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
    for check in stats.get("blade/monitors_failed", []) or []:
        verdict.add(DEGRADED, f"check failed: {check}")
    if stats.get("finish_reason") not in (None, "finished"):
        verdict.add(DEGRADED, f"finished early: {stats.get('finish_reason')}")
    return verdict
