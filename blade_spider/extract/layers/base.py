"""The extraction layer interface.

A layer reads one kind of markup. Each field is one small method returning the raw value it finds
(a string, a list, blocks, photos) or ``None``; cleaning and validation belong to the loader's
processors, so a layer stays a list of "where is it" answers that is easy to test and to override
when the site is redesigned (Fundus-style: a new layout is a subclass that overrides what changed).
"""

from __future__ import annotations

from typing import Any, ClassVar

from blade_spider.extract.page import Page

#: Fields a layer may answer, in the order the loader asks them.
LAYERED_FIELDS = (
    "wp_post_id", "url", "headline", "subheadline", "authors", "published", "modified",
    "published_raw", "section", "categories", "tags", "body_blocks", "images", "comments",
    "language",
)


class Layer:
    """Base layer: knows nothing, so every field is ``None`` until a subclass says otherwise."""

    name: ClassVar[str] = "base"

    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    def matches(cls, page: Page) -> bool:
        """Whether this layer applies to ``page`` (template layers check their markup)."""
        return True

    def get(self, field: str) -> Any:
        """The raw value of ``field`` from this layer (``None`` when it has nothing)."""
        method = getattr(self, field, None)
        return method() if callable(method) else None
