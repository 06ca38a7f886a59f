"""The archive's record types.

Dataclasses rather than ``scrapy.Item`` so that researchers' code, the loaders and the pipelines all
read them through :mod:`itemadapter` with real attribute names and defaults. Every field has a
default because :class:`~itemloaders.ItemLoader` builds the item empty and fills what it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from blade_spider import SCHEMA_VERSION

#: Field metadata of the record fields read from pages: extraction layers answer them, and the
#: loader asks the layers for them in field order. The other fields are derived or provenance.
LAYERED = {"layered": True}


@dataclass
class Image:
    """One article photo; ``caption`` is the whole caption as shown, credit included."""

    url: str
    alt: str | None = None
    caption: str | None = None
    credit: str | None = None
    featured: bool = False


@dataclass
class Comment:
    """One reader comment; ``parent_id`` is the id of the comment it answers (None at top level)."""

    id: str
    parent_id: str | None = None
    author: str | None = None
    published: str | None = None
    text: str = ""


@dataclass
class Article:
    """One Washington Blade article: the JSON Lines record (field order is the output order)."""

    schema_version: int = SCHEMA_VERSION
    id: str | None = None
    wp_post_id: int | None = field(default=None, metadata=LAYERED)
    url: str | None = field(default=None, metadata=LAYERED)
    headline: str | None = field(default=None, metadata=LAYERED)
    subheadline: str | None = field(default=None, metadata=LAYERED)
    authors: list[str] = field(default_factory=list, metadata=LAYERED)
    published: str | None = field(default=None, metadata=LAYERED)
    modified: str | None = field(default=None, metadata=LAYERED)
    published_raw: str | None = field(default=None, metadata=LAYERED)
    section: str | None = field(default=None, metadata=LAYERED)
    categories: list[str] = field(default_factory=list, metadata=LAYERED)
    tags: list[str] = field(default_factory=list, metadata=LAYERED)
    body: str | None = None
    body_blocks: list[dict[str, str]] = field(default_factory=list, metadata=LAYERED)
    images: list[dict[str, Any]] = field(default_factory=list, metadata=LAYERED)
    photo_caption: str | None = None
    photo_credit: str | None = None
    comments: list[dict[str, Any]] = field(default_factory=list, metadata=LAYERED)
    comment_count: int = 0
    language: str | None = field(default=None, metadata=LAYERED)
    crawl: dict[str, Any] = field(default_factory=dict)


#: Every record field, in output order.
ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
#: The fields read from pages (marked :data:`LAYERED`), in the order the loader asks for them.
LAYERED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article)
                                        if f.metadata.get("layered"))


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
class SkippedPage:
    """A fetched page that is not an article (about page, archive, protected post...)."""

    url: str
    reason: str


@dataclass
class FetchFailure:
    """A URL that could not be fetched or parsed (``output/failures.jsonl``, ``blade retry``)."""

    url: str
    stage: str
    reason: str
    time: str
    attempt: int = 1
    status: int | None = None
