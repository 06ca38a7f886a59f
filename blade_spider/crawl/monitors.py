"""End-of-crawl checks (spidermon), the ones a Scrapy user already knows how to extend.

Every crawl ends with :class:`CrawlChecks`: article outcomes against what discovery scheduled,
the failure rate, per-field coverage (spidermon's field-coverage stats), and a redesign detector
that compares how often each extraction layer had to fall back with earlier crawls. A failed
check is stored in the stats (``blade/monitors_failed``), listed in the crawl summary and turned
into a non-zero exit status by :mod:`blade_spider.crawl.health`.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, ClassVar

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from blade_spider.archive.state import StateStore

# spidermon 1.27 logs through Spider.log(), which Scrapy 2.19 deprecates: one warning per check.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated",
                        category=ScrapyDeprecationWarning)

#: Fields whose layer shares are watched for a redesign, and the drop that raises the alarm.
WATCHED_LAYERS = ("headline", "body_blocks", "published")
REDESIGN_DROP = 0.3
#: Fewer records than this make shares and coverage too noisy to judge.
MIN_RECORDS = 20


def stat_sum(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix))


def records_written(stats: dict[str, Any]) -> int:
    return sum(stats.get(f"blade/archive/{k}", 0) for k in ("new", "updated", "unchanged"))


def template_shares(stats: dict[str, Any]) -> dict[str, float]:
    """Share of this crawl's records whose field came from a Blade template layer."""
    total = stats.get("blade/records", 0)
    if not total:
        return {}
    return {field: stat_sum(stats, f"blade/layers/{field}/blade_") / total
            for field in WATCHED_LAYERS}


class BladeMonitor(Monitor):
    """Base of the checks: stats and settings at hand, failure messages without unittest's
    "x not less than y" prefix (they go into the summary and the manifest)."""

    longMessage = False

    def setUp(self) -> None:
        if self.stats.get("finish_reason") != "finished":
            self.skipTest("the run ended before its end: a part of a crawl answers no check")

    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    @property
    def settings(self) -> Any:
        return self.data.crawler.settings


@monitors.name("Articles")
class ArticleMonitor(BladeMonitor):
    @monitors.name("articles against discovery")
    def test_articles_against_discovery(self) -> None:
        """Every article URL discovery scheduled ended as a record (or a known outcome), and
        few article pages failed: a share of every article page the run handled, since a
        resumed run also fetches what the stopped one had queued (not scheduled by it)."""
        scheduled = sum(v for k, v in self.stats.items() if k.startswith("blade/discovery/")
                        and k.rsplit("/", 1)[1] not in ("unchanged", "sitemaps_unchanged",
                                                        "rest_pages"))
        explained = (records_written(self.stats) + self.stats.get("blade/archive/gone", 0)
                     + stat_sum(self.stats, "blade/not_article/")
                     + self.stats.get("robotstxt/forbidden", 0)
                     + self.stats.get("blade/duplicates/in_crawl", 0))
        failed = (stat_sum(self.stats, "blade/failures/article")
                  + stat_sum(self.stats, "blade/failures/parse")
                  + stat_sum(self.stats, "blade/rejected/"))
        rate = self.settings.getfloat("BLADE_MAX_FAILURE_RATE")
        handled = max(scheduled, explained + failed)
        if handled:
            self.assertLessEqual(
                failed / handled, rate,
                f"{failed} of {handled} article pages failed or were rejected "
                f"(over {rate:.0%})")
        if scheduled:
            self.assertGreaterEqual(
                explained + failed, scheduled * (1 - rate),
                f"discovery scheduled {scheduled} articles but only {explained + failed} "
                "have an outcome")


@monitors.name("Field coverage")
class FieldCoverageMonitor(BladeMonitor):
    @monitors.name("field coverage")
    def test_field_coverage(self) -> None:
        """Share of records with each field at least its threshold (BLADE_FIELD_COVERAGE)."""
        if self.stats.get("blade/records", 0) < MIN_RECORDS:
            self.skipTest("too few records to judge coverage")
        thresholds = self.settings.getdict("BLADE_FIELD_COVERAGE")
        low = []
        for field, minimum in thresholds.items():
            share = self.stats.get(f"spidermon_field_coverage/dict/{field}", 0.0)
            if share < float(minimum):
                low.append(f"{field} {share:.0%} < {float(minimum):.0%}")
        self.assertFalse(low, "low field coverage: " + ", ".join(low))


@monitors.name("Site redesign")
class RedesignMonitor(BladeMonitor):
    @monitors.name("layer fallbacks")
    def test_layer_fallbacks(self) -> None:
        """A field suddenly no longer read by a Blade template layer means a probable redesign."""
        current = template_shares(self.stats)
        if self.stats.get("blade/records", 0) < MIN_RECORDS or not current:
            self.skipTest("too few records to compare layers")
        output = Path(self.settings.get("BLADE_OUTPUT_DIR"))
        if resumes_a_stopped_run(output):
            # its pages are what the stopped run left, not a sample of the site like a whole
            # crawl's: their layouts need not match any earlier crawl's mix
            self.skipTest("a resumed run is not compared with whole crawls")
        previous = previous_shares(output)
        drops = [f"{field}: {previous[field]:.0%} → {share:.0%}"
                 for field, share in current.items()
                 if field in previous and previous[field] - share > REDESIGN_DROP]
        self.assertFalse(drops, "probable site redesign: the Blade template layers read far "
                                "fewer pages than in earlier crawls (" + "; ".join(drops) + ")")


def earlier_crawls(output: Path, limit: int = 20) -> list[tuple[str | None, str | None]]:
    """``(finish_reason, summary)`` of the crawls before this one, newest first."""
    path = output / "state.sqlite3"
    if not path.exists():
        return []
    state = StateStore(path)
    try:
        rows = state.db.execute("SELECT finish_reason, summary FROM crawls "
                                "ORDER BY id DESC LIMIT ?", (limit + 1,)).fetchall()
    finally:
        state.close()
    return [tuple(row) for row in rows[1:]]  # rows[0] is this crawl


def resumes_a_stopped_run(output: Path) -> bool:
    earlier = earlier_crawls(output, limit=1)
    return bool(earlier) and earlier[0][0] == "stopped"


def previous_shares(output: Path) -> dict[str, float]:
    """Template-layer shares of the last earlier whole crawl (finished, enough records)."""
    for reason, summary in earlier_crawls(output):
        if reason != "finished" or not summary:
            continue
        shares = json.loads(summary).get("template_shares")
        if shares and json.loads(summary).get("records", 0) >= MIN_RECORDS:
            return shares
    return {}


class RecordFailedChecks(Action):
    """Put the failed checks where the summary and the exit status will see them."""

    def run_action(self) -> None:
        failed = []
        for result in self.result.monitors_failed_results:
            message = str(result.error or result.reason or "").strip().splitlines()
            detail = message[-1].removeprefix("AssertionError: ") if message else ""
            failed.append(f"{result.monitor.monitor_name}: {detail}".strip(": "))
        self.data.crawler.stats.set_value("blade/monitors_failed", failed)


class CrawlChecks(MonitorSuite):
    """The end-of-crawl checks (``SPIDERMON_SPIDER_CLOSE_MONITORS``)."""

    monitors: ClassVar[list[type[Monitor]]] = [ArticleMonitor, FieldCoverageMonitor,
                                               RedesignMonitor]
    monitors_failed_actions: ClassVar[list[type[Action]]] = [RecordFailedChecks]
