"""Machine-readable metadata: schema.org JSON-LD, OpenGraph/``article:*`` and plain meta tags.

SEO plugins (Yoast on the Blade) print these for search engines whatever the visible design, so
they survive redesigns; they are asked after the markup layers because they describe the page
(sometimes loosely) rather than show it.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any

from blade_spider.extract.blocks import Block
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.record.items import Image


@lru_cache(maxsize=16)
def _site_suffix(site_name: str) -> re.Pattern[str]:
    """`` - Washington Blade`` and what follows it, as titles end."""
    return re.compile(rf"\s+[-|–—:]\s+{re.escape(site_name)}\b.*$", re.IGNORECASE)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        name = value.get("name")
        return name if isinstance(name, str) else None
    return None


class MetadataLayer(Layer):
    """JSON-LD first, then OpenGraph and meta tags, for every field they can describe."""

    name = "metadata"

    @cached_property
    def article(self) -> dict[str, Any]:
        return self.page.jsonld_article or {}

    def _jsonld(self, key: str) -> Any:
        return self.page.resolve(self.article.get(key))

    @reader("url")
    def url(self) -> str | None:
        main = self.page.resolve(self.article.get("mainEntityOfPage"))
        candidates = [
            main.get("@id") if isinstance(main, dict) else main,
            self.article.get("url"),
            self.page.og("og:url"),
        ]
        return next((c for c in candidates if isinstance(c, str) and c.startswith("http")), None)

    @reader("headline")
    def headline(self) -> str | None:
        title = self.page.first("title")
        for value in (self._jsonld("headline"), self.page.og("og:title"),
                      title.text if title is not None else None):
            if isinstance(value, str) and value.strip():
                return _site_suffix(self.page.site.profile.name).sub("", value)
        return None

    @reader("subheadline")
    def subheadline(self) -> str | None:
        value = self._jsonld("alternativeHeadline")
        return value if isinstance(value, str) else None

    @reader("authors")
    def authors(self) -> list[str] | None:
        names = [_name(self.page.resolve(a)) for a in _as_list(self._jsonld("author"))]
        found = [n for n in names if n]
        if found:
            return found
        meta = self.page.meta("author")
        if meta:
            return [meta]
        return [a for a in self.page.opengraph.get("article:author", [])
                if not a.startswith("http")] or None

    @reader("published")
    def published(self) -> str | None:
        return (self._jsonld("datePublished") or self.page.og("article:published_time")
                or self.page.meta("date") or self.page.meta("pubdate")
                or self.page.meta("DC.date.issued"))

    @reader("published_raw")
    def published_raw(self) -> str | None:
        value = self.published()
        return value if isinstance(value, str) else None

    @reader("modified")
    def modified(self) -> str | None:
        return (self._jsonld("dateModified") or self.page.og("article:modified_time")
                or self.page.og("og:updated_time"))

    @reader("categories")
    def categories(self) -> list[str] | None:
        sections = [s for s in _as_list(self._jsonld("articleSection")) if isinstance(s, str)]
        return sections or self.page.opengraph.get("article:section") or None

    @reader("section")
    def section(self) -> str | None:
        categories = self.categories()
        return categories[0] if categories else None

    @reader("tags")
    def tags(self) -> list[str] | None:
        keywords = self._jsonld("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in keywords.split(",")]
        found = [k for k in _as_list(keywords) if isinstance(k, str) and k.strip()]
        return found or self.page.opengraph.get("article:tag") or None

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        body = self._jsonld("articleBody")
        if not isinstance(body, str):
            return None
        return [{"type": "paragraph", "text": p} for p in re.split(r"\n\s*\n|\r\n", body)
                if p.strip()] or None

    @reader("images")
    def images(self) -> list[Image] | None:
        image = self.page.resolve(self._jsonld("image"))
        if isinstance(image, list) and image:
            image = self.page.resolve(image[0])
        if isinstance(image, dict) and isinstance(image.get("url") or image.get("contentUrl"),
                                                  str):
            caption = image.get("caption")
            return [Image(url=image.get("url") or image["contentUrl"],
                          caption=caption if isinstance(caption, str) else None,
                          featured=True)]
        url = image if isinstance(image, str) else self.page.og("og:image")
        if url:
            return [Image(url=url, alt=self.page.og("og:image:alt"), featured=True)]
        return None

    @reader("language")
    def language(self) -> str | None:
        value = self._jsonld("inLanguage")
        if isinstance(value, str):
            return value
        return self.page.og("og:locale")
