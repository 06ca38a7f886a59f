"""Article photos with their captions, however a theme wraps them.

Themes caption a photo in a ``figure``/``figcaption`` (block editor), a ``div.wp-caption`` with a
``.wp-caption-text`` (classic editor), or an element with ``caption`` in its class right after the
photo (the Blade's templates). :func:`caption_of` tries these in that order, so a new theme that
keeps any of these habits needs no new code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from urllib.parse import urlsplit

from lxml import etree

from blade_spider.extract.blocks import (
    AD_PLUGIN_CLASSES,
    PAGE_TAGS,
    is_ad_label,
    is_chrome,
    layout_classes,
)
from blade_spider.record.items import Image
from blade_spider.record.text import element_text, lowered, single_line
from blade_spider.urls import absolute_url, bare_host

# The word lists below are matched against lowercased text
# (see ``blade_spider.record.text.lowered``).
_PLACEHOLDER = re.compile(r"^data:|blank\.gif|spacer\.gif|placeholder|lazy[-_]?load|1x1\.")
_NOT_A_PHOTO = re.compile(
    r"avatar|gravatar|emoji|wp-smiley|logo|icon|sprite|pixel|badge|button|spinner|loader|"
    r"/ads?/|doubleclick|feedburner|s\.w\.org"
)
_CAPTION_CLASS = re.compile(
    r"caption|credit|legend|(?:^|[\s_-])cap(?:$|[\s_-])|(?:photo|img|image)-?text|desc"
)
_PHOTO_WRAPPER = re.compile(r"photo|image|img|figure|media|pic")
_MAX_CAPTION = 600
#: Containers whose images are page furniture even inside the content element.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:ad|ads|advert|advertisement|adsbygoogle|sponsor|sponsored|promo|share|"
    r"sharing|social|related|relatedposts|author|bio|widget|newsletter|subscribe|"
    + AD_PLUGIN_CLASSES + r")(?:$|[\s_-])"
)
#: The IAB's standard display-ad sizes (width, height): a linked image of one of these sizes
#: pointing at another site is a banner, whatever box it stands in.
_AD_SIZES = frozenset({
    (728, 90), (970, 90), (970, 250), (468, 60), (234, 60), (300, 250), (336, 280), (250, 250),
    (200, 200), (300, 600), (160, 600), (120, 600), (300, 1050), (320, 50), (320, 100),
    (300, 50), (180, 150), (125, 125),
})
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|tiff?|bmp)$")
_WP_CAPTION_TEXT = etree.XPath(".//*[contains(@class, 'wp-caption-text') or self::figcaption]")
_LAZY_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-orig-file")
_MIN_SIDE = 80
#: Elements whose text makes a paragraph of the body (a heading does not: a photo under the
#: story's first heading still leads it).
_TEXT_BLOCKS = ("p", "li", "blockquote", "pre")


def _classes(el: etree._Element) -> str:
    return el.get("class", "") if isinstance(el.tag, str) else ""


def _url_candidates(img: etree._Element) -> Iterator[str]:
    """Where a photo's URL may be, best first; read one at a time, since ``src`` nearly always
    answers and each attribute lookup walks the element's attribute list."""
    yield img.get("src", "")
    for attribute in _LAZY_ATTRIBUTES:
        yield img.get(attribute, "")
    srcset = img.get("srcset") or img.get("data-srcset") or ""
    if srcset:
        yield srcset.split(",")[0].strip().split(" ")[0]


def image_url(img: etree._Element, base_url: str) -> str | None:
    """The photo's absolute URL: ``src``, or the lazy-loading attribute when ``src`` is a stub."""
    for candidate in _url_candidates(img):
        candidate = candidate.strip()
        if candidate and not lowered(_PLACEHOLDER, candidate):
            return absolute_url(base_url, candidate)
    return None


def is_photo(img: etree._Element, url: str | None) -> bool:
    """False for avatars, emoji, logos, tracking pixels and other images that are no photo."""
    if not url or lowered(_NOT_A_PHOTO, f"{url} {_classes(img)} {img.get('id', '')}"):
        return False
    for side in ("width", "height"):
        value = img.get(side, "")
        if value.isdigit() and int(value) < _MIN_SIDE:
            return False
    return True


def is_ad_banner(img: etree._Element, base_url: str) -> bool:
    """Whether ``img`` is a banner: a standard ad size, in a link to a page of another site
    than the page's. A photo linking to its own page, or to its image file (on a CDN too:
    Jetpack serves photos from ``i0.wp.com``), is none."""
    width, height = img.get("width", ""), img.get("height", "")
    if not (width.isdigit() and height.isdigit()) or (int(width), int(height)) not in _AD_SIZES:
        return False
    link = next((a for a in islice(img.iterancestors(), 3) if a.tag == "a"), None)
    href = urlsplit(link.get("href", "") if link is not None else "")
    target = bare_host(href.hostname)
    return (target != "" and target != bare_host(urlsplit(base_url).hostname)
            and not _IMAGE_FILE.search(href.path.lower()))


def _caption_text(el: etree._Element) -> str | None:
    return single_line(element_text(el)) or None


def _next_caption_sibling(el: etree._Element) -> etree._Element | None:
    sibling = el.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if sibling is not None and (
        sibling.tag == "figcaption" or lowered(_CAPTION_CLASS, _classes(sibling))
    ):
        return sibling
    return None


def caption_of(img: etree._Element) -> str | None:
    """The caption shown with ``img`` (credit included), or ``None``."""
    ancestors = list(islice(img.iterancestors(), 4))
    classes = [_classes(ancestor) for ancestor in ancestors]
    for ancestor, names in zip(ancestors, classes, strict=True):
        if ancestor.tag == "figure":
            caption = next(ancestor.iterdescendants("figcaption"), None)
            return _caption_text(caption) if caption is not None else None
        if "wp-caption" in names and "wp-caption-text" not in names:
            captions = _WP_CAPTION_TEXT(ancestor)
            return _caption_text(captions[0]) if captions else None
    for el in [img, *ancestors[:2]]:
        sibling = _next_caption_sibling(el)
        if sibling is not None:
            return _caption_text(sibling)
    for ancestor, names in zip(ancestors[:2], classes[:2], strict=True):
        if lowered(_PHOTO_WRAPPER, names):
            return _lone_text_child(ancestor, img)
    return None


def _lone_text_child(wrapper: etree._Element, img: etree._Element) -> str | None:
    """In a photo wrapper holding the photo and one short text element, that text."""
    texts = [child for child in wrapper if isinstance(child.tag, str) and img not in
             child.iter() and single_line(element_text(child))]
    if len(texts) == 1:
        text = _caption_text(texts[0])
        if text and len(text) <= _MAX_CAPTION:
            return text
    return None


def photo(img: etree._Element, base_url: str, featured: bool = False) -> Image | None:
    """An :class:`Image` for an ``img`` element, or ``None`` when it is not an article photo."""
    url = image_url(img, base_url)
    if not is_photo(img, url) or is_ad_banner(img, base_url):
        return None
    assert url is not None
    alt = single_line(img.get("alt")) or None
    return Image(url=url, alt=alt, caption=caption_of(img), featured=featured)


@lru_cache(maxsize=1024)
def _furniture_classes(classes: str) -> bool:
    """Whether a class list marks furniture (cached: themes repeat their class lists); the
    post's own term classes are none (see :func:`blade_spider.extract.blocks.layout_classes`)."""
    return lowered(_FURNITURE, layout_classes(classes))


def _is_furniture(el: etree._Element) -> bool:
    if el.tag in PAGE_TAGS:
        return False
    return _furniture_classes(_classes(el)) or lowered(_FURNITURE, el.get("id", ""))


def _in_furniture(img: etree._Element, scope: etree._Element) -> bool:
    """Whether a box inside ``scope`` (the content) holds ``img`` as furniture; the boxes
    around the content hold the whole story, so their classes never make a photo furniture."""
    for ancestor in img.iterancestors():
        if ancestor is scope:
            return False
        if _is_furniture(ancestor):
            return True
    return False


def _is_paragraph(el: etree._Element, scope: etree._Element) -> bool:
    """Whether ``el`` (a text block element) is a paragraph of the story: it has text, and
    neither it nor a box around it inside ``scope`` is chrome (a caption, a widget, an ad)."""
    if is_chrome(el) or any(is_chrome(a) for a in _ancestors_within(el, scope)):
        return False
    text = element_text(el)
    return bool(text) and not is_ad_label(text)


def _ancestors_within(el: etree._Element, scope: etree._Element) -> Iterator[etree._Element]:
    for ancestor in el.iterancestors():
        if ancestor is scope:
            return
        yield ancestor


def photos_in(scope: etree._Element | None, base_url: str, lead: bool = False) -> list[Image]:
    """Every article photo inside ``scope`` in document order, each URL once.

    With ``lead`` (the page shows no featured image), a photo standing before the body's first
    paragraph is the lead photo (``featured``); a photo further down never is: the first
    photo of a list article may sit under its twelfth item, and its caption is no lead's.
    """
    if scope is None:
        return []
    found: list[Image] = []
    seen: set[str] = set()
    for el in scope.iter("img", *_TEXT_BLOCKS):
        if el.tag != "img":
            lead = lead and not _is_paragraph(el, scope)
            continue
        if _in_furniture(el, scope):
            continue
        image = photo(el, base_url, featured=lead)
        if image and image.url not in seen:
            seen.add(image.url)
            found.append(image)
            lead = False
    return found
