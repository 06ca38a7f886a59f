"""One fetched page, parsed once and offered to every extraction layer.

The HTML tree comes from the response (Scrapy parses it once); JSON-LD, OpenGraph and meta tags are
read from that same tree by extruct's extractors the first time a layer asks, and kept.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from extruct.jsonld import JsonLdExtractor
from extruct.opengraph import OpenGraphExtractor
from parsel import Selector
from scrapy.http import TextResponse

from blade_spider.urls import SiteHosts

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "ReportageNews", "OpinionNewsArticle",
    "AnalysisNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "LiveBlogPosting",
    "Report", "ScholarlyArticle", "SocialMediaPosting", "TechArticle",
})
_JSONLD = JsonLdExtractor()
_OPENGRAPH = OpenGraphExtractor()


def types_of(node: dict[str, Any]) -> set[str]:
    """The schema.org ``@type`` names of a JSON-LD node, without a vocabulary prefix."""
    value = node.get("@type", [])
    names = value if isinstance(value, list) else [value]
    return {str(n).rsplit("/", 1)[-1] for n in names}


class Page:
    """A response plus everything parsed from it, computed lazily and once."""

    def __init__(self, response: TextResponse, site: SiteHosts | None = None) -> None:
        self.response = response
        self.site = site or SiteHosts()
        #: What layers found once and share (e.g. the date line: matching and reading it).
        self.memo: dict[str, Any] = {}

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def request_meta(self) -> dict[str, Any]:
        """The request's meta (what discovery learnt of the URL); empty for a bare response."""
        return self.response.meta if self.response.request is not None else {}

    @property
    def sel(self) -> Selector:
        return self.response.selector

    @cached_property
    def body_classes(self) -> set[str]:
        return set(" ".join(self.sel.xpath("//body/@class").getall()).split())

    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD node of the page, ``@graph`` containers flattened.

        Each script is parsed on its own so one malformed block does not hide the others.
        """
        nodes: list[dict[str, Any]] = []
        for script in self.sel.xpath("//script[@type='application/ld+json']"):
            try:
                items = _JSONLD.extract_items(script.root)
            except Exception as exc:  # extruct raises whatever its JSON fallback raises
                logger.debug("Ignoring malformed JSON-LD on %s: %s", self.url, exc)
                continue
            for item in items:
                if not isinstance(item, dict):
                    continue
                graph = item.get("@graph")
                if isinstance(graph, list):
                    nodes.extend(n for n in graph if isinstance(n, dict))
                else:
                    nodes.append(item)
        return nodes

    @cached_property
    def jsonld_by_id(self) -> dict[str, dict[str, Any]]:
        return {n["@id"]: n for n in self.jsonld if isinstance(n.get("@id"), str)}

    def resolve(self, value: Any) -> Any:
        """Follow a JSON-LD ``{"@id": ...}`` reference to its node (Yoast graphs use them)."""
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.jsonld_by_id.get(value["@id"], value)
        return value

    @cached_property
    def jsonld_article(self) -> dict[str, Any] | None:
        """The page's article node (NewsArticle, Article, ...), or ``None``."""
        for node in self.jsonld:
            if types_of(node) & ARTICLE_TYPES:
                return node
        return None

    @cached_property
    def opengraph(self) -> dict[str, list[str]]:
        """OpenGraph and ``article:*`` properties, each with all its values in page order."""
        props: dict[str, list[str]] = {}
        try:
            for item in _OPENGRAPH.extract_items(self.sel.root):
                for key, value in item.get("properties", []):
                    props.setdefault(key, []).append(value)
        except Exception as exc:  # a page without <head> or with odd prefixes
            logger.debug("Ignoring OpenGraph on %s: %s", self.url, exc)
        return props

    def og(self, name: str) -> str | None:
        values = self.opengraph.get(name)
        return values[0] if values else None

    def meta(self, name: str) -> str | None:
        """``<meta name=... content=...>`` (or ``property=``/``itemprop=``) content."""
        value = self.sel.xpath(
            "//meta[@name=$n or @property=$n or @itemprop=$n]/@content", n=name
        ).get()
        return value.strip() if value else None
