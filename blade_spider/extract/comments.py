"""Reader comments as WordPress prints them (classic and block themes).

WordPress renders comments as a list (``ol.commentlist``/``ol.comment-list``, or the block theme's
``ol.wp-block-comment-template``) of ``li.comment#comment-N`` items; a reply sits in the
``ol.children``/``ul.children`` list of the comment it answers, so the parent id is read from the
nesting rather than guessed from the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from blade_spider.extract.blocks import blocks_from
from blade_spider.extract.page import Page, css_xpath
from blade_spider.record.items import Comment
from blade_spider.record.text import element_text, single_line

COMMENT_LISTS = (
    "ol.commentlist, ul.commentlist, ol.comment-list, ul.comment-list, "
    "ol.wp-block-comment-template, ul.wp-block-comment-template"
)
_COMMENT_ID = re.compile(r"(?:^|-)comment-(\d+)$")
_COMMENT_FURNITURE = re.compile(r"comment-(?:author|meta|metadata)|reply|says|avatar")
_SAYS = re.compile(r"\s+says:?\s*$", re.IGNORECASE)
THIRD_PARTY_COMMENTS = {
    "Disqus": "#disqus_thread, script[src*='disqus.com'], script:contains('disqus_shortname')",
    "Facebook": ".fb-comments",
}


#: The element holding a comment's date: themes vary (``comment-meta``, ``commentmetadata``,
#: ``comment-date``, ``wp-block-comment-date``), hence a substring test.
_META = ("descendant-or-self::*[contains(@class, 'comment-meta') or "
         "contains(@class, 'comment-date') or contains(@class, 'wp-block-comment-date')]")
#: Where a comment's date is, best first: a ``time``'s ``datetime`` in its meta element, that
#: ``time``'s text, the meta's link text, the meta's text, any ``time``'s ``datetime``.
_DATE_PLACES = tuple(etree.XPath(xpath) for xpath in (
    f"{_META}//time/@datetime", f"{_META}//time", f"{_META}//a", _META,
    "descendant-or-self::time/@datetime",
))
_AUTHOR = tuple(css_xpath(css) for css in (
    ".comment-author .fn", "cite.fn", ".wp-block-comment-author-name", ".comment-author",
    ".comment-author-name",
))
_CONTENT = ".comment-content, .wp-block-comment-content, .comment-text"


def _elements(parent: etree._Element) -> list[etree._Element]:
    return list(parent.iterchildren(etree.Element))


def _comment_id(item: etree._Element, children: list[etree._Element]) -> str | None:
    """``comment-N`` from the item's id, else from a child's (``div-comment-N``)."""
    for element in (item, *children):
        match = _COMMENT_ID.search(element.get("id", ""))
        if match:
            return match.group(1)
    return None


def _author(part: etree._Element) -> str | None:
    for xpath in _AUTHOR:
        found = xpath(part)
        if found:
            name = _SAYS.sub("", single_line(element_text(found[0])))
            if name:
                return name
    return None


def _published(part: etree._Element) -> str | None:
    """The comment's date, from the first of :data:`_DATE_PLACES` that shows one."""
    for xpath in _DATE_PLACES:
        found = xpath(part)
        if found and (text := single_line(element_text(found[0]))):
            return text
    return None


def _text(parts: list[etree._Element]) -> str:
    """The comment's words: its content element, else its own paragraphs minus the chrome."""
    for part in parts:
        content = css_xpath(_CONTENT)(part)
        if content:
            return "\n\n".join(block["text"] for block in blocks_from(content[0]))
    own = [part for part in parts if not _COMMENT_FURNITURE.search(part.get("class", ""))]
    return "\n\n".join(block["text"] for part in own for block in blocks_from(part))


def _first(parts: list[etree._Element],
           read: Callable[[etree._Element], str | None]) -> str | None:
    for part in parts:
        value = read(part)
        if value:
            return value
    return None


def _walk(items: list[etree._Element], parent: str | None, out: list[Comment]) -> None:
    for item in items:
        children = _elements(item)
        comment_id = _comment_id(item, children)
        if comment_id is not None:
            parts = [c for c in children if c.tag not in ("ol", "ul")] or [item]
            out.append(Comment(
                id=comment_id, parent_id=parent, author=_first(parts, _author),
                published=_first(parts, _published), text=_text(parts),
            ))
        replies = [li for sub in children if sub.tag in ("ol", "ul")
                   for li in _elements(sub) if li.tag == "li"]
        if replies:
            _walk(replies, comment_id or parent, out)


def comments_in(page: Page) -> list[Comment]:
    """Every comment of the page's comment list, in display order, with reply parents."""
    comment_list = page.first(COMMENT_LISTS)
    if comment_list is None:
        return []
    out: list[Comment] = []
    _walk([li for li in _elements(comment_list) if li.tag == "li"], None, out)
    return out


def third_party_comments(page: Page) -> str | None:
    """Name of the third-party service that loads the comments by script, if any."""
    for service, css in THIRD_PARTY_COMMENTS.items():
        if page.first(css) is not None:
            return service
    return None
