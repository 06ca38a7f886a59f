"""Machine-readable discovery documents: robots.txt, Yoast and core sitemaps, RSS feeds.

Each mirrors what its real producer prints, including the quirks a crawler must survive: Yoast
lists posts by modification time (an edited post moves to the last file), core sitemaps carry no
``lastmod``, and feeds name a wrong host in their self link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

from blade_spider.sample_site.context import WRONG_FEED_BASE, Context
from blade_spider.sample_site.index import newest_modified, page_count
from blade_spider.sample_site.model import Post, instant
from blade_spider.sample_site.render import (
    ISSUE_PATH,
    SITE_NAME,
    TAGLINE,
    display_title,
    excerpt,
    rich,
    utc_iso,
)

YOAST_PER_FILE = 1000
CORE_PER_FILE = 2000
FEED_SIZE = 10
#: Pages listed in ``page-sitemap.xml`` (the staff page is private and not listed).
PUBLIC_PAGES = ("/", "/about/", "/contact/", "/membership/", ISSUE_PATH)

_URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_XML = '<?xml version="1.0" encoding="UTF-8"?>'


def robots_txt(ctx: Context) -> str:
    """Rules for every agent, an optional crawl delay, and the sitemaps that are switched on
    (or the text a test set with ``SampleSite.set_robots``)."""
    if ctx.robots_override is not None:
        return ctx.robots_override
    options = ctx.options
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in (*options.robots_disallow, *ctx.extra_disallow)]
    if "/wp-admin/" in options.robots_disallow:
        lines.append("Allow: /wp-admin/admin-ajax.php")
    if options.crawl_delay is not None:
        lines.append(f"Crawl-delay: {options.crawl_delay:g}")
    lines.append("")
    if options.sitemaps:
        lines.append(f"Sitemap: {ctx.url('/sitemap_index.xml')}")
    if options.core_sitemaps:
        lines.append(f"Sitemap: {ctx.url('/wp-sitemap.xml')}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Yoast SEO sitemaps


def yoast_file_count(ctx: Context) -> int:
    return page_count(len(ctx.index.by_modified), YOAST_PER_FILE)


def yoast_chunk(ctx: Context, number: int) -> list[Post]:
    """The posts of ``post-sitemap{number}.xml`` (1-based), oldest modification first."""
    start = (number - 1) * YOAST_PER_FILE
    return ctx.index.by_modified[start : start + YOAST_PER_FILE]


def yoast_index(ctx: Context) -> str:
    """``/sitemap_index.xml``: every post sitemap with its newest ``lastmod``, then pages."""
    entries = []
    for number in range(1, yoast_file_count(ctx) + 1):
        chunk = yoast_chunk(ctx, number)
        name = "post-sitemap.xml" if number == 1 else f"post-sitemap{number}.xml"
        lastmod = f"<lastmod>{utc_iso(chunk[-1].modified)}</lastmod>" if chunk else ""
        entries.append(f"<sitemap><loc>{ctx.url('/' + name)}</loc>{lastmod}</sitemap>")
    entries.append(f"<sitemap><loc>{ctx.url('/page-sitemap.xml')}</loc></sitemap>")
    return (
        f'{_XML}<?xml-stylesheet type="text/xsl" href="{ctx.url("/main-sitemap.xsl")}"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</sitemapindex>\n"
    )


def yoast_posts(ctx: Context, posts: Iterable[Post]) -> str:
    """A ``post-sitemapN.xml``: URL, ``lastmod`` and the post's photos (``image:image``)."""
    entries = []
    for post in posts:
        images = "".join(
            f"<image:image><image:loc>{ctx.url(image['url'])}</image:loc></image:image>"
            for image in post.images
        )
        entries.append(
            f"<url><loc>{escape(ctx.url(post.path))}</loc>"
            f"<lastmod>{utc_iso(post.modified)}</lastmod>{images}</url>"
        )
    return (
        f'{_XML}\n{_URLSET} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )


def yoast_pages(ctx: Context) -> str:
    """``/page-sitemap.xml``: the home page and the static pages (not articles)."""
    entries = "\n".join(f"<url><loc>{ctx.url(path)}</loc></url>" for path in PUBLIC_PAGES)
    return f"{_XML}\n{_URLSET}>\n{entries}\n</urlset>\n"


# ---------------------------------------------------------------------------------------------
# WordPress core sitemaps (5.5+; no lastmod before 6.5)


def core_file_count(ctx: Context) -> int:
    return page_count(len(ctx.index.by_number), CORE_PER_FILE)


def core_index(ctx: Context) -> str:
    """``/wp-sitemap.xml``: post files, then the page, category and user sitemaps."""
    names = [f"wp-sitemap-posts-post-{n}.xml" for n in range(1, core_file_count(ctx) + 1)]
    names += ["wp-sitemap-posts-page-1.xml", "wp-sitemap-taxonomies-category-1.xml"]
    entries = "".join(f"<sitemap><loc>{ctx.url('/' + name)}</loc></sitemap>" for name in names)
    return (
        f'{_XML}\n<?xml-stylesheet type="text/xsl" href="{ctx.url("/wp-sitemap-index.xsl")}" ?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>\n"
    )


def core_urlset(ctx: Context, paths: Iterable[str]) -> str:
    """A core sitemap file: ``loc`` only, on one line as core prints it."""
    entries = "".join(f"<url><loc>{escape(ctx.url(path))}</loc></url>" for path in paths)
    return (
        f'{_XML}\n<?xml-stylesheet type="text/xsl" href="{ctx.url("/wp-sitemap.xsl")}" ?>\n'
        f"{_URLSET}>{entries}</urlset>\n"
    )


def core_posts(ctx: Context, number: int) -> str:
    """``wp-sitemap-posts-post-N.xml``: posts by id, 2,000 a file."""
    start = (number - 1) * CORE_PER_FILE
    return core_urlset(ctx, (p.path for p in ctx.index.by_number[start : start + CORE_PER_FILE]))


def core_pages(ctx: Context) -> str:
    return core_urlset(ctx, PUBLIC_PAGES)


def core_categories(ctx: Context) -> str:
    return core_urlset(ctx, (f"/category/{slug}/" for slug in ctx.index.categories))


# ---------------------------------------------------------------------------------------------
# RSS


def rss(ctx: Context, posts: Sequence[Post], *, title: str, path: str) -> str:
    """An RSS 2.0 feed of ``posts`` as WordPress prints it; ``atom:link rel=self`` carries a
    wrong host and port on purpose."""
    built = newest_modified(posts) or ctx.now
    items = "\n".join(_item(ctx, post) for post in posts)
    return f"""{_XML}<rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
\t<title>{escape(title)}</title>
\t<atom:link href="{WRONG_FEED_BASE}{escape(path)}" rel="self" type="application/rss+xml" />
\t<link>{ctx.url("/")}</link>
\t<description>{TAGLINE}</description>
\t<lastBuildDate>{rfc822(built)}</lastBuildDate>
\t<language>en-US</language>
{items}
</channel>
</rss>
"""


def _item(ctx: Context, post: Post) -> str:
    """One feed item; the link carries the ``utm_*`` parameters a feed plugin adds."""
    url = ctx.url(post.path)
    link = f"{url}?utm_source=rss&utm_medium=rss&utm_campaign={post.slug}"
    creators = "".join(f"\t\t<dc:creator>{cdata(name)}</dc:creator>\n" for name in post.authors)
    categories = "".join(f"\t\t<category>{cdata(c)}</category>\n" for c in post.categories)
    content = "" if post.protected else "".join(f"<p>{rich(t)}</p>" for _, t in post.blocks)
    return f"""\t<item>
\t\t<title>{escape(display_title(post))}</title>
\t\t<link>{escape(link)}</link>
\t\t<comments>{escape(url)}#respond</comments>
{creators}\t\t<pubDate>{rfc822(post.published)}</pubDate>
{categories}\t\t<guid isPermaLink="false">{ctx.url(f"/?p={post.id}")}</guid>
\t\t<description>{cdata(excerpt(post))}</description>
\t\t<content:encoded>{cdata(content)}</content:encoded>
\t\t<wfw:commentRss>{escape(url)}feed/</wfw:commentRss>
\t\t<slash:comments>{len(post.comments)}</slash:comments>
\t</item>"""


def comments_rss(ctx: Context, post: Post) -> str:
    """``/YYYY/MM/DD/slug/feed/``: the post's comments, oldest first."""
    url = ctx.url(post.path)
    items = "\n".join(
        f"""\t<item>
\t\t<title>By: {escape(c["author"])}</title>
\t\t<link>{escape(url)}#comment-{c["id"]}</link>
\t\t<dc:creator>{cdata(c["author"])}</dc:creator>
\t\t<pubDate>{rfc822(c["published"])}</pubDate>
\t\t<guid isPermaLink="false">{ctx.url(f"/?p={post.id}")}#comment-{c["id"]}</guid>
\t\t<description>{cdata(c["text"])}</description>
\t</item>"""
        for c in sorted(post.comments, key=lambda c: instant(c["published"]))
    )
    return f"""{_XML}<rss version="2.0"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom">
<channel>
\t<title>Comments on: {escape(display_title(post))}</title>
\t<atom:link href="{WRONG_FEED_BASE}{escape(post.path)}feed/" rel="self" \
type="application/rss+xml" />
\t<link>{escape(url)}</link>
\t<description>{TAGLINE}</description>
\t<lastBuildDate>{rfc822(post.modified)}</lastBuildDate>
{items}
</channel>
</rss>
"""


def rfc822(moment: datetime) -> str:
    """``Tue, 05 Sep 2017 22:37:00 +0000``: feeds speak GMT."""
    return format_datetime(moment.astimezone(timezone.utc))


def cdata(text: str) -> str:
    """A CDATA section that survives a ``]]>`` inside the text."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def channel_title(name: str | None) -> str:
    """``Washington Blade`` or ``News Archives - Washington Blade`` for a category feed."""
    return f"{name} Archives - {SITE_NAME}" if name else SITE_NAME
