"""An article's content element read as typed text blocks.

One walker serves every layer that has found the content element (the Blade templates, stock
WordPress, microdata): it keeps what a reader reads as the article and leaves out what RECORD.md
calls chrome. Text inside a block is joined as a browser renders it (see
:mod:`blade_spider.record.text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from lxml import etree
from parsel import Selector

from blade_spider.record.text import INVISIBLE_TAGS, append_text, lowered, normalize_space

BlockType = Literal["paragraph", "heading", "quote", "list_item", "preformatted"]
Block = dict[str, str]

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "pre", "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th", "hr", "center",
    "address", "details", "summary", "fieldset",
})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Structural elements that are never article text wherever they stand.
CHROME_TAGS = frozenset({"nav", "aside", "footer", "form", "button", "select", "input", "label",
                         "textarea", "img", "picture", "video", "audio", "canvas", "map"})

#: The page itself: ``body_class()`` describes the page (``single-author``,
#: ``single-format-gallery``), and the page is never a widget inside itself.
PAGE_TAGS = frozenset({"html", "body"})
#: A class ``post_class()`` prints on the post element only (``post-42``, ``type-post``,
#: ``status-publish``), and one of the post's terms or states that it prints beside them
#: (``post_format-post-format-gallery`` is core's class for the format's own taxonomy term).
_POST_MARKER = re.compile(r"^(?:post-\d+|type-[\w-]+|status-[\w-]+)$")
_POST_TERM = re.compile(r"^(?:category|tag|format|post_format|status|type)-")

#: The boxes ad plugins print between a story's paragraphs: Ad Inserter's ``code-block-N``,
#: WP Quads' ``quads-location``/``quads-adN`` (a regular-expression fragment).
AD_PLUGIN_CLASSES = r"code-block-\d+|quads-location|quads-ad\d+"
#: What an ad's label says when it is all a block says ("Advertisement", "— Story continues
#: below —"), lowercased, without the dashes and colons around it.
AD_LABELS = frozenset({
    "ad", "ads", "advertisement", "advertisements", "advertisment", "advertising", "sponsored",
    "sponsored content", "paid content", "story continues below", "article continues below",
    "continue reading below", "story continues below advertisement",
    "article continues below advertisement", "continue reading below advertisement",
})
_LABEL_TRIM = " -–—:|·•*()[]"

#: Class/id words of widgets themes and plugins put inside or around the content (matched
#: against lowercased text, see ``blade_spider.record.text.lowered``). A word matches between
#: ``-``/``_``/space boundaries, so ``jp-relatedposts``, ``fb-comments`` or ``mvp-author-box`` need
#: no entry of their own (bench/mutation.py showed no test could tell them apart).
CHROME_PATTERN = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|sharedaddy|addtoany|a2a|social|soc|related|relatedposts|"
    r"yarpp|author|bio|byline|newsletter|subscribe|signup|promo|advert|"
    r"advertisement|ads|ad|add|adsbygoogle|sponsor|sponsored|caption|credit|gallery|"
    r"page-links|pagination|nav-links|navigation|breadcrumbs?|tags|"
    r"cat-links|comments?|respond|reply|says|widget|sidebar|donate|membership|"
    r"screen-reader-text|sr-only|print-only|wp-block-buttons|"
    r"mvp-org-wrap|disqus|outbrain|taboola|"
    r"wp-block-file|" + AD_PLUGIN_CLASSES + r")(?:$|[\s_-])"
)
#: Elements with these classes are content even when a chrome word appears in their class list.
CONTENT_PATTERN = re.compile(
    r"(?:^|\s)(?:entry-content|post-content|wp-block-post-content|twitter-tweet|wp-block-quote|"
    r"wp-block-pullquote|wp-block-list|wp-block-heading)(?:$|\s)"
)


def _tag(el: etree._Element) -> str:
    tag = el.tag  # each read builds a new string from the tree's name
    return tag.lower() if isinstance(tag, str) else ""


def is_chrome(el: etree._Element) -> bool:
    """True for page furniture that must not reach the body (widgets, captions, hidden text)."""
    return _is_chrome(el, _tag(el))


def _is_chrome(el: etree._Element, tag: str) -> bool:
    """:func:`is_chrome` for an element whose tag the caller has read already."""
    if not tag or tag in INVISIBLE_TAGS or tag in CHROME_TAGS:
        return True
    if tag in PAGE_TAGS:
        return False
    # The attribute names in one call, then only the values that are there: most elements
    # have none of the five attributes looked at, and each lookup is a walk of the element's
    # attribute list.
    names = el.keys()
    if not names:
        return False
    if "hidden" in names or ("aria-hidden" in names and el.get("aria-hidden") == "true"):
        return True
    if "style" in names:
        style = el.get("style", "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            return True
    content, chrome = _class_verdict(el.get("class", "")) if "class" in names else (False, False)
    element_id = el.get("id", "") if "id" in names else ""
    if content or lowered(CONTENT_PATTERN, element_id):
        return False
    return chrome or lowered(CHROME_PATTERN, element_id)


@lru_cache(maxsize=1024)
def _class_verdict(classes: str) -> tuple[bool, bool]:
    """Whether a class list marks content, and whether it marks chrome. Cached because themes
    print the same class lists on every page (ids are not: they are unique to a post)."""
    classes = layout_classes(classes)
    return lowered(CONTENT_PATTERN, classes), lowered(CHROME_PATTERN, classes)


def layout_classes(classes: str) -> str:
    """A class list without the classes WordPress prints to describe the post it wraps.

    ``post_class()`` marks the post element with the post's own terms and state
    (``post-42 type-post status-publish format-gallery hentry category-photos
    tag-social-media post_format-post-format-gallery``): the site's vocabulary, not a layout
    role, so a post tagged "social media" or in the gallery format must not read as a share
    widget or a photo gallery. They are dropped only where the other post classes say that
    this is the post element, since elsewhere ``tag-links`` and the like do name widgets.
    """
    tokens = classes.split()
    if not any(t == "hentry" or _POST_MARKER.match(t) for t in tokens):
        return classes
    return " ".join(t for t in tokens if not _POST_TERM.match(t))


def is_ad_label(text: str) -> bool:
    """Whether a block says nothing but an ad's label (a label is short: longer blocks are
    never looked up)."""
    return len(text) <= 40 and text.strip(_LABEL_TRIM).lower() in AD_LABELS


def _is_media_figure(figure: etree._Element) -> bool:
    """Whether a ``figure`` holds a photo, gallery or text-less embed rather than quoted text."""
    return next(figure.iterdescendants("blockquote", "table"), None) is None


class _BlockWalker:
    """Walk a content element depth first and emit blocks in reading order."""

    def __init__(self, skip: Iterable[etree._Element] = ()) -> None:
        self.blocks: list[Block] = []
        self.skip = set(skip)

    def emit(self, kind: BlockType, text: str) -> None:
        if kind == "preformatted":
            text = text.strip("\n")
            if text.strip():
                self.blocks.append({"type": kind, "text": text})
            return
        text = normalize_space(text)
        # A block that is only an ad's label goes (a heading "Advertising" is the story's).
        label = kind != "heading"
        if "\n\n" not in text:  # one piece, already stripped: nearly every paragraph
            if text and not (label and is_ad_label(text)):
                self.blocks.append({"type": kind, "text": text})
            return
        for piece in text.split("\n\n"):
            piece = piece.strip()
            if piece and not (label and is_ad_label(piece)):
                self.blocks.append({"type": kind, "text": piece})

    def walk(self, el: etree._Element, kind: BlockType = "paragraph") -> None:
        """Emit ``el``'s children: inline runs become ``kind`` blocks, block children recurse."""
        text = el.text
        run: list[str] = [text.replace("\n", " ")] if text else []
        skip = self.skip
        for child in el:
            tag = _tag(child)
            if not tag or child in skip or _is_chrome(child, tag):
                pass
            elif tag in BLOCK_TAGS:
                self.emit(kind, "".join(run))
                run = []
                self.block(child, kind, tag)
            else:
                append_text(child, run, is_chrome)
            tail = child.tail
            if tail:
                run.append(tail.replace("\n", " "))
        self.emit(kind, "".join(run))

    def block(self, el: etree._Element, kind: BlockType, tag: str) -> None:
        """Emit one block-level element (``tag``: its tag) according to what it is."""
        if tag in HEADING_TAGS:
            self.emit("heading", _inline_text(el).replace("\n", " "))
        elif tag == "blockquote":
            self.walk(el, "quote")
        elif tag in ("ul", "ol"):
            for item in el:
                if _tag(item) == "li" and not is_chrome(item):
                    self.walk(item, "list_item")
        elif tag == "li":
            self.walk(el, "list_item")
        elif tag == "pre":
            self.emit("preformatted", "".join(el.itertext()))
        elif tag == "table":
            self.table(el)
        elif tag == "hr" or (tag == "figure" and _is_media_figure(el)):
            return
        else:
            self.walk(el, kind)

    def table(self, el: etree._Element) -> None:
        """A table row per paragraph, cells separated by `` | ``: rare, but data must survive."""
        for row in el.iter("tr"):
            cells = [normalize_space(_inline_text(c)).replace("\n", " ")
                     for c in row if _tag(c) in ("td", "th")]
            self.emit("paragraph", " | ".join(c for c in cells if c))


def _inline_text(el: etree._Element) -> str:
    """``el``'s text without the chrome inside it."""
    out: list[str] = []
    append_text(el, out, is_chrome)
    return "".join(out)


def blocks_from(
    container: Selector | etree._Element | None, skip: Iterable[etree._Element] = ()
) -> list[Block]:
    """Typed text blocks of a content element, chrome and ``skip`` elements left out."""
    if container is None:
        return []
    root = container.root if isinstance(container, Selector) else container
    if not isinstance(root, etree._Element):
        return []
    walker = _BlockWalker(skip)
    walker.walk(root)
    return walker.blocks
