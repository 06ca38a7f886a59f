"""What became of a request that gave no record: Scrapy signals, beside the items.

Items are articles only, so the item pipelines and a feed export (``scrapy crawl blade -O
out.jsonl``) see nothing else. Every other outcome is sent as one of these signals (with
``crawler.signals.send_catch_log``), carrying ``outcome`` (the dataclass below) and ``request``
(the request it answers). :class:`~blade_spider.crawl.outcomes.OutcomeRecorder` records them
(``failures.jsonl``, the state store, the stats); ``blade fetch`` and ``blade retry`` listen too.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A URL could not be fetched or parsed (``outcome``: :class:`FetchFailure`).
fetch_failed = object()
#: An article page answered 304 to a conditional request (``outcome``: :class:`ArticleUnchanged`).
article_unchanged = object()
#: An article page answered 404/410 (``outcome``: :class:`ArticleGone`).
article_gone = object()
#: An archived article's URL now redirects to another article (``outcome``: :class:`ArticleMoved`).
article_moved = object()
#: A fetched page is not an article (``outcome``: :class:`SkippedPage`).
page_skipped = object()
#: The archive changed (``result``: a :class:`~blade_spider.archive.store.MergeResult`: ids new,
#: updated with the fields they changed, gone); sent by the archive pipeline and the recorder.
archive_changed = object()
#: A record broke the schema and was dropped (``record``: the record, ``errors``: why); sent by
#: the validation pipeline, which has no request.
record_rejected = object()


@dataclass
class FetchFailure:
    """A URL that could not be fetched or parsed (``output/failures.jsonl``, ``blade retry``)."""

    url: str
    stage: str
    reason: str
    time: str
    attempt: int = 1
    status: int | None = None


@dataclass
class ArticleUnchanged:
    """A re-check found the archived article unchanged (HTTP 304): only the state is touched."""

    url: str
    checked_at: str


@dataclass
class ArticleGone:
    """An archived article now answers 404/410: it is marked, never deleted."""

    url: str
    status: int
    seen_at: str


@dataclass
class ArticleMoved:
    """A URL was redirected (``status``) to the article ``moved_to_id``: if it was another
    archived article's, that one is marked gone (never deleted) and the URL becomes an alias of
    the article it now leads to."""

    url: str
    status: int
    seen_at: str
    moved_to_id: str


@dataclass
class SkippedPage:
    """A fetched page that is not an article (about page, archive, protected post...)."""

    url: str
    reason: str
