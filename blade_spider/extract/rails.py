"""Rails: lists of the site's other stories ("More from News", "Trending", "Most read").

Themes print them before or after the story, with each item's date and byline, so a reader of an
unknown theme takes them for the story's own date line or for the end of its body. Class names
say nothing reliable; what marks a rail is what it links to: several other articles of this site,
with little text besides those links. A link to another article inside the story's paragraphs
is no rail, since the paragraph's words outweigh it.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

from blade_spider.extract.page import Page
from blade_spider.record.text import element_text

#: Containers a rail is printed in.
RAIL_TAGS = frozenset({"ul", "ol", "section", "div", "aside", "nav", "table", "footer"})
#: A rail links to at least this many other articles...
MIN_LINKS = 2
#: ...and its text is mostly those links and their dates and bylines: the words outside links
#: to other articles are at most this many times the words in them.
MAX_OTHER_TEXT = 2.5
#: A rail item (one teaser with its date line) is short.
MAX_ITEM_TEXT = 400


def _own_article(page: Page) -> str | None:
    if "own_article" not in page.memo:
        page.memo["own_article"] = page.site.article_url(page.url)
    return page.memo["own_article"]


def links_elsewhere(el: etree._Element, page: Page) -> list[etree._Element]:
    """The links in ``el`` to articles of this site other than the page's own."""
    own = _own_article(page)
    found = []
    for link in el.iter("a"):
        href = link.get("href")
        if not href or href.startswith("#"):
            continue
        target = page.site.article_url(urljoin(page.url, href))
        if target is not None and target != own:
            found.append(link)
    return found


def is_rail(el: etree._Element, page: Page) -> bool:
    """Whether ``el`` is a list of other stories (see the module docstring)."""
    if el.tag not in RAIL_TAGS:
        return False
    links = links_elsewhere(el, page)
    if len(links) < MIN_LINKS:
        return False
    linked = sum(len(element_text(link)) for link in links)
    return len(element_text(el)) - linked <= MAX_OTHER_TEXT * linked


def rails_in(scope: etree._Element, page: Page) -> list[etree._Element]:
    """The outermost rails inside ``scope`` (not ``scope`` itself), each with the heading
    that names it when the heading stands just before it ("More from News")."""
    found: list[etree._Element] = []
    for el in scope.iterdescendants(*RAIL_TAGS):
        if any(a in found for a in el.iterancestors()):
            continue
        if is_rail(el, page):
            found.append(el)
            heading = el.getprevious()
            if heading is not None and heading.tag in ("h2", "h3", "h4", "h5", "h6"):
                found.append(heading)
    return found


def in_rail_item(el: etree._Element, page: Page, depth: int = 3) -> bool:
    """Whether ``el`` is part of a teaser of another story: within ``depth`` levels it shares a
    short box with a link to another article (a rail item's date and byline line)."""
    # Layers ask this of many elements that share their boxes: each box is judged once a page
    # (the memo keeps the element, so lxml hands out the same proxy for it again).
    judged: dict[etree._Element, bool | None] = page.memo.setdefault("rail_boxes", {})
    for box in (el, *list(el.iterancestors())[:depth]):
        if box not in judged:
            judged[box] = (None if len(element_text(box)) > MAX_ITEM_TEXT
                           else bool(links_elsewhere(box, page)))
        if judged[box] is None:  # too long for a teaser: no rail item around el
            return False
        if judged[box]:
            return True
    return False
