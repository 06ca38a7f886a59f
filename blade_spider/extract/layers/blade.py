"""The Washington Blade's own layouts, one class per design.

* :class:`BladeZoxLayer`: the current design (MVP Themes' Zox News): section label, headline, deck,
  ``Published … on`` with the date in a ``time`` element, featured image with its caption span.
* :class:`BladeDatelineLayer`: the 2014–2019 design: a date line and byline
  (``September 5, 2017 at 6:37 pm EDT | by Michael K. Lavers``) above the headline. Its class names
  are not known for every year, so it finds things by what a reader sees: the date line by its
  text, the headline as the next heading, the body as the densest run of paragraphs.

A further redesign is a new subclass that overrides only what changed, listed in the site's
profile (:mod:`blade_spider.sites.washingtonblade`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from lxml import etree

from blade_spider.extract.blocks import Block, blocks_from, is_chrome
from blade_spider.extract.images import image_url, photo, photos_in
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.layers.fallback import headline_element
from blade_spider.extract.page import Page, text_pieces
from blade_spider.extract.rails import in_rail_item
from blade_spider.record.dates import MONTH
from blade_spider.record.items import Image
from blade_spider.record.text import element_text


class BladeZoxLayer(Layer):
    """The current Blade design (Zox News theme)."""

    name = "blade_zox"
    MARKERS = "h1.mvp-post-title, #mvp-content-main, #mvp-post-head, .mvp-author-info-wrap"

    @classmethod
    def matches(cls, page: Page) -> bool:
        return page.first(cls.MARKERS) is not None

    def _text(self, css: str) -> str | None:
        node = self.page.first(css)
        return (element_text(node) or None) if node is not None else None

    @reader("headline")
    def headline(self) -> str | None:
        return self._text("h1.mvp-post-title, #mvp-post-head h1")

    @reader("subheadline")
    def subheadline(self) -> str | None:
        return self._text("#mvp-post-head .mvp-post-excerpt, span.mvp-post-excerpt")

    @reader("section")
    def section(self) -> str | None:
        return self._text("#mvp-post-head .mvp-post-cat, h3.mvp-post-cat")

    @reader("authors")
    def authors(self) -> list[str] | None:
        names = [element_text(n) for n in self.page.css(
            ".mvp-author-info-name .author-name a, .mvp-author-info-name .author-name"
        )]
        names = [n for n in names if n]
        return list(dict.fromkeys(names)) or None

    @cached_property
    def date_node(self) -> etree._Element | None:
        """The ``time`` of the byline (asked for the date and for its printed form)."""
        return self.page.first(".mvp-author-info-date time, .mvp-post-date time")

    @reader("published")
    def published(self) -> str | None:
        node = self.date_node
        if node is None:
            return None
        return node.get("datetime") or element_text(node)

    @reader("published_raw")
    def published_raw(self) -> str | None:
        node = self.date_node
        return (element_text(node) or None) if node is not None else None

    @reader("modified")
    def modified(self) -> str | None:
        node = self.page.first(".mvp-author-info-date meta[itemprop='dateModified']")
        return node.get("content") if node is not None else None

    @reader("tags")
    def tags(self) -> list[str] | None:
        names = [element_text(a) for a in self.page.css(".mvp-post-tags a")]
        return [n for n in names if n] or None

    @cached_property
    def content(self) -> etree._Element | None:
        return self.page.first("#mvp-content-main")

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        return blocks_from(self.content) or None

    @reader("images")
    def images(self) -> list[Image] | None:
        images: list[Image] = []
        lead = self.page.first("#mvp-post-feat-img img")
        if lead is not None:
            featured = photo(lead, self.page.url, featured=True)
            if featured:
                caption = self._text("span.mvp-feat-caption, .mvp-feat-caption")
                featured.caption = featured.caption or caption
                images.append(featured)
        images += [i for i in photos_in(self.content, self.page.url, lead=not images)
                   if i.url not in {f.url for f in images}]
        return images or None


#: ``September 5, 2017 at 6:37 pm EDT | by Michael K. Lavers`` and its variants.
DATELINE = re.compile(
    rf"^(?:(?:posted|published)\s+(?:on\s+)?)?(?P<date>{MONTH}\s+\d{{1,2}},\s+\d{{4}}"
    r"(?:\s+(?:at\s+)?\d{1,2}:\d{2}\s*[ap]\.?m\.?(?:\s+[A-Z]{2,4})?)?)"
    r"\s*(?:[|•·–—-]\s*|\s+)(?P<byline>by\s+.+)$",
    re.IGNORECASE,
)
_MAX_DATELINE = 300
_DATELINE_TAGS = frozenset({"p", "div", "span", "header", "li", "td", "section", "time"})
#: How far above a date-line text node the element holding the whole line may be.
_DATELINE_DEPTH = 3
#: The next three headings of each level after an element, best level first.
_HEADINGS = tuple(etree.XPath(f"following::{tag}[position() <= 3]") for tag in ("h1", "h2"))


def _dateline_texts(page: Page) -> Iterator[etree._Element]:
    """The element holding each short text node of the body that has a date line's ``|``
    separator or the "by" of its byline, in document order.

    A lazy walk (:func:`~blade_spider.extract.page.text_pieces`): the date line stands near
    the top, so the walk usually stops there.
    """
    body = next(page.root.iter("body"), None)
    if body is None:
        return
    for holder, text in text_pieces(body):
        if len(text) < _MAX_DATELINE and ("|" in text or "by " in text or "By " in text
                                          or "BY " in text):
            yield holder


def _comes_first(page: Page, first: etree._Element | None, second: etree._Element) -> bool:
    """Whether ``first`` stands before ``second`` in the document (a walk that stops at the
    first of the two)."""
    if first is None:
        return False
    for el in page.root.iter():
        if el is first:
            return True
        if el is second:
            return False
    return False


def _in_chrome(el: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """Whether ``el`` or an ancestor is page chrome, memoised across candidates. A module
    function, not a closure: a recursive closure is a reference cycle that would keep the
    parsed document alive until the cyclic garbage collector happens to run."""
    if el not in memo:
        parent = el.getparent()
        memo[el] = is_chrome(el) or (parent is not None and _in_chrome(parent, memo))
    return memo[el]


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
        for element in _dateline_texts(page):
            for _ in range(_DATELINE_DEPTH):
                if element is None or element in checked:
                    break
                checked.add(element)
                if element.tag in _DATELINE_TAGS:
                    text = element_text(element).replace("\n", " ")
                    if len(text) > _MAX_DATELINE:
                        break
                    match = DATELINE.match(text)
                    if match and not in_rail_item(element, page):
                        return element, match
                element = element.getparent()
        return None

    @classmethod
    def matches(cls, page: Page) -> bool:
        """A date line above the story's headline: one below it (a theme that prints the date
        under the headline or the lead photo) is another layout, whose "heading after the date
        line" would be a subheading of the body."""
        found = cls.find_dateline(page)
        return found is not None and not _comes_first(page, headline_element(page), found[0])

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
        for following in _HEADINGS:
            for found in following(element):
                inside = scope is None or any(a is scope for a in found.iterancestors())
                if inside and element_text(found):
                    return found
        return None

    @cached_property
    def start(self) -> etree._Element:
        """Where the article proper begins: the headline, or the date line if none follows."""
        return self.heading if self.heading is not None else self.dateline[0]

    @cached_property
    def elements(self) -> list[etree._Element]:
        """Every element of the page in document order: the layout is read by position (what
        stands after the headline, the densest block after it, the first photo below it)."""
        return list(self.page.root.iter(etree.Element))

    @cached_property
    def position(self) -> dict[etree._Element, int]:
        """Each element's index in :attr:`elements`."""
        return {el: i for i, el in enumerate(self.elements)}

    @cached_property
    def _start_position(self) -> int:
        return self.position[self.start]

    def _after_start(self, el: etree._Element) -> bool:
        return self.position.get(el, -1) > self._start_position

    @cached_property
    def following(self) -> int:
        """Position of the first element after the headline and its descendants."""
        return (self.position[self.start] + 1
                + sum(1 for _ in self.start.iterdescendants(etree.Element)))

    @cached_property
    def content(self) -> etree._Element | None:
        """The element holding the most paragraph text after the headline (its densest block):
        a parent of paragraphs that follows the headline, or one of the headline's ancestors."""
        position = self.position
        parents = {p.getparent() for p in self.page.root.iter("p")}
        candidates = sorted((el for el in parents if position.get(el, -1) >= self.following),
                            key=position.__getitem__)
        candidates += [a for a in self.start.iterancestors() if a in parents]
        # A box around the headline is the story (or the page), never a widget, whatever its
        # classes say: Genesis wraps the whole story and its sidebar in ``content-sidebar-wrap``.
        chrome = dict.fromkeys(self.start.iterancestors(), False)
        best, best_score = None, 0
        for candidate in candidates:
            score = sum(len(element_text(p)) for p in candidate.iterchildren("p")
                        if self._after_start(p))
            # Chrome only matters to a winner: asked of few candidates.
            if score > best_score and not _in_chrome(candidate, chrome):
                best, best_score = candidate, score
        return best

    @reader("headline")
    def headline(self) -> str | None:
        return element_text(self.heading) if self.heading is not None else None

    @reader("authors")
    def authors(self) -> list[str] | None:
        links = [element_text(a) for a in self.dateline[0].iterdescendants("a")
                 if "author" in a.get("href", "")]
        return [n for n in links if n] or [self.dateline[1].group("byline")]

    @reader("published")
    def published(self) -> str | None:
        return self.dateline[1].group("date")

    @reader("published_raw")
    def published_raw(self) -> str | None:
        return self.dateline[1].group("date")

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        if self.content is None:
            return None
        ancestors = set(self.start.iterancestors())
        between = self.elements[self.position[self.content]:self.position[self.start] + 1]
        before = [el for el in between if el not in ancestors]
        return blocks_from(self.content, skip=before) or None

    @reader("images")
    def images(self) -> list[Image] | None:
        """Photos from the headline to the end of the body; one before the first paragraph leads."""
        if self.content is None:
            return None
        first = next((p for p in self.content.iterchildren("p")
                      if self._after_start(p) and "".join(p.itertext()).strip()), None)
        body_starts = self.position[first] if first is not None else len(self.position)
        images: list[Image] = []
        for img in self.page.root.iter("img"):
            if self.position[img] < self.following:
                continue
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
        images += [i for i in photos_in(self.content, self.page.url)
                   if i.url not in seen]
        return images or None

