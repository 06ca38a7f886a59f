"""Photo captions and their credits.

The Blade ends a caption with its credit in parentheses: ``... (Washington Blade photo by Michael
Key)``, ``(Photo by X; courtesy Wikimedia Commons)``, ``(Photo public domain)``, ``(Screenshot via
YouTube)``; some captions are only the credit, some put it on its own line, a few have none. The
caption is kept whole, as shown; the credit is also given alone so photographers can be counted.
A trailing parenthetical that is not a credit (``Sen. Tim Kaine (D-Va.)``) is left alone.
"""

from __future__ import annotations

import re

from blade_spider.record.text import lowered, single_line

_CREDIT_WORDS = re.compile(
    r"\b(?:photo|photos|photograph|courtesy|screenshot|screen\s?grab|image|images|via|montage|"
    r"public domain|illustration|graphic|file|video|still|credit|handout|rendering|wikimedia|"
    r"getty|reuters|associated press|ap|shutterstock|istock|flickr|instagram|twitter|youtube)\b"
    r"|©"
)  # matched against lowercased text (``lowered``)
_TRAILING_PARENTHETICAL = re.compile(r"[(\[]([^()\[\]]+)[)\]]\s*$")
_CREDIT_ONLY = re.compile(
    r"^(?:(?:washington blade\s+)?(?:file\s+)?(?:photo|photos|screenshot|image)\b|courtesy\b|©)",
    re.IGNORECASE,
)


def clean_caption(raw: str | None) -> str | None:
    """The caption as one line of text, or ``None`` when empty."""
    text = single_line(raw)
    return text or None


def split_credit(caption: str | None) -> str | None:
    """The credit of a caption without its parentheses, or ``None`` when it names none."""
    if not caption:
        return None
    match = _TRAILING_PARENTHETICAL.search(caption)
    if match and lowered(_CREDIT_WORDS, match.group(1)):
        return match.group(1).strip()
    if _CREDIT_ONLY.match(caption) and len(caption) < 120:
        return caption.strip()
    return None
