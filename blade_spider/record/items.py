"""The archive's record types.

Dataclasses rather than ``scrapy.Item`` so that researchers' code, the loaders and the pipelines all
read them through :mod:`itemadapter` with real attribute names and defaults. Every field has a
default because :class:`~itemloaders.ItemLoader` builds the item empty and fills what it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blade_spider import SCHEMA_VERSION


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
    wp_post_id: int | None = None
    url: str | None = None
    headline: str | None = None
    subheadline: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    published_raw: str | None = None
    section: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    body: str | None = None
    body_blocks: list[dict[str, str]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    photo_caption: str | None = None
    photo_credit: str | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)
    comment_count: int = 0
    language: str | None = None
    crawl: dict[str, Any] = field(default_factory=dict)
