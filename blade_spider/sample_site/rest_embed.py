"""``_embedded`` objects of a REST post (``?_embed``): its author, terms and featured image.

WordPress embeds the objects a post links to in the same answer, so a client needs no request
per user, term or attachment. Shapes follow core's: ``author`` is a list of user objects (the
post's one author: co-authors are a plugin's business), ``wp:term`` a list of term lists
(categories, then tags), ``wp:featuredmedia`` a list of one attachment with its rendered
caption and alt text.
"""

from __future__ import annotations

import zlib

from blade_spider.sample_site.context import Context
from blade_spider.sample_site.model import Post, slugify
from blade_spider.sample_site.render import author_url, category_url, e, tag_url


def term_id(name: str) -> int:
    """A stable numeric id for an author, category or tag name."""
    return zlib.crc32(slugify(name).encode()) % 90_000 + 2


def embedded(ctx: Context, post: Post, names: list[str]) -> dict:
    """The embedded objects ``names`` asks for (all of them when it is empty)."""
    lead = next((image for image in post.images if image["featured"]), None)
    makers = {
        "author": lambda: [{"id": term_id(post.authors[0]), "name": post.authors[0],
                            "link": author_url(ctx, post.authors[0])}],
        "wp:term": lambda: [
            [{"id": term_id(c), "name": e(c), "taxonomy": "category",
              "link": category_url(ctx, c)} for c in post.categories],
            [{"id": term_id(t), "name": e(t), "taxonomy": "post_tag", "link": tag_url(ctx, t)}
             for t in post.tags],
        ],
        "wp:featuredmedia": lambda: [] if lead is None else [{
            "id": term_id(lead["url"]), "source_url": ctx.url(lead["url"]),
            "alt_text": lead["alt"] or "",
            "caption": {"rendered": f"<p>{e(lead['caption'])}</p>\n" if lead["caption"] else ""},
        }],
    }
    chosen = [name for name in names if name in makers] if names else list(makers)
    return {name: value for name in chosen if (value := makers[name]())}
