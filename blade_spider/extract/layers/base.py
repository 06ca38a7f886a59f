"""The extraction layer interface.

A layer reads one kind of markup. Each field it can answer is one small method marked
``@reader("field")``, returning the raw value it finds (a string, a list, blocks, photos) or
``None``; cleaning and validation belong to the loader's processors, so a layer stays a list of
"where is it" answers that is easy to test and to override when the site is redesigned
(Fundus-style: a new layout is a subclass that overrides what changed).

The fields are the ones :class:`~blade_spider.record.items.Article` declares as read from pages
(:data:`~blade_spider.record.items.LAYERED_FIELDS`): a reader for any other name fails when its
class is defined, so a misspelled field is an import error rather than a field never asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from blade_spider.extract.page import Page
from blade_spider.record.items import LAYERED_FIELDS

Method = TypeVar("Method", bound=Callable[..., Any])


def reader(field: str) -> Callable[[Method], Method]:
    """Mark a layer method as the layer's reader of ``field`` (a layered Article field)."""
    if field not in LAYERED_FIELDS:
        raise ValueError(f"@reader({field!r}): not a layered Article field "
                         f"(one of {', '.join(LAYERED_FIELDS)})")

    def mark(method: Method) -> Method:
        method.reads = field  # type: ignore[attr-defined]
        return method

    return mark


class Layer:
    """Base layer: knows nothing, so every field is ``None`` until a subclass says otherwise."""

    name: ClassVar[str] = "base"
    #: Field → name of the method that reads it, the subclass's own readers over its bases'.
    readers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        readers = dict(cls.readers)
        own: dict[str, str] = {}
        for attribute, value in vars(cls).items():
            field = getattr(value, "reads", None)
            if field is None:
                continue
            if field in own:
                raise TypeError(f"{cls.__name__}: {own[field]} and {attribute} both read {field}")
            own[field] = readers[field] = attribute
        cls.readers = readers

    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    def matches(cls, page: Page) -> bool:
        """Whether this layer applies to ``page`` (template layers check their markup)."""
        return True

    def get(self, field: str) -> Any:
        """The raw value of ``field`` from this layer (``None`` when it has nothing)."""
        method = self.readers.get(field)
        return getattr(self, method)() if method is not None else None
