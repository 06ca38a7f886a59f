"""One fetched page, parsed once and offered to every extraction layer.

The HTML tree is parsed once from the response; JSON-LD (by extruct), OpenGraph and meta tags are
read from that same tree the first time a layer asks, and kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from functools import cached_property, lru_cache
from typing import Any

from extruct.jsonld import JsonLdExtractor
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from parsel.selector import create_root_node
from scrapy.http import Response, TextResponse

from blade_spider.urls import SiteHosts

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "ReportageNews", "OpinionNewsArticle",
    "AnalysisNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "LiveBlogPosting",
    "Report", "ScholarlyArticle", "SocialMediaPosting", "TechArticle",
})
_JSONLD = JsonLdExtractor()
_PARSERS = threading.local()
_TRANSLATOR = HTMLTranslator()


def reused_parser(**options: Any) -> etree.HTMLParser:
    """lxml's plain HTML parser with ``options``, one per thread, handed to parsel's
    ``create_root_node`` in place of a parser class: a parser's first document sets up its parser
    context, which costs a tenth of parsing a page, and lxml parsers are reusable (but not
    shareable between threads). ``collect_ids=False``: libxml2's table of XML ids serves
    ``id()`` in XPath, which no layer uses; filling it is about 6 % of a parse."""
    parsers = _PARSERS.__dict__.setdefault("parsers", {})
    key = tuple(sorted(options.items()))
    if key not in parsers:
        parsers[key] = etree.HTMLParser(collect_ids=False, **options)
    return parsers[key]


@lru_cache(maxsize=512)
def css_xpath(query: str, first: bool = False) -> etree.XPath:
    """The CSS ``query`` as parsel translates it, compiled once (``Selector.css()`` compiles
    it on every call, and the layers ask the same few dozen queries of every page); with
    ``first``, ``(…)[1]``, which libxml2 answers without collecting every match."""
    xpath = _TRANSLATOR.css_to_xpath(query)
    return etree.XPath(f"({xpath})[1]" if first else xpath, smart_strings=False)


#: Deeper than this, markup is no longer structure: a page's own nesting stays far shallower, and
#: the readers that walk the tree recursively (Python's stack) must never meet 1,000 levels.
MAX_DEPTH = 100
_AT_MAX_DEPTH = etree.XPath("/" + "/".join(["*"] * MAX_DEPTH))


def flatten_deep(root: etree._Element) -> int:
    """Collapse every element nested ``MAX_DEPTH`` deep into its text (kept, in reading order),
    so hostile or broken markup (500 nested ``div`` elements, unclosed ``<b><i>`` runs) costs its
    inner formatting, never the article. Returns how many elements were collapsed."""
    deep = [el for el in _AT_MAX_DEPTH(root.getroottree()) if len(el)]
    for el in deep:
        el.text = "".join(el.itertext())
        for child in list(el):
            el.remove(child)
    return len(deep)


#: A walk's events that carry text: an element's own text at its start, every node's tail at its
#: end (a comment's or processing instruction's tail is text of its parent).
_TEXT_EVENTS = ("start", "end", "comment", "pi")


def text_pieces(scope: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Each non-blank text piece inside ``scope``, in reading order, with the element it
    belongs to. One ``iterwalk`` in C: layers looking for a date line or a header text stop
    early, and it is faster than an XPath ``contains()`` scan, which copies every text node."""
    for event, node in etree.iterwalk(scope, events=_TEXT_EVENTS):
        if event == "start":
            text, holder = node.text, node
        elif node is scope:
            continue
        else:
            text, holder = node.tail, node.getparent()
        if text and text.strip() and isinstance(holder.tag, str):
            yield holder, text


def types_of(node: dict[str, Any]) -> set[str]:
    """The schema.org ``@type`` names of a JSON-LD node, without a vocabulary prefix."""
    value = node.get("@type", [])
    names = value if isinstance(value, list) else [value]
    return {str(n).rsplit("/", 1)[-1] for n in names}


def is_truncated(response: Response) -> bool:
    """A page cut short (a truncated gzip stream still decompresses to a prefix): WordPress
    pages always end with ``</html>``, followed at most by a cache plugin's comment."""
    return b"</html>" not in response.body[-8192:].lower()


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

    @cached_property
    def root(self) -> etree._Element:
        """The page's HTML tree, parsed once, as parsel parses it (same text clean-up, recovery
        and huge-tree settings) but with lxml's plain HTML parser: ``lxml.html`` elements cost a
        Python class lookup each time lxml hands one out, which made walking a page several
        times slower, and no layer uses their extra methods.

        The body's bytes go to parsel with the response's encoding, as ``Selector(body=...)``
        does: UTF-8 (nearly every page) is parsed as is, without decoding the page to text and
        encoding it again; parsel decodes anything else, and falls back to decoding when the
        bytes are not valid in the declared encoding."""
        root = create_root_node("", reused_parser, base_url=self.url, body=self.response.body,
                                encoding=self.response.encoding)
        flatten_deep(root)
        return root

    @cached_property
    def sel(self) -> Selector:
        """A parsel selector over :attr:`root` (for the item loader)."""
        return Selector(root=self.root, type="html")

    def css(self, query: str, scope: etree._Element | None = None) -> list[Any]:
        """What ``Selector.css(query)`` finds inside ``scope`` (the whole page by default), as
        lxml values: elements in document order, strings for ``::text`` and ``::attr()``."""
        return css_xpath(query)(self.root if scope is None else scope)

    def first(self, query: str, scope: etree._Element | None = None) -> Any:
        """The first of :meth:`css`, or ``None``."""
        found = css_xpath(query, first=True)(self.root if scope is None else scope)
        return found[0] if found else None

    @cached_property
    def body_classes(self) -> set[str]:
        return {c for body in self.root.iter("body")
                for c in body.get("class", "").split()}

    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD node of the page, ``@graph`` containers flattened.

        Each script is parsed on its own so one malformed block does not hide the others.
        """
        nodes: list[dict[str, Any]] = []
        for script in self.css("script[type='application/ld+json']"):
            try:
                items = _JSONLD.extract_items(script)
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
        """OpenGraph and ``article:*`` properties (``<meta property=... content=...>`` in the
        head), each with all its values in page order.

        Read from the tree rather than by extruct's OpenGraph extractor, which needs
        ``lxml.html`` elements; only the ``og:`` and ``article:`` names are ever asked for, so
        its namespace bookkeeping has nothing to decide here.
        """
        props: dict[str, list[str]] = {}
        for head in self.root.iter("head"):
            for meta in head.iterchildren("meta"):
                name, content = meta.get("property"), meta.get("content")
                if name is not None and content is not None:
                    props.setdefault(name, []).append(content)
        return props

    def og(self, name: str) -> str | None:
        values = self.opengraph.get(name)
        return values[0] if values else None

    @cached_property
    def metas(self) -> dict[str, str]:
        """``<meta>`` contents by ``name``, ``property`` and ``itemprop``, the first of each."""
        found: dict[str, str] = {}
        for meta in self.root.iter("meta"):
            content = meta.get("content")
            if content is None:
                continue
            for attribute in ("name", "property", "itemprop"):
                key = meta.get(attribute)
                if key is not None:
                    found.setdefault(key, content)
        return found

    def meta(self, name: str) -> str | None:
        """``<meta name=... content=...>`` (or ``property=``/``itemprop=``) content."""
        value = self.metas.get(name)
        return value.strip() if value else None
