"""What every WordPress article shows whatever its theme: the last layers before giving up.

A theme none of the other layers knows still prints a headline, a date line and a byline near
it, and a body that is the page's densest run of paragraphs; WordPress still dates the permalink
(``/2017/09/05/slug/``). These layers read those, by what a reader sees rather than by class
names, so an unknown theme's article is archived rather than lost for one field:

* :class:`BoundsLayer`: the body and its photos, bounded. Asked only when no template layer
  matched and no stock content container is on the page. The content element is the one whose
  paragraphs best match the post's own content from the REST API when the crawl fetched it,
  else the densest run of paragraphs; rails of other stories inside it are left out.
* :class:`HeaderLayer`: the date-shaped text and the byline around the headline.
* :class:`DiscoveredDateLayer`: the feed's ``pubDate`` for an article the feed led to.
* :class:`PermalinkLayer`: the permalink's day (``crawl.date_precision`` says "day").
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import islice
from urllib.parse import urlsplit

from lxml import etree

from blade_spider.extract.blocks import BLOCK_TAGS, Block, blocks_from, is_chrome
from blade_spider.extract.images import image_url, photos_in
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.layers.metadata import MetadataLayer
from blade_spider.extract.layers.rest import rest_post, rest_texts
from blade_spider.extract.layers.wordpress import ARTICLE_SCOPE, WordPressLayer
from blade_spider.extract.page import Page, text_pieces
from blade_spider.extract.rails import in_rail_item, rails_in
from blade_spider.record.dates import MONTH
from blade_spider.record.items import Image
from blade_spider.record.text import element_text, normalize_space
from blade_spider.urls import ARTICLE_PATH

_TIME = (r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?"
         r"(?:\s+(?:EDT|EST|ET|UTC|GMT))?)?")
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
#: A date as themes print it: ``Tuesday, September 5, 2017 at 6:37 pm EDT``,
#: ``5 September 2017, 18:37``, ``09/05/2017 6:37 pm``, ``2017-09-05`` (time and zone optional).
DATE_TEXT = re.compile(
    rf"(?<![\w/-])(?:{_WEEKDAY}{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{MONTH},?\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"{_TIME}(?![\w/])",
    re.IGNORECASE,
)
#: A date introduced as an edit, not the publication.
_EDIT_LABEL = re.compile(r"(?:updated|modified|edited)\s*(?:on|at)?\s*:?\s*$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:(?:written|posted|story|words)\s+)?by\s+\S", re.IGNORECASE)
_WRITTEN = re.compile(r"^(?:written|posted|story|words)\s+(?=by\s)", re.IGNORECASE)
#: How many text pieces before the headline and after it make its header area, and the
#: paragraph length that says the body has begun.
BEFORE, AFTER, BODY_PARAGRAPH = 8, 40, 200
MAX_HEADER_TEXT = 200
#: A machine-readable instant in an attribute (``datetime``, hAtom's ``title``).
_ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?")
#: Class or id words of a photo's caption box, and how far up from a text it is looked for.
_CAPTION_WORDS = re.compile(r"caption|credit|legend")
CAPTION_DEPTH = 3
#: How many elements after the body's last paragraph a signature byline is looked for in, and
#: what marks a comment (whose authors are readers).
SIGNATURE_BOXES = 40
_IN_COMMENTS = ("ancestor-or-self::*[@id='comments' or contains(@class, 'comment') "
                "or @id='respond']")
_AUTHOR_PATH = re.compile(r"/author/[^/]+/?$")
#: What a dek is printed in, and how short it can be.
DEK_TAGS = frozenset({"p", "h2", "h3", "h4", "div", "span"})
MIN_DEK = 20


def _in_chrome(el: etree._Element, story: set[etree._Element]) -> bool:
    """Whether ``el`` is in page chrome; the boxes in ``story`` (those around the story) hold
    it, so their classes (``content-sidebar-wrap``) never make it chrome."""
    for box in (el, *el.iterancestors()):
        if box in story:
            return False
        if is_chrome(box):
            return True
    return False


def _before(holder: etree._Element) -> str:
    """The text just before ``holder`` in its box: a label printed in an element of its own
    (``<span>Updated:</span> <span>Sept. 6, 2017</span>``) introduces the date after it."""
    previous = holder.getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()
    if previous is not None:
        return f"{element_text(previous)}{previous.tail or ''} "
    parent = holder.getparent()
    return f"{parent.text or ''} " if parent is not None else ""


def _byline(boxes: list[etree._Element]) -> list[str] | None:
    """Author-archive links in ``boxes``, else the first short ``By …`` line among them."""
    names = [element_text(a) for box in boxes for a in box.iter("a")
             if _AUTHOR_PATH.search(urlsplit(a.get("href", "")).path)]
    if any(names):
        return list(dict.fromkeys(n for n in names if n))
    for box in boxes:
        text = element_text(box)
        if len(text) <= MAX_HEADER_TEXT and _BYLINE.match(text):
            return [DATE_TEXT.split(_WRITTEN.sub("", text))[0].strip(" |·•–—-")]
    return None


def _in_caption(el: etree._Element) -> bool:
    """Whether ``el`` is (in) a photo's caption or credit: its dates and names are the photo's
    ("… at the rally on April 21, 2017"), not the story's."""
    for box in (el, *islice(el.iterancestors(), CAPTION_DEPTH)):
        if box.tag in ("figure", "figcaption") or _CAPTION_WORDS.search(
                f"{box.get('class', '')} {box.get('id', '')}".lower()):
            return True
    return False


def _depth(el: etree._Element) -> int:
    return sum(1 for _ in el.iterancestors())


def headline_element(page: Page) -> etree._Element | None:
    """The story's heading: of the post element's ``h1`` (else ``h2``) elements that are
    neither chrome nor another story's teaser, the one that says what the page's title says,
    else the first that is not the site's name (a logo)."""
    if "headline_element" not in page.memo:
        scope = page.first(ARTICLE_SCOPE)
        scope = scope if scope is not None else page.root
        story = {scope, *scope.iterancestors()}
        title = normalize_space(MetadataLayer(page).headline() or "").casefold()
        site_name = page.site.profile.name.casefold()
        found = None
        for tag in ("h1", "h2"):
            headings = [h for h in scope.iter(tag)
                        if (text := element_text(h)) and text.casefold() != site_name
                        and not _in_chrome(h, story) and not in_rail_item(h, page)]
            found = next((h for h in headings if element_text(h).casefold() == title),
                         headings[0] if headings else None)
            if found is not None:
                break
        page.memo["headline_element"] = found
    return page.memo["headline_element"]


class HeaderLayer(Layer):
    """The date line and byline near the headline, whatever elements hold them."""

    name = "header_text"

    @cached_property
    def area(self) -> list[etree._Element]:
        """The elements holding the text around the headline: a few pieces before it, then
        after it until the body's first long paragraph; teasers of other stories left out."""
        heading = headline_element(self.page)
        if heading is None:
            return []
        pieces = list(text_pieces(self.page.root))
        inside = {heading, *heading.iterdescendants()}
        start = next((i for i, (holder, _) in enumerate(pieces) if holder in inside), None)
        if start is None:
            return []
        after: list[etree._Element] = []
        for holder, _ in pieces[start:start + AFTER]:
            if holder.tag == "p" and len(element_text(holder)) > BODY_PARAGRAPH:
                break
            if holder not in inside:
                after.append(holder)
        before = [holder for holder, _ in pieces[max(0, start - BEFORE):start]][::-1]
        area = list(dict.fromkeys(after + before))
        return [el for el in area if not _in_caption(el) and not in_rail_item(el, self.page)]

    @cached_property
    def date(self) -> tuple[etree._Element, str] | None:
        """The first date-shaped text of the area (nearest after the headline first) that is
        not introduced as an update, with the element holding it."""
        for holder in self.area:
            text = element_text(holder)
            if len(text) > MAX_HEADER_TEXT:
                continue
            for match in DATE_TEXT.finditer(text):
                if not _EDIT_LABEL.search(_before(holder) + text[:match.start()]):
                    return holder, match.group(0)
        return None

    @reader("published")
    def published(self) -> str | None:
        """The date as printed, or the instant its element states (a ``<time>``'s
        ``datetime``, an hAtom ``abbr``'s ``title``)."""
        if self.date is None:
            return None
        holder, text = self.date
        for stamp in (holder, *holder.iterancestors("time", "abbr")):
            value = stamp.get("datetime") or stamp.get("title") or ""
            if stamp.tag in ("time", "abbr") and _ISO_STAMP.match(value):
                return value
        return text

    @reader("published_raw")
    def published_raw(self) -> str | None:
        return self.date[1] if self.date else None

    @reader("subheadline")
    def subheadline(self) -> str | None:
        """The dek: a sentence printed right after the headline, in the headline's own box
        (not the body's first paragraph), that is no date line, byline or link."""
        heading = headline_element(self.page)
        dek = heading.getnext() if heading is not None else None
        while dek is not None and not isinstance(dek.tag, str):
            dek = dek.getnext()
        if dek is None or dek.tag not in DEK_TAGS or is_chrome(dek):
            return None
        if next(dek.iter("a", "img", "time", *BLOCK_TAGS - {dek.tag}), None) is not None:
            return None
        others = [element_text(p) for p in dek.getparent().iter("p") if p is not dek]
        if any(not DATE_TEXT.search(text) and not _BYLINE.match(text) for text in others):
            return None  # the headline stands in the body's box: this is its first paragraph
        text = element_text(dek)
        if not MIN_DEK <= len(text) <= MAX_HEADER_TEXT or DATE_TEXT.search(text) \
                or _BYLINE.match(text):
            return None
        return text

    @reader("authors")
    def authors(self) -> list[str] | None:
        """Links to author archives in the area, else a ``By …`` line there; else the byline
        a theme prints after the story (a signature), outside the body's box, rails and
        comments."""
        found = _byline(self.area)
        return found or _byline(self.after_story)

    @cached_property
    def after_story(self) -> list[etree._Element]:
        """The first elements of the post element after the box of the body's last long
        paragraph."""
        scope = self.page.first(ARTICLE_SCOPE)
        paragraphs = [p for p in (scope if scope is not None else self.page.root).iter("p")
                      if len(element_text(p)) > BODY_PARAGRAPH and not p.xpath(_IN_COMMENTS)]
        if scope is None or not paragraphs:
            return []
        body = paragraphs[-1].getparent()  # the body's box: what follows it, not its own end
        after = body.xpath(f"following::*[position() <= {SIGNATURE_BOXES}]")
        return [el for el in after if any(a is scope for a in el.iterancestors())
                and not el.xpath(_IN_COMMENTS) and not in_rail_item(el, self.page)]


class BoundsLayer(Layer):
    """The body where no layer knows the content container (see the module docstring)."""

    name = "bounded"

    @classmethod
    def matches(cls, page: Page) -> bool:
        return WordPressLayer(page).content is None

    @cached_property
    def content(self) -> etree._Element | None:
        """With the post's REST content: the innermost element holding the most of its
        paragraphs' text; else the parent of the most paragraph text (its densest block)."""
        heading = headline_element(self.page)
        story = set(heading.iterancestors()) if heading is not None else set()
        paragraphs = [p for p in self.page.root.iter("p") if p is not heading]
        wanted = rest_texts(rest_post(self.page))
        scores: dict[etree._Element, int] = {}
        for p in paragraphs:
            text = element_text(p)
            if wanted:
                if text in wanted:  # every box around it holds that much of the post
                    for box in p.iterancestors():
                        scores[box] = scores.get(box, 0) + len(text)
            elif p.getparent() is not None:
                scores[p.getparent()] = scores.get(p.getparent(), 0) + len(text)
        ranked = sorted(scores, key=lambda box: (-scores[box], -_depth(box)))
        return next((box for box in ranked if not _in_chrome(box, story)
                     and not in_rail_item(box, self.page)), None)

    @cached_property
    def skipped(self) -> list[etree._Element]:
        """Rails inside the content, and the headline when the content holds it."""
        if self.content is None:
            return []
        skip = rails_in(self.content, self.page)
        heading = headline_element(self.page)
        if heading is not None and any(a is self.content for a in heading.iterancestors()):
            skip.append(heading)
        return skip

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        return blocks_from(self.content, skip=self.skipped) or None

    @reader("images")
    def images(self) -> list[Image] | None:
        featured = WordPressLayer(self.page).featured_image()
        rail_urls = {image_url(img, self.page.url) for rail in self.skipped
                     for img in rail.iter("img")}
        images = [featured] if featured else []
        images += [i for i in photos_in(self.content, self.page.url)
                   if i.url not in rail_urls and (not featured or i.url != featured.url)]
        return images or None


class DiscoveredDateLayer(Layer):
    """The publication date the listing that led to the page gave (an RSS ``pubDate``)."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.name = page.request_meta.get("discovered_published_source", "discovery")

    @reader("published")
    def published(self) -> str | None:
        return self.page.request_meta.get("discovered_published")


class PermalinkLayer(Layer):
    """The day in the permalink (``/2017/09/05/slug/``): WordPress's date, to the day."""

    name = "permalink"

    @reader("published")
    def published(self) -> str | None:
        match = ARTICLE_PATH.match(urlsplit(self.page.url).path)
        return f"{match['y']}-{match['m']}-{match['d']}" if match else None

