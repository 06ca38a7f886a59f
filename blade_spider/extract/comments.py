"""Reader comments as WordPress prints them (classic and block themes).

WordPress renders comments as a list (``ol.commentlist``/``ol.comment-list``, or the block theme's
``ol.wp-block-comment-template``) of ``li.comment#comment-N`` items; a reply sits in the
``ol.children``/``ul.children`` list of the comment it answers, so the parent id is read from the
nesting rather than guessed from the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from parsel import Selector

from blade_spider.extract.blocks import blocks_from
from blade_spider.items import Comment
from blade_spider.text import element_text, single_line

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


def _comment_id(item: Selector) -> str | None:
    for candidate in [item.attrib.get("id", ""), *item.xpath("./*/@id").getall()]:
        match = _COMMENT_ID.search(candidate)
        if match:
            return match.group(1)
    return None


def _author(item: Selector) -> str | None:
    for css in (".comment-author .fn", "cite.fn", ".wp-block-comment-author-name",
                ".comment-author", ".comment-author-name"):
        node = item.css(css)
        if node:
            name = _SAYS.sub("", single_line(element_text(node[0])))
            if name:
                return name
    return None


def _published(item: Selector) -> str | None:
    meta = ("descendant-or-self::*[contains(@class,'comment-meta') or "
            "contains(@class,'comment-date') or contains(@class,'wp-block-comment-date')]")
    for xpath in (f"{meta}//time/@datetime", f"{meta}//time", f"{meta}//a", f"{meta}",
                  "descendant-or-self::time/@datetime"):
        node = item.xpath(xpath)
        if node:
            text = single_line(element_text(node[0]))
            if text:
                return text
    return None


def _text(parts: list[Selector]) -> str:
    """The comment's words: its content element, else its own paragraphs minus the chrome."""
    for part in parts:
        content = part.css(".comment-content, .wp-block-comment-content, .comment-text")
        if content:
            return "\n\n".join(block["text"] for block in blocks_from(content[0]))
    own = [part for part in parts if not _COMMENT_FURNITURE.search(part.attrib.get("class", ""))]
    return "\n\n".join(block["text"] for part in own for block in blocks_from(part))


def _first(parts: list[Selector], read: Callable[[Selector], str | None]) -> str | None:
    for part in parts:
        value = read(part)
        if value:
            return value
    return None


def _walk(items: list[Selector], parent: str | None, out: list[Comment]) -> None:
    for item in items:
        comment_id = _comment_id(item)
        if comment_id is not None:
            parts = item.xpath("./*[not(self::ol or self::ul)]") or [item]
            out.append(Comment(
                id=comment_id, parent_id=parent, author=_first(parts, _author),
                published=_first(parts, _published), text=_text(parts),
            ))
        _walk(item.xpath("./ol/li | ./ul/li"), comment_id or parent, out)


def comments_in(sel: Selector) -> list[Comment]:
    """Every comment of the page's comment list, in display order, with reply parents."""
    lists = sel.css(COMMENT_LISTS)
    if not lists:
        return []
    out: list[Comment] = []
    _walk(lists[0].xpath("./li"), None, out)
    return out


def third_party_comments(sel: Selector) -> str | None:
    """Name of the third-party service that loads the comments by script, if any."""
    for service, css in THIRD_PARTY_COMMENTS.items():
        if sel.css(css):
            return service
    return None
