"""Item pipelines: Validate → Normalise → Deduplicate → Archive.

``ITEM_PIPELINES`` in :mod:`blade_spider.settings` wires them in that order. Items are
:class:`~blade_spider.record.items.Article` records only (a dict once validated); what else a
request came to (a failure, an unchanged or gone article, a page that is no article, a rejected
record) is a signal (:mod:`blade_spider.crawl.signals`) that
:class:`~blade_spider.crawl.outcomes.OutcomeRecorder` records.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from blade_spider.archive.check import open_state, rederive_state
from blade_spider.archive.state import StateStore, utc_now
from blade_spider.archive.store import (
    STATE,
    WRITE_ERRORS,
    Archive,
    atomic_write,
    write_problem,
)
from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.health import stop_crawl
from blade_spider.crawl.monitors import template_shares
from blade_spider.record.schema import article_schema, normalised, schema_errors
from blade_spider.urls import compact_key

logger = logging.getLogger(__name__)

#: The record's key order (RECORD.md) and that of its nested objects.


def output_dir(crawler: Crawler) -> Path:
    return Path(crawler.settings.get("BLADE_OUTPUT_DIR"))


class ValidatePipeline:
    """Refuse records that break the schema: no URL, or neither headline nor body (a missing
    date or byline is archived as null, noted in ``crawl.missing``).

    A refused record is dropped and sent as :data:`~blade_spider.crawl.signals.record_rejected`
    (counted by reason, logged to ``output/rejects.jsonl``); it never reaches the archive.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> dict[str, Any]:
        record = ItemAdapter(item).asdict()  # the one copy; the pipelines after share it
        errors = schema_errors(record)
        if errors:
            self.crawler.signals.send_catch_log(signal=blade_signals.record_rejected,
                                                record=record, errors=errors)
            raise DropItem(f"invalid record {record.get('url')}: {'; '.join(errors[:3])}")
        return record


class NormalisePipeline:
    """Give a record (an Article, or the dict validation made of it) the contract's key order,
    so output is stable."""

    def process_item(self, item: Any, spider: Spider | None = None) -> dict[str, Any]:
        return normalised(item)


class DeduplicatePipeline:
    """The same article twice in one crawl (reached through two URLs): keep the first."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[int] = set()  # compact_key of every id archived in this crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
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
        self.locked_out = False  # not writing: another run holds the archive, or it failed
        self.state: StateStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def stop(self, exc: BaseException) -> None:
        """The archive cannot be written: stop the crawl (exit status 2), write nothing more."""
        self.locked_out = True
        stop_crawl(self.crawler, write_problem(exc, self.archive.root))

    def open_spider(self, spider: Spider | None = None) -> None:
        try:
            self.archive.lock()
            self.open_archive()
        except WRITE_ERRORS as exc:
            # One clear line, no traceback; the spider sees the fatal stat and fetches nothing.
            problem = write_problem(exc, self.archive.root)
            logger.error("Not crawling: %s", problem)
            self.stats.set_value("blade/fatal", problem)
            self.locked_out = True
            self.close_archive()

    def open_archive(self) -> None:
        """Check the archive is this site's and sound; merge what a killed crawl left."""
        spider = self.crawler.spider
        if getattr(spider, "base_url", None):
            self.archive.claim_site(spider.base_url, spider.site.aliases,
                                    self.crawler.settings.getbool("BLADE_ALLOW_OTHER_SITE"))
        self.state = self.open_state()
        # After a run that did not finish, its manifest may be behind the files: re-read them.
        self.archive.rescan = self.state.last_crawl_reason() != "finished"
        self.crawl_id = self.state.start_crawl()
        leftover = self.archive.journal_entries()
        if leftover:
            logger.warning("Merging %d records a killed crawl had not yet archived",
                           len(leftover))
            self.pending = list(leftover)
            self.flush()

    def open_state(self) -> StateStore:
        """The state store; a damaged one is set aside and rebuilt from the archive."""
        state, moved = open_state(self.archive, utc_now())
        if moved is None:
            return state
        state.close()
        done = rederive_state(self.archive, utc_now())
        logger.warning("%s was damaged and is rebuilt from the archive: %s", STATE,
                       "; ".join(done))
        return StateStore(self.archive.path(STATE))

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        if self.locked_out:
            raise DropItem("not archived: the archive is not being written (see the error above)")
        try:
            self.add_record(item)
        except WRITE_ERRORS as exc:
            self.stop(exc)
            raise DropItem(f"not archived: {exc}") from exc
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

    def flush(self) -> None:
        """Merge the pending records into the archive, then forget the journal."""
        if self.pending:
            result = self.archive.merge(self.pending, self.state)
            for key, value in result.counts().items():
                if value:
                    self.stats.inc_value(f"blade/archive/{key}", value)
            self.crawler.signals.send_catch_log(signal=blade_signals.archive_changed,
                                                result=result)
            self.archive.write_manifest()
        self.archive.journal_clear()
        self.pending = []
        self.last_flush = time.monotonic()

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.locked_out:
            self.close_archive()
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
        except WRITE_ERRORS as exc:
            self.stop(exc)
        finally:
            self.close_archive()

    def close_archive(self) -> None:
        if self.state is not None:
            self.state.close()
            self.state = None
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
            **{key: stats.get(f"blade/archive/{key}", 0)
               for key in ("new", "updated", "unchanged", "gone")},
            "records": stats.get("blade/records", 0),
            "template_shares": template_shares(stats),
            "failed": sum(v for k, v in stats.items() if k.startswith("blade/failures/")),
            "rejected": sum(v for k, v in stats.items() if k.startswith("blade/rejected/")),
            "skipped_by_robots": stats.get("robotstxt/forbidden", 0),
            "archive_articles": self.state.count(),
        }
