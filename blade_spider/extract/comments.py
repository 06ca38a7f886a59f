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
from blade_spider.extract.page import Page
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


#: Class words of the element holding a comment's date (a substring test, as themes vary:
#: ``comment-meta``, ``commentmetadata``, ``comment-date``, ``wp-block-comment-date``); one
#: regular expression rather than a test per word, as every element of every comment is asked.
_META_CLASSES = ("comment-meta", "comment-date", "wp-block-comment-date")
_META = re.compile("|".join(map(re.escape, _META_CLASSES)))
_AUTHOR = (".comment-author .fn", "cite.fn", ".wp-block-comment-author-name",
           ".comment-author", ".comment-author-name")
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


def _author(page: Page, part: etree._Element) -> str | None:
    for css in _AUTHOR:
        node = page.first(css, part)
        if node is not None:
            name = _SAYS.sub("", single_line(element_text(node)))
            if name:
                return name
    return None


def _is_meta(el: etree._Element) -> bool:
    classes = el.get("class")
    return classes is not None and _META.search(classes) is not None


def _published(page: Page, part: etree._Element) -> str | None:
    """The comment's date, best first: a ``time``'s ``datetime`` in its meta element, that
    ``time``'s text, the meta's link text, the meta's text, any ``time``'s ``datetime``.

    A walk of the comment's few elements, not the XPath it stands for
    (``descendant-or-self::*[contains(@class,'comment-meta') or ...]//time/@datetime`` and so
    on, pinned against it in ``tests/test_fast_paths.py``): five XPath calls per comment cost
    more in setting up their evaluation than in looking at elements.
    """
    metas = [el for el in part.iter(etree.Element) if _is_meta(el)]
    position = page.index.position
    times = sorted({t for meta in metas for t in meta.iterdescendants("time")},
                   key=position.__getitem__)
    dated = next((t for t in times if t.get("datetime") is not None), None)
    if dated is not None and (text := single_line(dated.get("datetime"))):
        return text
    links = sorted({a for meta in metas for a in meta.iterdescendants("a")},
                   key=position.__getitem__)
    for found in (times[:1], links[:1], metas[:1]):
        if found and (text := single_line(element_text(found[0]))):
            return text
    dated = next((t for t in part.iter("time") if t.get("datetime") is not None), None)
    return (single_line(dated.get("datetime")) or None) if dated is not None else None


def _text(page: Page, parts: list[etree._Element], has_content: bool) -> str:
    """The comment's words: its content element, else its own paragraphs minus the chrome
    (``has_content``: whether the page has any content element, asked once per page)."""
    for part in parts if has_content else ():
        content = page.first(_CONTENT, part)
        if content is not None:
            return "\n\n".join(block["text"] for block in blocks_from(content))
    own = [part for part in parts if not _COMMENT_FURNITURE.search(part.get("class", ""))]
    return "\n\n".join(block["text"] for part in own for block in blocks_from(part))


def _first(page: Page, parts: list[etree._Element],
           read: Callable[[Page, etree._Element], str | None]) -> str | None:
    for part in parts:
        value = read(page, part)
        if value:
            return value
    return None


def _walk(page: Page, items: list[etree._Element], parent: str | None,
          out: list[Comment], has_content: bool) -> None:
    for item in items:
        children = _elements(item)
        comment_id = _comment_id(item, children)
        if comment_id is not None:
            parts = [c for c in children if c.tag not in ("ol", "ul")] or [item]
            out.append(Comment(
                id=comment_id, parent_id=parent, author=_first(page, parts, _author),
                published=_first(page, parts, _published),
                text=_text(page, parts, has_content),
            ))
        replies = [li for sub in children if sub.tag in ("ol", "ul")
                   for li in _elements(sub) if li.tag == "li"]
        if replies:
            _walk(page, replies, comment_id or parent, out, has_content)


def comments_in(page: Page) -> list[Comment]:
    """Every comment of the page's comment list, in display order, with reply parents."""
    lists = page.css(COMMENT_LISTS)
    if not lists:
        return []
    out: list[Comment] = []
    _walk(page, [li for li in _elements(lists[0]) if li.tag == "li"], None, out,
          has_content=bool(page.css(_CONTENT)))
    return out


def third_party_comments(page: Page) -> str | None:
    """Name of the third-party service that loads the comments by script, if any."""
    for service, css in THIRD_PARTY_COMMENTS.items():
        if page.css(css):
            return service
    return None
