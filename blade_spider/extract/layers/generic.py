"""Last resort for the body: trafilatura's main-content extraction.

When no markup layer finds the article text (a redesign nobody has taught the parser yet), a
generic extractor still yields a body, so the record degrades instead of emptying; the record's
``crawl.parser_layers.body == "generic"`` tells researchers and the redesign monitor.
"""

from __future__ import annotations

import logging

import trafilatura
from lxml import etree

from blade_spider.extract.blocks import Block
from blade_spider.extract.layers.base import Layer, reader

logger = logging.getLogger(__name__)

#: trafilatura's XML elements and the block types they are.
_BLOCK_TYPES = {"p": "paragraph", "head": "heading", "quote": "quote", "item": "list_item",
                "code": "preformatted"}


class GenericLayer(Layer):
    """trafilatura, asked for the body only."""

    name = "generic"

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        try:
            xml = trafilatura.extract(
                self.page.response.text, url=self.page.url, output_format="xml",
                include_comments=False, include_tables=True, include_images=False,
                include_formatting=False, include_links=False, favor_precision=True,
                with_metadata=False,
            )
        except Exception as exc:  # trafilatura must never take the record down with it
            logger.warning("Generic extraction failed on %s: %s", self.page.url, exc)
            return None
        if not xml:
            return None
        root = etree.fromstring(xml.encode("utf-8"))
        blocks: list[Block] = []
        for el in root.iter(*_BLOCK_TYPES):
            if el.tag == "p" and el.getparent() is not None and el.getparent().tag == "quote":
                continue  # the quote as a whole is the block
            text = "".join(el.itertext())
            if text.strip():
                blocks.append({"type": _BLOCK_TYPES[el.tag], "text": text})
        return blocks or None
