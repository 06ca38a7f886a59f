"""Did the run do its job? One verdict from the crawl stats, for logs, cron and systemd.

Exit status: 0 the run did its job; 1 it ran but something is wrong enough to look at (too many
pages failed to fetch or parse, monitors failed); 2 it could not do its job at all (robots.txt or
the site unreachable, the archive locked by another run, a bad argument).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, DEGRADED, FATAL = 0, 1, 2


@dataclass
class Verdict:
    """The run's exit status and the problems behind it."""

    status: int = OK
    problems: list[str] = field(default_factory=list)

    def add(self, status: int, problem: str) -> None:
        self.status = max(self.status, status)
        self.problems.append(problem)


def _sum(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix))


def assess(stats: dict[str, Any], max_failure_rate: float) -> Verdict:
    """The verdict on a finished crawl from its stats."""
    verdict = Verdict()
    if stats.get("blade/fatal"):
        verdict.add(FATAL, str(stats["blade/fatal"]))
    responses = _sum(stats, "downloader/response_status_count/")
    if responses == 0 and not stats.get("blade/fatal"):
        verdict.add(FATAL, "the site answered no request (unreachable?)")
    failures = stats.get("blade/failures/article", 0) + stats.get("blade/failures/parse", 0)
    articles = (stats.get("blade/archive/new", 0) + stats.get("blade/archive/updated", 0)
                + stats.get("blade/archive/unchanged", 0) + failures
                + _sum(stats, "blade/rejected/"))
    if articles and failures / articles > max_failure_rate:
        verdict.add(DEGRADED, f"{failures} of {articles} article pages failed "
                              f"({failures / articles:.0%} > {max_failure_rate:.0%})")
    rejected = _sum(stats, "blade/rejected/")
    if articles and rejected / articles > max_failure_rate:
        verdict.add(DEGRADED, f"{rejected} of {articles} records were rejected as invalid")
    for name in stats.get("blade/monitors_failed", []) or []:
        verdict.add(DEGRADED, f"monitor failed: {name}")
    if stats.get("finish_reason") not in (None, "finished"):
        verdict.add(DEGRADED if verdict.status < FATAL else FATAL,
                    f"finished early: {stats.get('finish_reason')}")
    return verdict
