"""What became of every article request: the one recorder of outcomes that are no record.

The item pipelines write records; :class:`OutcomeRecorder` (an extension) takes everything else
from the signals of :mod:`blade_spider.crawl.signals` and keeps it where the next run and the
operator look: ``failures.jsonl`` (what ``blade retry`` re-attempts), ``rejects.jsonl``, the state
store (an unchanged article's check time, a gone article's mark in its record) and the stats the
summary, the checks and the exit status are made of. It also keeps the state's list of article
requests in flight, so a killed run's next run fetches them again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from blade_spider.archive.state import StateStore, utc_now
from blade_spider.archive.store import (
    STATE,
    WRITE_ERRORS,
    Archive,
    MergeResult,
    append_line,
    atomic_write,
    dumps,
    one_failure_per_url,
    read_jsonl,
    write_problem,
)
from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.health import stop_crawl
from blade_spider.crawl.signals import (
    ArticleGone,
    ArticleMoved,
    ArticleUnchanged,
    FetchFailure,
    SkippedPage,
)
from blade_spider.urls import original_url

logger = logging.getLogger(__name__)

FAILURES = "failures.jsonl"
REJECTS = "rejects.jsonl"


def article_request_url(request: Request | None) -> str | None:
    """The article request whose outcome ``request`` gives: its own URL before redirects, or
    page 1's for a continuation page of a post split over pages; ``None`` for other requests."""
    if request is None or request.meta.get("blade_stage") != "article":
        return None
    return request.meta.get("blade_continuation") or original_url(request)


class OutcomeRecorder:
    """Record failures, rejects, unchanged and gone articles, skipped pages; track requests in
    flight. Writes nothing when the crawl does not own the archive (another run holds it)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive = Archive(Path(crawler.settings.get("BLADE_OUTPUT_DIR")))
        self.state: StateStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutcomeRecorder:
        recorder = cls(crawler)
        for handler, signal in (
            (recorder.spider_opened, signals.spider_opened),
            (recorder.spider_closed, signals.spider_closed),
            (recorder.request_reached, signals.request_reached_downloader),
            (recorder.item_done, signals.item_scraped),
            (recorder.item_done, signals.item_dropped),
            (recorder.item_done, signals.item_error),
            (recorder.fetch_failed, blade_signals.fetch_failed),
            (recorder.article_unchanged, blade_signals.article_unchanged),
            (recorder.article_gone, blade_signals.article_gone),
            (recorder.article_moved, blade_signals.article_moved),
            (recorder.page_skipped, blade_signals.page_skipped),
            (recorder.record_rejected, blade_signals.record_rejected),
        ):
            crawler.signals.connect(handler, signal=signal)
        return recorder

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around every write: one that fails (a full disk, a symlink) stops the crawl once, with
        one message naming the disk, instead of an error for every outcome still to come."""
        try:
            yield
        except WRITE_ERRORS as exc:
            stop_crawl(self.crawler, write_problem(exc, self.archive.root))

    def spider_opened(self) -> None:
        """The archive pipeline has taken the archive's lock by now, or failed to (a fatal
        stat): only a crawl that owns the archive writes to it."""
        if not self.stats.get_value("blade/fatal"):
            self.state = StateStore(self.archive.path(STATE))

    def spider_closed(self) -> None:
        with self.writing():
            if self.state is not None:
                self.state.close()
                self.state = None
                path = self.archive.path(FAILURES)
                if path.exists():  # appended line by line while crawling; one per URL from now on
                    atomic_write(path, (dumps(e) for e in one_failure_per_url(read_jsonl(path))))

    # --- requests in flight --------------------------------------------------------------------

    def request_reached(self, request: Request) -> None:
        """An article request left the queue: until its outcome is recorded, it is in flight
        (a JOBDIR resume would not fetch it again, so the next run must). A continuation page
        is part of page 1's request."""
        with self.writing():
            if (self.state is not None and request.meta.get("blade_stage") == "article"
                    and not request.meta.get("blade_continuation")):
                self.state.add_inflight(original_url(request),
                                        request.meta.get("discovered_modified"),
                                        request.meta.get("discovered_modified_source"))

    def settle(self, request: Request | None) -> None:
        url = article_request_url(request)
        if url is not None and self.state is not None:
            self.state.done_inflight(url)

    def item_done(self, response: Response | Failure | None = None) -> None:
        """A record was archived, dropped or failed in a pipeline: its request is settled (after
        the archive journaled it). An item from an errback comes with a Failure."""
        with self.writing():
            self.settle(getattr(response, "request", None))

    # --- outcomes -------------------------------------------------------------------------

    def append_failure(self, entry: dict[str, Any]) -> None:
        if self.state is not None:
            append_line(self.archive.path(FAILURES), entry)

    def fetch_failed(self, outcome: FetchFailure, request: Request | None = None) -> None:
        with self.writing():
            self.stats.inc_value(f"blade/failures/{outcome.stage}")
            self.append_failure(asdict(outcome))
            self.settle(request)

    def article_unchanged(self, outcome: ArticleUnchanged, request: Request | None = None) -> None:
        with self.writing():
            self.stats.inc_value("blade/articles/unchanged")
            self.stats.inc_value("blade/archive/unchanged")
            if self.state is not None:
                known = self.state.by_url(outcome.url)
                if known:
                    self.state.touch(known.id, outcome.checked_at)
            self.settle(request)

    def article_gone(self, outcome: ArticleGone, request: Request | None = None) -> None:
        """An archived article is marked gone in its record; a URL never archived that answers
        404/410 is a failure of that URL."""
        with self.writing():
            known = self.state.by_url(outcome.url) if self.state is not None else None
            if known is None:
                self.stats.inc_value("blade/failures/article")
                self.append_failure({"url": outcome.url, "stage": "article",
                                     "reason": f"HTTP {outcome.status}", "time": outcome.seen_at,
                                     "attempt": 1, "status": outcome.status})
            else:
                self.mark_gone(known.id, outcome.url, outcome.status, outcome.seen_at)
            self.settle(request)

    def article_moved(self, outcome: ArticleMoved, request: Request | None = None) -> None:
        """An archived URL redirected to another article: the URL is that article's from now
        on (an alias in the state), and the article archived under it is marked gone, naming
        the one that replaced it. A redirect to the same article (a changed slug) is no move:
        its record takes the new URL when it is merged, the old one stays its alias. The
        request is settled by the record the redirect gave."""
        with self.writing():
            known = self.state.by_url(outcome.url) if self.state is not None else None
            if known is None or known.id == outcome.moved_to_id:
                return
            self.state.add_alias(outcome.url, outcome.moved_to_id)
            self.mark_gone(known.id, outcome.url, outcome.status, outcome.seen_at,
                           moved_to=outcome.moved_to_id)

    def mark_gone(self, article_id: str, url: str, status: int, seen_at: str,
                  moved_to: str | None = None) -> None:
        """Mark an archived article gone in its record (once), and say so."""
        if self.archive.mark_gone(article_id, status, seen_at, self.state, moved_to=moved_to):
            logger.warning("Archived article now answers %s%s: marked gone: %s", status,
                           f" (a redirect to {moved_to})" if moved_to else "", url)
            self.stats.inc_value("blade/archive/gone")
            self.archive.write_manifest()
            self.crawler.signals.send_catch_log(signal=blade_signals.archive_changed,
                                                result=MergeResult(gone=[article_id]))

    def page_skipped(self, outcome: SkippedPage, request: Request | None = None) -> None:
        with self.writing():
            self.stats.inc_value(f"blade/not_article/{outcome.reason}")
            self.settle(request)

    def record_rejected(self, record: dict[str, Any], errors: list[str]) -> None:
        """A record broke the schema: counted by its first field at fault, logged with every
        reason to ``rejects.jsonl``, and a failure of its URL (so ``blade retry`` tries again)."""
        with self.writing():
            field = errors[0].split(":", 1)[0].split("/", 1)[0]
            self.stats.inc_value(f"blade/rejected/{field}")
            now = utc_now()
            crawl = record.get("crawl") or {}
            if self.state is not None:
                append_line(self.archive.path(REJECTS), {"url": record.get("url"),
                                                         "id": record.get("id"),
                                                         "reasons": errors, "time": now})
            self.append_failure({"url": crawl.get("request_url") or record.get("url"),
                                 "stage": "validate", "reason": errors[0], "time": now,
                                 "attempt": 1, "status": crawl.get("http_status")})
