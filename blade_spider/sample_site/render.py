"""HTML building blocks and every page that is not an article (``articles.py`` has those).

Every function returns a ``str`` built with f-strings; every value from a post goes through
``e`` (HTML escaping). The chrome repeats WordPress habits that trip crawlers: alternate URLs
for the same article, offsite links, a dead link and a link into a robots-disallowed path.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from blade_spider.sample_site.context import LIVE_BASES, Context
from blade_spider.sample_site.index import PER_PAGE, page_count
from blade_spider.sample_site.model import Post, slugify

SITE_NAME = "Washington Blade"
TAGLINE = "LGBTQ News, Politics, LGBTQ Rights, Gay News"
TITLE_SUFFIX = f"{SITE_NAME}: {TAGLINE}"
DEAD_LINK = "/2016/02/29/story-that-was-unpublished/"
OFFSITE_LINK = "https://example.org/partner-story/"
PRIVATE_LINK = "/private/staff-directory/"
NAV_SECTIONS = ("News", "Local", "National", "Opinions", "Arts & Entertainment", "Virginia")

#: Ways the site links to one article besides its permalink (see ``variant_url``).
VARIANTS = (
    "utm",
    "replytocom",
    "comments",
    "amp",
    "comment_page",
    "no_slash",
    "www",
    "bare",
    "rel",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def e(text: str) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(text, quote=True)


# ---------------------------------------------------------------------------------------------
# Small pieces


def long_date(moment: datetime) -> str:
    """``September 5, 2017``."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def clock(moment: datetime) -> str:
    """``6:37 pm``: WordPress's ``g:i a``."""
    return f"{moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


def utc_iso(moment: datetime) -> str:
    """``2017-09-05T22:37:00+00:00``: how Yoast prints dates in meta tags and JSON-LD."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def time_ago(moment: datetime, now: datetime) -> str:
    """Zox's ``human_time_diff`` line: ``3 years ago``."""
    seconds = max(0, (now - moment).total_seconds())
    for unit, size in (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    hours = max(1, int(seconds // 3600))
    return f"{hours} hour{'s' if hours > 1 else ''} ago"


def cfemail(address: str) -> str:
    """An address hidden the way Cloudflare does it: hex of a key byte, then each UTF-8 byte
    XOR the key; the page shows ``[email protected]`` and the extractor must decode it."""
    key = hashlib.sha1(address.encode()).digest()[0] | 1
    encoded = f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in address.encode())
    return (
        f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
        f'data-cfemail="{encoded}">[email&#160;protected]</a>'
    )


def rich(text: str) -> str:
    """Block text as HTML: escaped, e-mail addresses protected, line breaks as ``<br>``."""
    pieces = _EMAIL.split(text)
    addresses = [cfemail(found) for found in _EMAIL.findall(text)]
    out = [e(pieces[0])]
    for address, piece in zip(addresses, pieces[1:], strict=True):
        out += [address, e(piece)]
    return "".join(out).replace("\n", "<br>")


def variant_url(ctx: Context, post: Post, kind: str) -> str:
    """One of the many URLs under which WordPress pages link the same article."""
    path = post.path
    url = ctx.url(path)
    reply = f"?replytocom={post.comments[0]['id']}" if post.comments else ""
    forms = {
        "utm": f"{url}?utm_source=rss&utm_medium=rss",
        "replytocom": f"{url}{reply}#respond",
        "comments": f"{url}#comments",
        "amp": f"{url}amp/",
        "comment_page": f"{url}comment-page-2/#comments",
        "no_slash": url[:-1],
        "www": LIVE_BASES[0] + path,
        "bare": LIVE_BASES[1] + path,
        "rel": path,
    }
    return forms[kind]


def author_url(ctx: Context, name: str) -> str:
    return ctx.url(f"/author/{slugify(name)}/")


def category_url(ctx: Context, name: str) -> str:
    return ctx.url(f"/category/{slugify(name)}/")


def tag_url(ctx: Context, name: str) -> str:
    return ctx.url(f"/tag/{slugify(name)}/")


def display_title(post: Post) -> str:
    """The title as WordPress shows it: protected posts get a ``Protected:`` prefix."""
    return f"Protected: {post.title}" if post.protected else post.title


def excerpt(post: Post) -> str:
    """A one-line summary for teasers, feeds and meta descriptions."""
    if post.protected:
        return "There is no excerpt because this is a protected post."
    text = post.dek or (post.blocks[0][1] if post.blocks else "")
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + " …"


# ---------------------------------------------------------------------------------------------
# Document chrome shared by every HTML page


def document(
    ctx: Context,
    *,
    title: str | None,
    body_class: str,
    main: str,
    canonical: str | None = None,
    head: str = "",
    aside: str = "",
) -> str:
    """A full page: head, navigation, content, sidebar and footer.

    The chrome uses neutral class names: theme markup (``mvp-`` classes, ``date-author``) only
    appears where the real designs put it, so layout detection sees what it would see live.
    ``title`` None prints the bare site title (what WordPress does for an untitled post).
    """
    full_title = f"{e(title)} - {e(TITLE_SUFFIX)}" if title else e(TITLE_SUFFIX)
    links = f'<link rel="canonical" href="{e(canonical)}">\n' if canonical else ""
    if ctx.options.feed:
        links += (
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" '
            f'href="{ctx.url("/feed/")}">\n'
        )
    if ctx.options.rest_api:
        links += f'<link rel="https://api.w.org/" href="{ctx.url("/wp-json/")}">\n'
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{full_title}</title>
{links}{head}</head>
<body class="{body_class}">
<div id="page" class="site">
{navigation(ctx)}
<div id="content-wrap" class="content-sidebar-wrap">
<main id="primary">
{main}
</main>
<aside id="secondary" class="widget-area">
{connect_widget()}
{aside}
</aside>
</div>
{footer(ctx)}
</div>
</body>
</html>
"""


def navigation(ctx: Context) -> str:
    """The main menu; links to section archives that exist, while archives are switched on."""
    items = [f'<li><a href="{ctx.url("/")}">Home</a></li>']
    if ctx.options.archives:
        present = ctx.index.categories
        items += [
            f'<li><a href="{category_url(ctx, n)}">{e(n)}</a></li>'
            for n in NAV_SECTIONS
            if slugify(n) in present
        ]
    items += [
        f'<li><a href="{ctx.url("/issues/2019-10-18/")}">Print Issues</a></li>',
        f'<li><a href="{ctx.url("/membership/")}">Membership</a></li>',
    ]
    return f"""<header id="masthead">
<div class="site-logo"><a href="{ctx.url("/")}">{SITE_NAME}</a></div>
<nav id="site-navigation"><ul class="menu">{"".join(items)}</ul></nav>
<form method="get" id="searchform" action="{ctx.url("/")}"><input type="text" name="s"></form>
</header>"""


def connect_widget() -> str:
    """The "Connect with us" social widget: share chrome, offsite links only."""
    links = "".join(
        f'<li><a href="https://example.org/{name.lower()}/washblade" rel="noopener">{name}</a></li>'
        for name in ("Facebook", "Twitter", "Instagram")
    )
    return f'<div class="widget widget-social"><h4>Connect with us</h4><ul>{links}</ul></div>'


def footer(ctx: Context) -> str:
    """Copyright line plus the footer menu, with one dead, one offsite and one robots-disallowed
    link so crawls meet all three."""
    return f"""<footer id="colophon">
<ul class="footer-menu">
<li><a href="{ctx.url("/about/")}">About</a></li>
<li><a href="{ctx.url("/contact/")}">Contact</a></li>
<li><a href="{ctx.url(PRIVATE_LINK)}">Staff</a></li>
<li><a href="{ctx.url(DEAD_LINK)}">From the archives</a></li>
<li><a href="{OFFSITE_LINK}">Our partners</a></li>
</ul>
<p class="copyright">&copy; Copyright Brown, Naff, Pitts Omnimedia, Inc. {ctx.now.year}. \
All rights reserved.</p>
</footer>"""


def popular(ctx: Context, posts: Iterable[Post], first_kind: int = 0) -> str:
    """A "Popular" sidebar whose links use every alternate URL form in turn."""
    items = "".join(
        f'<li><a href="{e(variant_url(ctx, post, VARIANTS[(first_kind + i) % len(VARIANTS)]))}">'
        f"{e(display_title(post))}</a></li>"
        for i, post in enumerate(posts)
    )
    if not items:
        return ""
    return f'<div class="widget widget-popular"><h4>Popular</h4><ol>{items}</ol></div>'


# ---------------------------------------------------------------------------------------------
# Article bodies


#: What Ad Inserter, the ad plugin, puts between a story's paragraphs: a label and a banner
#: linking to the advertiser (the current design shows one after the second paragraph).
INLINE_AD = (
    "<div class='code-block code-block-2' style='margin: 8px 0; clear: both;'>"
    "<p style='text-align: center;'>Advertisement</p><a href='https://example.org/spring-gala'>"
    "<img src='https://example.org/banners/spring-gala.jpg' width='300' height='250' alt=''>"
    "</a></div>"
)


def blocks_html(
    ctx: Context, post: Post, figure: Callable[[Context, dict], str], heading: str = "h2",
    ad: str = "",
) -> str:
    """The blocks in order, consecutive list items as one list and consecutive quote paragraphs
    as one blockquote, with the inline (non-featured) photos spread between the groups and
    ``ad`` after the second group."""
    groups = grouped(post.blocks)
    slots = inline_slots(post, len(groups))
    out = []
    for i, (kind, texts) in enumerate(groups):
        out.append(_group_html(kind, texts, heading))
        out.extend(figure(ctx, image) for image in slots.get(i, []))
        if i == 1 and ad:
            out.append(ad)
    return "\n".join(out)


def inline_slots(post: Post, groups: int) -> dict[int, list[dict]]:
    """Where the inline (non-featured) photos go: after which group of blocks, spread evenly,
    every photo placed, in order."""
    inline = [image for image in post.images if not image["featured"]]
    slots: dict[int, list[dict]] = {}
    for k, image in enumerate(inline):
        slot = max(0, ((k + 1) * groups) // (len(inline) + 1) - 1)
        slots.setdefault(slot, []).append(image)
    return slots


def grouped(blocks: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Runs of list items and of quotes merged; every other block on its own."""
    groups: list[tuple[str, list[str]]] = []
    for kind, text in blocks:
        if groups and kind in ("list_item", "quote") and groups[-1][0] == kind:
            groups[-1][1].append(text)
        else:
            groups.append((kind, [text]))
    return groups


def _group_html(kind: str, texts: list[str], heading: str) -> str:
    if kind == "list_item":
        return "<ul>" + "".join(f"<li>{rich(t)}</li>" for t in texts) + "</ul>"
    if kind == "quote":
        paragraphs = "".join(f"<p>{rich(t)}</p>" for t in texts)
        return f'<blockquote class="wp-block-quote">{paragraphs}</blockquote>'
    if kind == "heading":
        return f"<{heading}>{rich(texts[0])}</{heading}>"
    return f"<p>{rich(texts[0])}</p>"


def caption_html(caption: str, split_credit: bool) -> str:
    """A caption, with the credit on a line of its own for some posts (as the site does)."""
    if split_credit and caption.endswith(")") and " (" in caption:
        text, credit = caption.rsplit(" (", 1)
        return f"{e(text)}<br>({e(credit)}"
    return e(caption)


# ---------------------------------------------------------------------------------------------
# Listings: home, archives, search


def teaser(ctx: Context, post: Post) -> str:
    """One story in a list: the Zox theme's blog-story markup, linked by permalink."""
    return f"""<article class="mvp-blog-story-wrap left relative">
<a href="{e(ctx.url(post.path))}" rel="bookmark"><div class="mvp-blog-story-text">
<div class="mvp-cat-date-wrap"><span class="mvp-cd-cat">{e(post.section)}</span>
<span class="mvp-cd-date">{time_ago(post.published, ctx.now)}</span></div>
<h2>{e(display_title(post))}</h2><p>{e(excerpt(post))}</p></div></a>
<span class="teaser-byline">By {e(" and ".join(post.authors))}</span>
</article>"""


def pagination(ctx: Context, base_path: str, page: int, pages: int, query: str = "") -> str:
    """WordPress's ``paginate_links`` output: prev, a few numbers, ``a.next.page-numbers``."""

    def href(number: int) -> str:
        return e(ctx.url(base_path if number == 1 else f"{base_path}page/{number}/") + query)

    parts = []
    if page > 1:
        parts.append(f'<a class="prev page-numbers" href="{href(page - 1)}">« Previous</a>')
    for number in range(max(1, page - 2), min(pages, page + 2) + 1):
        parts.append(
            f'<span aria-current="page" class="page-numbers current">{number}</span>'
            if number == page
            else f'<a class="page-numbers" href="{href(number)}">{number}</a>'
        )
    if page < pages:
        parts.append(f'<a class="next page-numbers" href="{href(page + 1)}">Next »</a>')
    return f'<nav class="navigation pagination"><div class="nav-links">{"".join(parts)}</div></nav>'


def listing_page(
    ctx: Context,
    *,
    heading: str,
    posts: list[Post],
    page: int,
    total: int,
    base_path: str,
    body_class: str,
    query: str = "",
) -> str:
    """An archive page (category, tag, author, date, search): teasers and pagination."""
    pages = page_count(total, PER_PAGE)
    suffix = "" if page == 1 else f"page/{page}/"
    teasers = "\n".join(teaser(ctx, post) for post in posts) or "<p>Nothing Found</p>"
    main = f"""<h1 class="mvp-feat1-pop-head archive-title">{e(heading)}</h1>
<div class="mvp-blog-story-list">
{teasers}
</div>
{pagination(ctx, base_path, page, pages, query)}"""
    return document(
        ctx,
        title=heading if page == 1 else f"{heading} - Page {page}",
        body_class=body_class,
        main=main,
        canonical=ctx.url(base_path + suffix) + query,
        aside=popular(ctx, ctx.index.older(posts[-1], (2, 5, 11)) if posts else []),
    )


def home_page(ctx: Context, posts: list[Post], page: int) -> str:
    """The front page: newest stories, the section directory and a "Popular" sidebar that links
    older stories by every alternate URL form."""
    live = ctx.index.live
    if page > 1:
        return listing_page(
            ctx,
            heading="Latest News",
            posts=posts,
            page=page,
            total=len(live),
            base_path="/",
            body_class="home blog paged",
        )
    sections = ""
    if ctx.options.archives:
        links = "".join(
            f'<li><a href="{e(category_url(ctx, listing.name))}">{e(listing.name)}</a></li>'
            for listing in ctx.index.categories.values()
        )
        sections = f'<div class="sections"><h2>Sections</h2><ul>{links}</ul></div>'
        sections += pagination(ctx, "/", 1, page_count(len(live), PER_PAGE))
    picks = [live[-11 - k] for k in range(len(VARIANTS)) if len(live) >= 11 + k]
    main = f"""<h2 class="mvp-widget-home-title">Latest News</h2>
<div class="mvp-blog-story-list">
{"".join(teaser(ctx, post) for post in posts)}
</div>
{sections}"""
    return document(
        ctx,
        title=None,
        body_class="home blog",
        main=main,
        canonical=ctx.url("/"),
        aside=popular(ctx, picks),
    )


# ---------------------------------------------------------------------------------------------
# Pages that are not articles

#: WordPress pages (id, title, text). The Zox theme prints them with the same headline markup as
#: posts, which is exactly why a crawler must not archive every ``h1.mvp-post-title``.
PAGES: dict[str, tuple[int, str, str]] = {
    "/about/": (
        7,
        "About",
        "The Washington Blade is the oldest LGBTQ newspaper in the United States, founded in 1969.",
    ),
    "/contact/": (9, "Contact", "Send news tips to news@washblade.com or call 202-747-2077."),
    "/membership/": (
        11,
        "Membership",
        "Support independent LGBTQ journalism: become a member of the Blade today.",
    ),
    "/private/staff-directory/": (13, "Staff directory", "Internal page; not for crawlers."),
}
ISSUE_PATH = "/issues/2019-10-18/"
ISSUE_PDF = "/content/files/2019/10/191018.pdf"


def static_page(ctx: Context, path: str) -> str:
    """About, contact, membership and the robots-disallowed staff page."""
    page_id, title, text = PAGES[path]
    main = f"""<article id="post-{page_id}" class="page type-page">
<h1 class="mvp-post-title left entry-title" itemprop="headline">{e(title)}</h1>
<div class="entry-content"><p>{rich(text)}</p></div>
</article>"""
    return document(
        ctx,
        title=title,
        body_class=f"page-template-default page page-id-{page_id}",
        main=main,
        canonical=ctx.url(path),
    )


def issue_page(ctx: Context) -> str:
    """A print-issue landing page: a cover, a date and a link to the PDF."""
    main = f"""<article id="post-15" class="issue type-issue">
<h1 class="entry-title">Washington Blade, Volume 50, Issue 42</h1>
<p class="issue-date">October 18, 2019</p>
<p><a href="{ctx.url(ISSUE_PDF)}"><img src="{ctx.url("/content/files/2019/10/cover.jpg")}" \
alt="Cover of the October 18, 2019 issue"> Download the PDF</a></p>
</article>"""
    return document(
        ctx,
        title="October 18, 2019",
        body_class="issue-template-default single single-issue",
        main=main,
        canonical=ctx.url(ISSUE_PATH),
    )


def not_found_page(ctx: Context, gone: bool = False) -> str:
    """WordPress's 404 template (also served with status 200 by the ``soft404`` fault)."""
    heading = "This content has been removed" if gone else "Oops! That page can’t be found."
    main = f"""<section class="error-404 not-found">
<h1 class="page-title">{heading}</h1>
<p>It looks like nothing was found at this location. Maybe try a search?</p>
</section>"""
    return document(ctx, title="Page not found", body_class="error404", main=main)


def email_protection_page() -> str:
    """What Cloudflare answers at ``/cdn-cgi/l/email-protection`` (linked from bodies)."""
    return (
        '<!DOCTYPE html><html lang="en-US"><head><title>Email Protection | Cloudflare</title>'
        "</head><body><h1>Please enable cookies.</h1><p>You are unable to access this email "
        "address washingtonblade.com</p></body></html>\n"
    )
