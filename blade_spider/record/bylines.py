"""Byline strings to a list of people.

A byline is printed for readers (``by Lou Chibbaro Jr. and Michael K. Lavers``, ``By JOHN DOE,
Contributing Writer``); researchers need one entry per person. Accents and capitalisation are
kept as published.
"""

from __future__ import annotations

import re

from blade_spider.record.text import lowered

_LEADING_BY = re.compile(r"^\s*(?:(?:posted|written|story|text)\s+)?by\s*:?\s+", re.IGNORECASE)
_FOLLOW = re.compile(r"\bfollow\s+(?:@?[\w.\-’']+)(?:\s+on\s+\w+)?", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_PEOPLE_SEPARATOR = re.compile(r"\s*(?:,?\s+and\s+|\s*&\s*|\s*;\s*|\s*\|\s*)\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|ph\.d|md|m\.d|esq)\.?$", re.IGNORECASE)
_ROLE_WORDS = re.compile(
    r"\b(?:writer|editor|reporter|correspondent|contributor|columnist|special to|staff writer|"
    r"intern|photographer|publisher|producer|director|president|chair|executive|founder|"
    r"author of|is a|is the)\b"
)  # matched against lowercased text (``lowered``)


def _is_role(part: str) -> bool:
    """A comma part that describes the person instead of naming one."""
    return lowered(_ROLE_WORDS, part) or part[:1].islower()


#: Author links that name the person inside a phrase ("View all of X's posts").
_LINK_PHRASES = (
    re.compile(r"^view all (?:of )?(?P<name>.+?)(?:'s|’s) posts\.?$", re.IGNORECASE),
    re.compile(r"^(?:view all |more )?(?:posts|articles|stories) by (?P<name>.+)$",
               re.IGNORECASE),
    re.compile(r"^more from (?P<name>.+)$", re.IGNORECASE),
)


def split_authors(raw: str | None) -> list[str]:
    """Split a byline into names: no "by", no roles, no "Follow X", one entry per person."""
    if not raw:
        return []
    text = " ".join(raw.split())
    for phrase in _LINK_PHRASES:
        match = phrase.match(text)
        if match:
            text = match.group("name")
            break
    text = _FOLLOW.sub("", text)
    text = _EMAIL.sub("", text)
    text = _HANDLE.sub("", text)
    text = _LEADING_BY.sub("", text).strip(" ,;|-–—")
    names: list[str] = []
    for index, part in enumerate(p.strip() for p in text.split(",")):
        part = re.sub(r"(?i)^and\s+", "", part)
        if not part:
            continue
        if _SUFFIX.match(part) and names:
            names[-1] = f"{names[-1]} {part}"
            continue
        if index > 0 and _is_role(part):
            continue
        for name in _PEOPLE_SEPARATOR.split(part):
            name = _LEADING_BY.sub("", name).strip(" .,;:|-–—").strip()
            if name and not _is_role_only(name):
                names.append(_restore_period(name, part))
    return list(dict.fromkeys(names))


def _is_role_only(name: str) -> bool:
    return _ROLE_WORDS.fullmatch(name.lower()) is not None


def _restore_period(name: str, source: str) -> str:
    """Put back a final period stripped from an initial or suffix (``Jr.``) if the source had it."""
    if source.find(name + ".") >= 0 and re.search(r"(?:\b[A-Z]|Jr|Sr)$", name):
        return name + "."
    return name
