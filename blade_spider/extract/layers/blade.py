"""The Washington Blade's own layouts, one class per design.

* :class:`BladeZoxLayer`: the current design (MVP Themes' Zox News): section label, headline, deck,
  ``Published … on`` with the date in a ``time`` element, featured image with its caption span.
* :class:`BladeDatelineLayer`: the 2014–2019 design: a date line and byline
  (``September 5, 2017 at 6:37 pm EDT | by Michael K. Lavers``) above the headline. Its class names
  are not known for every year, so it finds things by what a reader sees: the date line by its
  text, the headline as the next heading, the body as the densest run of paragraphs.

A further redesign is a new subclass that overrides only what changed, registered in
:data:`TEMPLATE_LAYERS`.
"""

from __future__ import annotations

import re
from functools import cached_property

from lxml import etree
from parsel import Selector

from blade_spider.extract.blocks import Block, blocks_from, is_chrome
from blade_spider.extract.images import image_url, photo, photos_in
from blade_spider.extract.layers.base import Layer
from blade_spider.extract.page import Page
from blade_spider.items import Image
from blade_spider.text import element_text


class BladeZoxLayer(Layer):
    """The current Blade design (Zox News theme)."""

    name = "blade_zox"
    MARKERS = "h1.mvp-post-title, #mvp-content-main, #mvp-post-head, .mvp-author-info-wrap"

    @classmethod
    def matches(cls, page: Page) -> bool:
        return bool(page.sel.css(cls.MARKERS))

    def _text(self, css: str) -> str | None:
        node = self.page.sel.css(css)
        return (element_text(node[0]) or None) if node else None

    def headline(self) -> str | None:
        return self._text("h1.mvp-post-title, #mvp-post-head h1")

    def subheadline(self) -> str | None:
        return self._text("#mvp-post-head .mvp-post-excerpt, span.mvp-post-excerpt")

    def section(self) -> str | None:
        return self._text("#mvp-post-head .mvp-post-cat, h3.mvp-post-cat")

    def authors(self) -> list[str] | None:
        names = [element_text(n) for n in self.page.sel.css(
            ".mvp-author-info-name .author-name a, .mvp-author-info-name .author-name"
        )]
        names = [n for n in names if n]
        return list(dict.fromkeys(names)) or None

    def _date_node(self) -> Selector | None:
        node = self.page.sel.css(".mvp-author-info-date time, .mvp-post-date time")
        return node[0] if node else None

    def published(self) -> str | None:
        node = self._date_node()
        if node is None:
            return None
        return node.attrib.get("datetime") or element_text(node)

    def published_raw(self) -> str | None:
        node = self._date_node()
        return (element_text(node) or None) if node is not None else None

    def modified(self) -> str | None:
        return self.page.sel.css(
            ".mvp-author-info-date meta[itemprop='dateModified']::attr(content)"
        ).get()

    def tags(self) -> list[str] | None:
        names = [element_text(a) for a in self.page.sel.css(".mvp-post-tags a")]
        return [n for n in names if n] or None

    @cached_property
    def content(self) -> Selector | None:
        node = self.page.sel.css("#mvp-content-main")
        return node[0] if node else None

    def body_blocks(self) -> list[Block] | None:
        return blocks_from(self.content) or None

    def images(self) -> list[Image] | None:
        images: list[Image] = []
        lead = self.page.sel.css("#mvp-post-feat-img img")
        if lead:
            featured = photo(lead[0].root, self.page.url, featured=True)
            if featured:
                caption = self._text("span.mvp-feat-caption, .mvp-feat-caption")
                featured.caption = featured.caption or caption
                images.append(featured)
        images += [i for i in photos_in(self.content, self.page.url)
                   if i.url not in {f.url for f in images}]
        return images or None


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
#: ``September 5, 2017 at 6:37 pm EDT | by Michael K. Lavers`` and its variants.
DATELINE = re.compile(
    rf"^(?:(?:posted|published)\s+(?:on\s+)?)?(?P<date>{_MONTH}\s+\d{{1,2}},\s+\d{{4}}"
    r"(?:\s+(?:at\s+)?\d{1,2}:\d{2}\s*[ap]\.?m\.?(?:\s+[A-Z]{2,4})?)?)"
    r"\s*(?:[|•·–—-]\s*|\s+)(?P<byline>by\s+.+)$",
    re.IGNORECASE,
)
_MAX_DATELINE = 300
#: Short text nodes a date line is made of: the "|" separator or the "by" of the byline.
_DATELINE_TEXTS = ("//body//text()[string-length(.) < 300][contains(., '|') or "
                   "contains(translate(., 'BY', 'by'), 'by ')]")
_DATELINE_TAGS = frozenset({"p", "div", "span", "header", "li", "td", "section", "time"})
#: How far above a date-line text node the element holding the whole line may be.
_DATELINE_DEPTH = 3
_HEADINGS = ("h1", "h2")


class BladeDatelineLayer(Layer):
    """The 2014–2019 Blade design: date line and byline above the headline."""

    name = "blade_dateline"

    @classmethod
    def find_dateline(cls, page: Page) -> tuple[etree._Element, re.Match[str]] | None:
        """The first element whose whole text is a date line (the innermost such one), with
        its match. Found from the short text nodes a date line contains, so no large element's
        text is ever built; computed once per page."""
        if "dateline" not in page.memo:
            page.memo["dateline"] = cls._search_dateline(page)
        return page.memo["dateline"]

    @staticmethod
    def _search_dateline(page: Page) -> tuple[etree._Element, re.Match[str]] | None:
        checked: set[etree._Element] = set()
        for text_node in page.sel.root.xpath(_DATELINE_TEXTS):
            element = text_node.getparent()
            for _ in range(_DATELINE_DEPTH):
                if element is None or element in checked:
                    break
                checked.add(element)
                if element.tag in _DATELINE_TAGS:
                    text = element_text(element).replace("\n", " ")
                    if len(text) > _MAX_DATELINE:
                        break
                    match = DATELINE.match(text)
                    if match:
                        return element, match
                element = element.getparent()
        return None

    @classmethod
    def matches(cls, page: Page) -> bool:
        return cls.find_dateline(page) is not None

    @cached_property
    def dateline(self) -> tuple[etree._Element, re.Match[str]]:
        found = self.find_dateline(self.page)
        assert found is not None, "matches() is checked before the layer is used"
        return found

    @cached_property
    def heading(self) -> etree._Element | None:
        """The first ``h1`` (else ``h2``) after the date line within its block of the page, so a
        sidebar heading never stands in for a missing headline."""
        element = self.dateline[0]
        scope = element.getparent()
        if scope is not None and scope.getparent() is not None:
            scope = scope.getparent()
        for tag in _HEADINGS:
            for found in element.xpath(f"following::{tag}[position() <= 3]"):
                inside = scope is None or any(a is scope for a in found.iterancestors())
                if inside and element_text(found):
                    return found
        return None

    @cached_property
    def start(self) -> etree._Element:
        """Where the article proper begins: the headline, or the date line if none follows."""
        return self.heading if self.heading is not None else self.dateline[0]

    @cached_property
    def position(self) -> dict[etree._Element, int]:
        """Document order of every element, to tell what stands before or after the headline."""
        return {el: i for i, el in enumerate(self.start.getroottree().iter())}

    def _after_start(self, el: etree._Element) -> bool:
        return self.position.get(el, -1) > self.position[self.start]

    @cached_property
    def content(self) -> etree._Element | None:
        """The element holding the most paragraph text after the headline (its densest block)."""
        candidates = list(self.start.xpath("following::*[p]"))
        candidates += [a for a in self.start.iterancestors() if a.xpath("./p")]
        best, best_score = None, 0
        for candidate in candidates:
            if is_chrome(candidate) or any(is_chrome(a) for a in candidate.iterancestors()):
                continue
            score = sum(len(element_text(p)) for p in candidate.xpath("./p")
                        if self._after_start(p))
            if score > best_score:
                best, best_score = candidate, score
        return best

    def headline(self) -> str | None:
        return element_text(self.heading) if self.heading is not None else None

    def authors(self) -> list[str] | None:
        links = [element_text(a) for a in self.dateline[0].xpath(".//a[contains(@href, 'author')]")]
        return [n for n in links if n] or [self.dateline[1].group("byline")]

    def published(self) -> str | None:
        return self.dateline[1].group("date")

    def published_raw(self) -> str | None:
        return self.dateline[1].group("date")

    def body_blocks(self) -> list[Block] | None:
        if self.content is None:
            return None
        ancestors = set(self.start.iterancestors())
        before = [el for el in self.content.iter()
                  if not self._after_start(el) and el not in ancestors]
        return blocks_from(self.content, skip=before) or None

    def images(self) -> list[Image] | None:
        """Photos from the headline to the end of the body; one before the first paragraph leads."""
        if self.content is None:
            return None
        paragraphs = [p for p in self.content.xpath("./p[normalize-space()]")
                      if self._after_start(p)]
        body_starts = self.position[paragraphs[0]] if paragraphs else len(self.position)
        images: list[Image] = []
        for img in self.start.xpath("following::img"):
            if self.position[img] > body_starts:
                break
            image = photo(img, self.page.url, featured=True)
            if image:
                images.append(image)
                break
        # The content element may hold the headline: photos above it (logos) are not the story's.
        before = {photo_url for img in self.content.iter("img") if not self._after_start(img)
                  for photo_url in [image_url(img, self.page.url)]}
        seen = {i.url for i in images} | before
        images += [i for i in photos_in(Selector(root=self.content), self.page.url)
                   if i.url not in seen]
        return images or None


#: Template layers, most specific first; the first whose markup matches the page is used.
TEMPLATE_LAYERS: tuple[type[Layer], ...] = (BladeZoxLayer, BladeDatelineLayer)
