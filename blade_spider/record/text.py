"""Text from HTML the way a reader sees it.

Why not ``html_text``: it guesses spaces between inline elements, so ``<a>Tillerson</a>’s`` becomes
``Tillerson ’s``. A news archive must keep the published text exactly, so inline text is joined
as a browser renders it: text nodes concatenated, runs of whitespace (no-break spaces included)
collapsed, and only ``<br>`` kept as a line break.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml import etree
from parsel import Selector

#: Elements whose content is never text a reader sees.
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})

_SPACES = re.compile(r"[^\S\n]+")
_SPACES_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize_space(text: str | None) -> str:
    """Collapse whitespace (keeping single line breaks) and strip; ``None`` gives ``""``."""
    if not text:
        return ""
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        # Already normal (the loader sees the walker's text again): every whitespace character
        # but the plain space is unprintable, so there is nothing to collapse or strip.
        return text
    if "\n" not in text and "\r" not in text:
        return " ".join(text.split())  # the usual one-line case: the same result, no regex
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES_AROUND_NEWLINE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def lowered(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` (lowercase words) occurs in ``text`` in any letter case.

    Why not ``re.IGNORECASE``: ``re`` cannot skip ahead to a literal under it, so a long
    alternation of words costs three to ten times as much as the same search on lowercased text.
    """
    return text != "" and pattern.search(text.lower()) is not None


def single_line(text: str | None) -> str:
    """Collapse all whitespace, line breaks included, to single spaces."""
    return " ".join((text or "").split())


def decode_cfemail(encoded: str) -> str | None:
    """Decode a Cloudflare-protected e-mail address from its ``data-cfemail`` hex string.

    The first byte is the XOR key for every following byte. Returns ``None`` for malformed input
    rather than raising: a broken widget must not lose the rest of the paragraph.
    """
    try:
        data = bytes.fromhex(encoded)
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _is_cfemail(el: etree._Element) -> bool:
    return "data-cfemail" in el.attrib


def _source_whitespace(text: str) -> str:
    """Line breaks in HTML source are spaces to a reader; only ``<br>`` breaks a line."""
    return text.replace("\r", " ").replace("\n", " ")


def append_text(el: etree._Element, out: list[str],
                excluded: Callable[[etree._Element], bool] | None = None) -> None:
    """Append the visible text of ``el`` to ``out`` in document order, ``<br>`` as ``"\\n"``.

    Children for which ``excluded`` is true (and their subtrees) are left out, but their tails
    are kept because the tail is text of the parent; ``el`` itself is the caller's to check.
    One recursive function filling one list: a generator per element (``yield from`` down the
    tree) cost twice as much on every text the layers read.
    """
    tag = el.tag
    if not isinstance(tag, str) or tag in INVISIBLE_TAGS:
        return
    if tag == "br":
        out.append("\n")
        return
    if _is_cfemail(el):
        decoded = decode_cfemail(el.attrib["data-cfemail"])
        out.append(decoded if decoded is not None else "".join(el.itertext()))
        return
    text = el.text  # each read of a text or tail builds a new string: read once
    if text:
        out.append(_source_whitespace(text))
    for child in el:
        if excluded is None or not excluded(child):
            append_text(child, out, excluded)
        tail = child.tail
        if tail:
            out.append(_source_whitespace(tail))


def element_text(sel: Selector | etree._Element | None, skip: Iterable = ()) -> str:
    """The normalised visible text of a selector or element (``""`` for ``None``)."""
    if sel is None:
        return ""
    root = sel.root if isinstance(sel, Selector) else sel
    if isinstance(root, str):  # a text or attribute selector
        return normalize_space(root)
    skipped = {s.root if isinstance(s, Selector) else s for s in skip}
    if root in skipped:
        return ""
    out: list[str] = []
    append_text(root, out, skipped.__contains__ if skipped else None)
    return normalize_space("".join(out))
