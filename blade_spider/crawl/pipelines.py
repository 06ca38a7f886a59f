"""Item pipelines: Validate → Normalise → Deduplicate → Archive (plus the failure log).

``ITEM_PIPELINES`` in :mod:`blade_spider.settings` wires them in that order. Only
:class:`~blade_spider.record.items.Article` records are validated and written; the spider's notes
(:class:`ArticleUnchanged`, :class:`ArticleGone`, :class:`FetchFailure`) pass through to the
archive pipeline, which updates the state and logs.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response

from blade_spider import SCHEMA_VERSION
from blade_spider.archive.state import StateStore, utc_now
from blade_spider.archive.store import Archive, ArchiveLocked, append_line, atomic_write
from blade_spider.crawl.monitors import template_shares
from blade_spider.record.items import Article, ArticleGone, ArticleUnchanged, FetchFailure
from blade_spider.record.schema import article_schema, schema_errors
from blade_spider.urls import compact_key, original_url

logger = logging.getLogger(__name__)

#: The record's key order (RECORD.md) and that of its nested objects.
RECORD_KEYS = tuple(article_schema()["properties"])
IMAGE_KEYS = ("url", "alt", "caption", "credit", "featured")
COMMENT_KEYS = ("id", "parent_id", "author", "published", "text")
BLOCK_KEYS = ("type", "text")


def output_dir(crawler: Crawler) -> Path:
    return Path(crawler.settings.get("BLADE_OUTPUT_DIR"))


class ValidatePipeline:
    """Refuse records that break the schema: no URL, or neither headline nor body (a missing
    date or byline is archived as null, noted in ``crawl.missing``).

    A refused record is counted in the stats by reason and logged to ``output/rejects.jsonl``;
    it never reaches the archive.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.rejects = output_dir(crawler) / "rejects.jsonl"
        self.failures = output_dir(crawler) / "failures.jsonl"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, Article):
            return item
        record = ItemAdapter(item).asdict()  # the one copy; the pipelines after share it
        errors = schema_errors(record)
        if errors:
            field = errors[0].split(":", 1)[0].split("/", 1)[0]
            self.crawler.stats.inc_value(f"blade/rejected/{field}")
            now = utc_now()
            append_line(self.rejects, {"url": record.get("url"), "id": record.get("id"),
                                       "reasons": errors, "time": now})
            request_url = (record.get("crawl") or {}).get("request_url") or record.get("url")
            append_line(self.failures, {"url": request_url, "stage": "validate",
                                        "reason": errors[0], "time": now, "attempt": 1,
                                        "status": (record.get("crawl") or {}).get("http_status")})
            raise DropItem(f"invalid record {record.get('url')}: {'; '.join(errors[:3])}")
        return record


class NormalisePipeline:
    """Give a record (an Article, or the dict validation made of it) the contract's key order,
    so output is stable."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, Article):
            item = ItemAdapter(item).asdict()
        if not isinstance(item, dict):
            return item
        record = item
        record["schema_version"] = SCHEMA_VERSION
        record["body_blocks"] = [{k: b[k] for k in BLOCK_KEYS} for b in record["body_blocks"]]
        record["images"] = [{k: i[k] for k in IMAGE_KEYS} for i in record["images"]]
        record["comments"] = [{k: c[k] for k in COMMENT_KEYS} for c in record["comments"]]
        record["crawl"] = dict(sorted(record["crawl"].items()))
        return {k: record[k] for k in RECORD_KEYS}


class DeduplicatePipeline:
    """The same article twice in one crawl (reached through two URLs): keep the first."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[int] = set()  # compact_key of every id archived in this crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, dict):
            return item
        key = compact_key(item["id"])
        if key in self.seen:
            self.crawler.stats.inc_value("blade/duplicates/in_crawl")
            raise DropItem(f"duplicate of {item['id']} in this crawl: {item['url']}")
        self.seen.add(key)
        return item


class ArchivePipeline:
    """Write records into the partitioned archive, crash-safely.

    Each record is journaled the moment it arrives (so a killed crawl loses nothing it parsed)
    and merged into the month partitions in batches (``BLADE_FLUSH_ITEMS`` records or
    ``BLADE_FLUSH_SECONDS``), at the end of the crawl, and at the start of the next one if a
    crawl was killed before merging.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive = Archive(output_dir(crawler))
        self.flush_items = crawler.settings.getint("BLADE_FLUSH_ITEMS", 500)
        self.flush_seconds = crawler.settings.getfloat("BLADE_FLUSH_SECONDS", 60.0)
        self.pending: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.totals = {"new": 0, "updated": 0, "unchanged": 0, "gone": 0}
        self.locked_out = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.request_reached, signal=signals.request_reached_downloader)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(pipeline.item_done, signal=signal)
        return pipeline

    def request_reached(self, request: Request, spider: Spider | None = None) -> None:
        """An article request left the queue: until its item is processed, it is in flight
        (a JOBDIR resume would not fetch it again, so the next run must)."""
        if request.meta.get("blade_stage") == "article" and not self.locked_out:
            self.state.add_inflight(original_url(request), request.meta.get("discovered_modified"),
                                    request.meta.get("discovered_modified_source"))

    def item_done(self, item: Any, response: Response | None = None, **kwargs: Any) -> None:
        if response is not None and response.request is not None and not self.locked_out:
            self.state.done_inflight(original_url(response.request))

    def open_spider(self, spider: Spider | None = None) -> None:
        try:
            self.archive.lock()
        except ArchiveLocked as exc:
            # One clear line, no traceback; the spider sees the fatal stat and fetches nothing.
            logger.error("Not crawling: %s", exc)
            self.stats.set_value("blade/fatal", str(exc))
            self.locked_out = True
            return
        self.state = StateStore(self.archive.path("state.sqlite3"))
        self.crawl_id = self.state.start_crawl()
        leftover = self.archive.journal_entries()
        if leftover:
            logger.warning("Merging %d records a killed crawl had not yet archived",
                           len(leftover))
            self.pending = list(leftover)
            self.flush()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if self.locked_out:
            raise DropItem("the archive is locked by another crawl")
        if isinstance(item, dict):
            self.add_record(item)
        elif isinstance(item, ArticleUnchanged):
            known = self.state.by_url(item.url)
            if known:
                self.state.touch(known.id, item.checked_at)
            self.stats.inc_value("blade/archive/unchanged")
            self.totals["unchanged"] += 1
        elif isinstance(item, ArticleGone):
            self.mark_gone(item)
        elif isinstance(item, FetchFailure):
            append_line(self.archive.path("failures.jsonl"), ItemAdapter(item).asdict())
        return item

    def add_record(self, record: dict[str, Any]) -> None:
        self.archive.journal_append(record)
        self.pending.append(record)
        self.stats.inc_value("blade/records")
        for field, layer in record["crawl"].get("parser_layers", {}).items():
            self.stats.inc_value(f"blade/layers/{field}/{layer}")
        if (len(self.pending) >= self.flush_items
                or time.monotonic() - self.last_flush >= self.flush_seconds):
            self.flush()

    def mark_gone(self, item: ArticleGone) -> None:
        known = self.state.by_url(item.url)
        if known is not None and self.archive.mark_gone(known.id, item.status, item.seen_at,
                                                        self.state):
            logger.warning("Archived article now answers %s: marked gone: %s", item.status,
                           item.url)
            self.stats.inc_value("blade/archive/gone")
            self.totals["gone"] += 1
            self.archive.write_manifest()
        elif known is None:
            append_line(self.archive.path("failures.jsonl"),
                        {"url": item.url, "stage": "article", "reason": f"HTTP {item.status}",
                         "time": item.seen_at, "attempt": 1, "status": item.status})
            self.stats.inc_value("blade/failures/article")

    def flush(self) -> None:
        """Merge the pending records into the archive, then forget the journal."""
        if self.pending:
            result = self.archive.merge(self.pending, self.state)
            for key, value in result.counts().items():
                self.totals[key] += value
                if value:
                    self.stats.inc_value(f"blade/archive/{key}", value)
            self.archive.write_manifest()
        self.archive.journal_clear()
        self.pending = []
        self.last_flush = time.monotonic()

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.locked_out:
            return
        try:
            self.flush()
            self.stats.set_value("blade/archive_articles", self.state.count())
            self.stats.set_value("blade/crawl_id", self.crawl_id)
            summary = self.summary()
            self.archive.write_manifest(last_crawl=summary)
            self.write_schema()
            # "closing" until the end-of-crawl checks give their verdict (CrawlReport).
            self.state.finish_crawl(self.crawl_id, "closing", summary)
        finally:
            self.state.close()
            self.archive.unlock()

    def write_schema(self) -> None:
        """A copy of the record's JSON Schema beside the data, for researchers."""
        schema = json.dumps(article_schema(), ensure_ascii=False, indent=2)
        atomic_write(self.archive.path("schema.json"), [schema])

    def summary(self) -> dict[str, Any]:
        stats = self.stats.get_stats()
        return {
            "started_at": str(stats.get("start_time", "")),
            "finished_at": utc_now(),
            **self.totals,
            "records": stats.get("blade/records", 0),
            "template_shares": template_shares(stats),
            "failed": sum(v for k, v in stats.items() if k.startswith("blade/failures/")),
            "rejected": sum(v for k, v in stats.items() if k.startswith("blade/rejected/")),
            "skipped_by_robots": stats.get("robotstxt/forbidden", 0),
            "archive_articles": self.state.count(),
        }
