"""Reading a sitemap safely: an XML parser that refuses DTDs, whatever the encoding.

A sitemap is untrusted input. It is parsed with lxml set to resolve no entity, load no DTD and
reach no network, and refused whole when it carries a document type declaration at all (the only
way to declare an entity), wherever in the file it sits: a byte scan of the first 64 KiB was
blind to one placed after a long comment. The parser reads the encoding from a byte-order mark
or the XML declaration, so a UTF-8 file with a BOM or a UTF-16 one reads like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

_PARSER_OPTIONS = {
    "resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False,
    "remove_comments": True, "remove_pis": True,
}


DTD_REFUSED = "refused: the sitemap declares a DTD or entities (entity expansion / XXE)"


class SitemapRefused(ValueError):
    """The body is not a sitemap this crawler reads; the message says why."""


def _local(tag: object) -> str:
    """``{namespace}name`` → ``name`` (sitemaps come with and without their namespace)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass
class Sitemap:
    """A parsed sitemap: ``kind`` is ``urlset`` or ``sitemapindex``; ``entries`` its ``<url>``
    or ``<sitemap>`` children as ``{"loc": ..., "lastmod": ...}``."""

    kind: str
    entries: list[dict[str, str]] = field(default_factory=list)

    def __iter__(self) -> Iterator[dict[str, str]]:
        return iter(self.entries)


def read_sitemap(body: bytes) -> Sitemap:
    """The sitemap in ``body`` (already gunzipped); raises :class:`SitemapRefused`."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 keeps its byte-order mark
        body = body.lstrip()  # plugins often print a newline before the XML declaration
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        # libxml2 stops an entity bomb before the document is whole (amplification limit)
        if "entity" in (exc.msg or "").lower():
            raise SitemapRefused(DTD_REFUSED) from None
        raise SitemapRefused(f"not a sitemap (not XML: {exc.msg})") from None
    if root is None:
        raise SitemapRefused("not a sitemap (empty)")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SitemapRefused(DTD_REFUSED)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapRefused("not a sitemap (no urlset or index)")
    child = "url" if kind == "urlset" else "sitemap"
    entries = []
    for element in root:
        if _local(element.tag) != child:
            continue
        entry = {_local(part.tag): (part.text or "").strip() for part in element}
        if entry.get("loc"):
            entries.append(entry)
    return Sitemap(kind, entries)
