"""Article pages in the Blade's two designs, plus the AMP variant.

``zox`` follows the current Zox News theme (``mvp-`` markup, Yoast JSON-LD, date only in markup);
``dateline`` follows the 2014-2019 design (a visible ``date | by NAME`` line, custom class names,
no JSON-LD). Both print the same WordPress comment list and the same ``Post`` data, so a record
extracted from either can be compared with the post it came from.

``omit`` drops a field from every place the page would show it, to build the
``missing_headline`` / ``missing_date`` faults.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Collection

from blade_spider.sample_site.context import Context
from blade_spider.sample_site.model import Post, slugify
from blade_spider.sample_site.render import (
    INLINE_AD,
    SITE_NAME,
    TITLE_SUFFIX,
    author_url,
    blocks_html,
    caption_html,
    category_url,
    clock,
    display_title,
    document,
    e,
    excerpt,
    long_date,
    popular,
    rich,
    tag_url,
    time_ago,
    utc_iso,
    variant_url,
)

_ROLES = (
    "a reporter for",
    "the international news editor of",
    "a contributing writer for",
    "the features editor of",
)
#: Offsets of the older posts a page's "Popular" sidebar links to.
_POPULAR_OFFSETS = (1, 4, 9, 16, 25, 36, 49, 64, 81)


def article_page(ctx: Context, post: Post, omit: Collection[str] = (),
                 comment_page: int | None = None) -> str:
    """The post's page in its own design (or in the new one, once the site is redesigned);
    ``comment_page``: the page of its comments asked for (``/slug/comment-page-N/``)."""
    if ctx.options.redesign:
        return redesigned(ctx, post)
    return (zox if post.layout == "zox" else dateline)(ctx, post, omit, comment_page)


def redesigned(ctx: Context, post: Post) -> str:
    """A redesign the parser has no template for: stock WordPress markup only, so every field
    has to come from the WordPress layer (what the redesign monitor must notice)."""
    url = ctx.url(post.path)
    authors = " and ".join(
        f'<span class="author vcard"><a class="url fn n" href="{author_url(ctx, a)}">{e(a)}</a>'
        "</span>" for a in post.authors)
    body = "" if post.protected else blocks_html(ctx, post, zox_figure)
    return f"""<!doctype html>
<html lang="en-US">
<head><meta charset="utf-8"><title>{e(display_title(post))} - {e(TITLE_SUFFIX)}</title>
<link rel="canonical" href="{e(url)}"><link rel="shortlink" href="{ctx.url("/")}?p={post.id}">
</head>
<body class="post-template-default single single-post postid-{post.id} \
single-format-{post_format(post)}">
<main id="main"><article id="post-{post.id}" class="{post_class(post)}">
<header class="entry-header"><h1 class="entry-title">{e(display_title(post))}</h1>
<div class="entry-meta"><span class="byline">By {authors}</span>
<time class="entry-date published" datetime="{post.published.isoformat()}">\
{long_date(post.published)}</time></div></header>
<div class="entry-content">
{body}
</div>
</article></main>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Current design: Zox News theme


def zox(ctx: Context, post: Post, omit: Collection[str] = (),
        comment_page: int | None = None) -> str:
    """The current design: section label, headline, deck, "Published … on", byline in markup."""
    title = None if "headline" in omit else display_title(post)
    head = head_meta(ctx, post, title, omit, article_times=True) + json_ld(ctx, post, title, omit)
    h1 = (
        f'<h1 class="mvp-post-title left entry-title" itemprop="headline">{e(title)}</h1>'
        if title
        else ""
    )
    dek = f'<span class="mvp-post-excerpt left"><p>{e(post.dek)}</p></span>' if post.dek else ""
    main = f"""<article id="post-{post.id}" class="mvp-article-wrap" itemscope \
itemtype="http://schema.org/NewsArticle">
<meta itemscope itemprop="mainEntityOfPage" itemType="https://schema.org/WebPage" \
itemid="{e(ctx.url(post.path))}"/>
<div id="mvp-article-cont" class="left relative">
<header id="mvp-post-head" class="left relative">
<h3 class="mvp-post-cat left relative"><a class="mvp-post-cat-link" \
href="{category_url(ctx, post.section)}"><span class="mvp-post-cat left">{e(post.section)}</span>\
</a></h3>
{h1}
{dek}
<div class="mvp-author-info-wrap left relative"><div class="mvp-author-info-text left relative">
{"" if "date" in omit else zox_date(ctx, post)}
<div class="mvp-author-info-name left relative" itemprop="author" itemscope \
itemtype="https://schema.org/Person"><p>By</p> <span class="author-name vcard fn author" \
itemprop="name">{bylinks(ctx, post)}</span></div>
</div></div>
</header>
{"" if post.protected else zox_featured(ctx, post)}
<div id="mvp-post-content" class="left relative">
<div class="mvp-post-soc-wrap"><ul><li><a href="https://example.org/share?u={e(ctx.url(post.path))}">\
Share</a></li></ul></div>
<div id="mvp-content-wrap"><div id="mvp-content-body">
<div id="mvp-content-main" class="left relative">
{password_form(ctx, post) if post.protected else blocks_html(ctx, post, zox_figure, ad=INLINE_AD)}
</div>
<div id="mvp-content-bot" class="left">
{zox_tags(ctx, post)}
{zox_author_box(ctx, post)}
</div></div></div>
{"" if post.protected else comments_area(ctx, post, "ul", comment_page, comments_navigation)}
</div></div>
</article>
{more_in_section(ctx, post)}"""
    return document(
        ctx,
        title=title,
        body_class=_body_class(post, "post-template-default single single-post"),
        main=main,
        canonical=ctx.url(post.path),
        head=head,
        aside=popular(ctx, ctx.index.older(post, _POPULAR_OFFSETS), post.id),
    )


def zox_date(ctx: Context, post: Post) -> str:
    """The "Published 3 years ago on <time datetime=YYYY-MM-DD>" line: a date, never a time."""
    published, modified = post.published, post.modified
    return (
        f'<div class="mvp-author-info-date left relative"><p>Published</p> '
        f'<span class="mvp-post-date">{time_ago(published, ctx.now)}</span> <p>on</p> '
        f'<span class="mvp-post-date updated"><time class="post-date updated" '
        f'itemprop="datePublished" datetime="{published:%Y-%m-%d}">{long_date(published)}</time>'
        f'</span><meta itemprop="dateModified" content="{modified:%Y-%m-%d}"/></div>'
    )


def bylinks(ctx: Context, post: Post, relative: bool = False) -> str:
    """Author links joined by " and "; the date-line design used root-relative links."""
    links = []
    for name in post.authors:
        href = author_url(ctx, name)
        href = href[len(ctx.base) :] if relative else href
        links.append(f'<a href="{e(href)}" rel="author">{e(name)}</a>')
    return " and ".join(links)


def zox_featured(ctx: Context, post: Post) -> str:
    """The lead photo block and its caption span (absent when no photo is featured)."""
    lead = next((image for image in post.images if image["featured"]), None)
    if lead is None:
        return ""
    caption = lead["caption"]
    cap = (
        f'<span class="mvp-feat-caption">{caption_html(caption, post.id % 7 == 0)}</span>'
        if caption
        else ""
    )
    return (
        f'<div id="mvp-post-feat-img" class="left relative mvp-post-feat-img-wide2" '
        f'itemprop="image" itemscope itemtype="https://schema.org/ImageObject">'
        f'<img width="1000" height="600" src="{e(ctx.url(lead["url"]))}" '
        f'class="attachment- size- wp-post-image" alt="{e(lead["alt"] or "")}">'
        f'<meta itemprop="url" content="{e(ctx.url(lead["url"]))}">{cap}</div>'
    )


def zox_figure(ctx: Context, image: dict) -> str:
    """An inline block-editor photo; some posts lazy-load it (real ``src`` in ``data-lazy-src``)."""
    src = e(ctx.url(image["url"]))
    lazy = zlib.crc32(image["url"].encode()) % 3 == 0
    attrs = (
        f'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-lazy-src="{src}"'
        if lazy
        else f'src="{src}"'
    )
    caption = f"<figcaption>{e(image['caption'])}</figcaption>" if image["caption"] else ""
    return (
        f'<figure class="wp-block-image size-large"><img loading="lazy" width="800" height="533" '
        f'{attrs} alt="{e(image["alt"] or "")}" class="wp-image-{_media_id(image)}">'
        f"{caption}</figure>"
    )


def zox_tags(ctx: Context, post: Post) -> str:
    if not post.tags:
        return ""
    links = "".join(f'<a href="{tag_url(ctx, t)}" rel="tag">{e(t)}</a>' for t in post.tags)
    return (
        '<div class="mvp-post-tags"><span class="mvp-post-tags-header">Related Topics:</span>'
        f'<span itemprop="keywords">{links}</span></div>'
    )


def zox_author_box(ctx: Context, post: Post) -> str:
    """Author bio box: page chrome, not body text."""
    boxes = "".join(
        f'<div class="mvp-author-box-out"><span class="mvp-author-box-name">'
        f'<a href="{author_url(ctx, name)}" rel="author">{e(name)}</a></span>'
        f'<div id="mvp-author-box-text"><p>{e(bio(name))}</p></div></div>'
        for name in post.authors
    )
    return f'<div id="mvp-author-box-wrap" class="left relative">{boxes}</div>'


def more_in_section(ctx: Context, post: Post) -> str:
    """The "More in SECTION" box: three older posts of the section, by alternate URLs."""
    teasers = ctx.index.older_in_section(post, 3)
    if not teasers:
        return ""
    kinds = ("utm", "comments", "rel")
    items = "".join(
        f'<li><a href="{e(variant_url(ctx, other, kind))}" rel="bookmark">'
        f'<div class="mvp-related-text"><p>{e(display_title(other))}</p></div></a></li>'
        for other, kind in zip(teasers, kinds, strict=False)
    )
    return (
        f'<div class="mvp-cont-read-wrap"><div class="mvp-related-posts">'
        f'<h4 class="mvp-widget-home-title"><span>More in {e(post.section)}</span></h4>'
        f'<ul class="mvp-related-posts-list">{items}</ul></div></div>'
    )


# ---------------------------------------------------------------------------------------------
# 2014-2019 design: date line above the headline


def dateline(ctx: Context, post: Post, omit: Collection[str] = (),
             comment_page: int | None = None) -> str:
    """The old design: ``Month D, YYYY at H:MM pm EDT | by NAME``, headline, lead photo, body."""
    title = None if "headline" in omit else display_title(post)
    when = "" if "date" in omit else f"{date_line(post)} | "
    h1 = f'<h1 class="post-title">{e(title)}</h1>' if title else ""
    body = password_form(ctx, post) if post.protected else blocks_html(ctx, post, caption_div, "h3")
    main = f"""<div class="{post_class(post)} single-article" id="post-{post.id}">
<p class="date-author">{when}by {bylinks(ctx, post, relative=True)}</p>
{h1}
{"" if post.protected else dateline_lead(ctx, post)}
<div class="post-body">
{body}
</div>
{post_meta(ctx, post)}
{"".join(dateline_bio(ctx, name) for name in post.authors)}
<div class="share-bar">Share this: <a href="https://example.org/share?u={e(ctx.url(post.path))}">\
Facebook</a></div>
{"" if post.protected else comments_area(ctx, post, "ol", comment_page, comments_pagination)}
</div>
{more_in_section(ctx, post)}"""
    return document(
        ctx,
        title=title,
        body_class=_body_class(post, f"single single-post single-format-{post_format(post)}"),
        main=main,
        canonical=ctx.url(post.path),
        head=head_meta(ctx, post, title, omit, article_times=False),
        aside=popular(ctx, ctx.index.older(post, _POPULAR_OFFSETS), post.id),
    )


def date_line(post: Post) -> str:
    """``September 5, 2017 at 6:37 pm EDT``, the zone label from the post's own offset."""
    published = post.published
    return f"{long_date(published)} at {clock(published)} {published.tzname()}"


def dateline_lead(ctx: Context, post: Post) -> str:
    """The lead photo: in this design the first photo of the post, before the body."""
    lead = next((image for image in post.images if image["featured"]), None)
    return caption_div(ctx, lead, split_credit=post.id % 7 == 0) if lead else ""


def caption_div(ctx: Context, image: dict, split_credit: bool = False) -> str:
    """A classic-editor ``[caption]`` shortcode: ``div.wp-caption > img + p.wp-caption-text``."""
    caption = image["caption"]
    text = (
        f'<p class="wp-caption-text">{caption_html(caption, split_credit)}</p>' if caption else ""
    )
    return (
        f'<div id="attachment_{_media_id(image)}" style="width: 810px" '
        f'class="wp-caption aligncenter"><img class="size-full wp-image-{_media_id(image)}" '
        f'src="{e(ctx.url(image["url"]))}" alt="{e(image["alt"] or "")}" width="800" '
        f'height="533">{text}</div>'
    )


def post_meta(ctx: Context, post: Post) -> str:
    """The "Posted in" line: categories and tags, with WordPress's ``rel`` values."""
    cats = ", ".join(
        f'<a href="{category_url(ctx, c)}" rel="category tag">{e(c)}</a>' for c in post.categories
    )
    tags = ", ".join(f'<a href="{tag_url(ctx, t)}" rel="tag">{e(t)}</a>' for t in post.tags)
    return f'<div class="post-meta">Posted in {cats}{" | Tags: " + tags if tags else ""}</div>'


def dateline_bio(ctx: Context, name: str) -> str:
    """``NAME is … of the Washington Blade. Follow FIRST``: chrome the extractor must drop."""
    return (
        f'<div class="author-bio">{e(bio(name))} '
        f'<a href="{author_url(ctx, name)}">Follow {e(name.split()[0])}</a></div>'
    )


# ---------------------------------------------------------------------------------------------
# AMP variant


def amp_page(ctx: Context, post: Post) -> str:
    """The ``/amp/`` copy of an article: different markup, canonical link to the real page."""
    url = ctx.url(post.path)
    body = "" if post.protected else "\n".join(f"<p>{rich(t)}</p>" for _, t in post.blocks)
    return f"""<!doctype html>
<html amp lang="en-US">
<head>
<meta charset="utf-8">
<title>{e(display_title(post))} - {e(TITLE_SUFFIX)}</title>
<link rel="canonical" href="{e(url)}">
<meta name="viewport" content="width=device-width">
<script async src="https://cdn.ampproject.org/v0.js"></script>
</head>
<body class="amp-wp-article">
<header class="amp-wp-header"><a href="{ctx.url("/")}">{SITE_NAME}</a></header>
<article class="amp-wp-article">
<header class="amp-wp-article-header"><h1 class="amp-wp-title">{e(display_title(post))}</h1>
<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">\
{e(" and ".join(post.authors))}</span></div>
<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{utc_iso(post.published)}">\
{time_ago(post.published, ctx.now)}</time></div></header>
<div class="amp-wp-article-content">
{body}
</div>
</article>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Shared by both designs


def head_meta(
    ctx: Context, post: Post, title: str | None, omit: Collection[str], article_times: bool
) -> str:
    """Shortlink, feed/REST/AMP links and OpenGraph; ``article:*`` times only in the Zox design."""
    url = ctx.url(post.path)
    lines = [
        f'<link rel="shortlink" href="{ctx.url(f"/?p={post.id}")}">',
        f'<link rel="amphtml" href="{e(url)}amp/">',
        '<meta property="og:locale" content="en_US">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:description" content="{e(excerpt(post))}">',
        f'<meta property="og:url" content="{e(url)}">',
        f'<meta property="og:site_name" content="{SITE_NAME}">',
    ]
    if title:
        lines.append(f'<meta property="og:title" content="{e(title)}">')
    if ctx.options.rest_api:
        lines.append(
            f'<link rel="alternate" type="application/json" '
            f'href="{ctx.url(f"/wp-json/wp/v2/posts/{post.id}")}">'
        )
    if ctx.options.feed:
        lines.append(
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; '
            f'{e(post.title)} Comments Feed" href="{e(url)}feed/">'
        )
    lead = next((image for image in post.images if image["featured"]), None)
    if lead:
        lines.append(f'<meta property="og:image" content="{e(ctx.url(lead["url"]))}">')
    if article_times and "date" not in omit:
        lines += [
            f'<meta property="article:published_time" content="{utc_iso(post.published)}">',
            f'<meta property="article:modified_time" content="{utc_iso(post.modified)}">',
            f'<meta name="author" content="{e(" and ".join(post.authors))}">',
        ]
    return "\n".join(lines) + "\n"


def json_ld(ctx: Context, post: Post, title: str | None, omit: Collection[str]) -> str:
    """Yoast's ``@graph``: Article (authors as ``@id`` references), WebPage, WebSite,
    Organization and Person nodes; dates in UTC, as Yoast prints them."""
    url = ctx.url(post.path)
    people = [
        {
            "@type": "Person",
            "@id": ctx.url(f"/#/schema/person/{hashlib.md5(n.encode()).hexdigest()}"),
            "name": n,
            "url": author_url(ctx, n),
        }
        for n in post.authors
    ]
    refs = [{"@id": person["@id"]} for person in people]
    dates = (
        {}
        if "date" in omit
        else {
            "datePublished": utc_iso(post.published),
            "dateModified": utc_iso(post.modified),
        }
    )
    article = {
        "@type": "Article",
        "@id": f"{url}#article",
        "isPartOf": {"@id": url},
        "author": refs[0] if len(refs) == 1 else refs,
        **({"headline": title} if title else {}),
        **dates,
        "mainEntityOfPage": {"@id": url},
        "wordCount": len(post.body.split()),
        "commentCount": len(post.comments),
        "publisher": {"@id": ctx.url("/#organization")},
        "keywords": post.tags,
        "articleSection": post.categories,
        "inLanguage": "en-US",
    }
    webpage = {
        "@type": "WebPage",
        "@id": url,
        "url": url,
        **({"name": f"{title} - {TITLE_SUFFIX}"} if title else {}),
        "isPartOf": {"@id": ctx.url("/#website")},
        **dates,
        "inLanguage": "en-US",
    }
    graph = [article, webpage, *_site_nodes(ctx), *people]
    data = json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False)
    return (
        '<script type="application/ld+json" class="yoast-schema-graph">'
        + data.replace("</", "<\\/")
        + "</script>\n"
    )


def _site_nodes(ctx: Context) -> list[dict]:
    return [
        {
            "@type": "WebSite",
            "@id": ctx.url("/#website"),
            "url": ctx.url("/"),
            "name": SITE_NAME,
            "description": TITLE_SUFFIX.split(": ", 1)[1],
            "publisher": {"@id": ctx.url("/#organization")},
            "inLanguage": "en-US",
        },
        {
            "@type": "Organization",
            "@id": ctx.url("/#organization"),
            "name": SITE_NAME,
            "url": ctx.url("/"),
        },
    ]


#: Prints a comment page's links: ``(ctx, post, page shown, pages)`` → HTML.
Navigation = Callable[[Context, Post, int, int], str]


def comments_area(ctx: Context, post: Post, children_tag: str, comment_page: int | None = None,
                  navigation: Navigation | None = None) -> str:
    """WordPress's comment list and form; replies nest in ``children_tag`` (``ul`` in the Zox
    theme, ``ol`` as in stock themes) so both markups are exercised.

    With comments split into pages (``comments_per_page``), as WordPress does it: the top-level
    comments are paged, each with all its replies; ``comment_page`` (else the page
    ``comments_order`` makes the default) is shown, with ``navigation`` to the others."""
    by_parent: dict[int | None, list[dict]] = {}
    for comment in post.comments:
        by_parent.setdefault(comment["parent_id"], []).append(comment)
    threads = by_parent.get(None, [])
    per_page = ctx.options.comments_per_page
    total = -(-len(threads) // per_page) if per_page else 1
    current, nav = 1, ""
    if per_page and total > 1:
        current = comment_page or _default_comment_page(ctx, total)
        threads = threads[(current - 1) * per_page:current * per_page]
        nav = navigation(ctx, post, current, total) if navigation else ""
    # get_comment_link(): a comment's permalink names its page, but for page 1 shown first.
    link = ctx.url(post.path)
    if total > 1 and (current > 1 or ctx.options.comments_order == "newest"):
        link = f"{link}comment-page-{current}/"
    items = "".join(
        _comment(ctx, post, c, by_parent, children_tag, 1, link) for c in threads
    )
    listing = ""
    if items:
        count = len(post.comments)
        listing = (
            f'<h3 class="comments-title">{count} thought{"s" if count > 1 else ""} on '
            f'“{e(post.title)}”</h3>\n<ol class="commentlist">{items}</ol>'
        ) + (f"\n{nav}" if nav else "")
    return f"""<div id="comments" class="comments-area">
{listing}
<div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>
<form action="{ctx.url("/wp-comments-post.php")}" method="post" id="commentform">
<textarea name="comment"></textarea>
<input type="hidden" name="comment_post_ID" value="{post.id}" id="comment_post_ID">
<input type="hidden" name="comment_parent" id="comment_parent" value="0">
</form></div>
</div>"""


def _default_comment_page(ctx: Context, total: int) -> int:
    """The comment page the article URL shows: the first, or the last with the newest first."""
    return total if ctx.options.comments_order == "newest" else 1


def comment_page_url(ctx: Context, post: Post, number: int, total: int) -> str:
    """``get_comments_pagenum_link()``: the article URL for the page it shows by default,
    ``/slug/comment-page-N/`` for the others."""
    url = ctx.url(post.path)
    return url if number == _default_comment_page(ctx, total) else f"{url}comment-page-{number}/"


def comments_navigation(ctx: Context, post: Post, current: int, total: int) -> str:
    """``the_comments_navigation()``: links to the older and the newer page only."""
    links = []
    if current > 1:
        older = comment_page_url(ctx, post, current - 1, total)
        links.append(f'<div class="nav-previous"><a href="{e(older)}#comments">Older comments'
                     "</a></div>")
    if current < total:
        newer = comment_page_url(ctx, post, current + 1, total)
        links.append(f'<div class="nav-next"><a href="{e(newer)}#comments">Newer comments</a>'
                     "</div>")
    return _navigation("comment-navigation", "".join(links))


def comments_pagination(ctx: Context, post: Post, current: int, total: int) -> str:
    """``the_comments_pagination()``: ``paginate_links()`` numbers (the first and last, two
    either side of the page shown, dots between) and previous/next links, every page linked as
    ``/slug/comment-page-N/`` (``paginate_comments_links()`` never links the bare URL)."""
    url = ctx.url(post.path)

    def link(number: int, text: str, css: str = "page-numbers") -> str:
        return f'<a class="{css}" href="{e(url)}comment-page-{number}/#comments">{text}</a>'

    parts = [link(current - 1, "&laquo; Previous", "prev page-numbers")] if current > 1 else []
    dots = False
    for number in range(1, total + 1):
        if number == current:
            parts.append(f'<span aria-current="page" class="page-numbers current">{number}</span>')
            dots = True
        elif number == 1 or number == total or abs(number - current) <= 2:
            parts.append(link(number, str(number)))
            dots = True
        elif dots:
            parts.append('<span class="page-numbers dots">&hellip;</span>')
            dots = False
    if current < total:
        parts.append(link(current + 1, "Next &raquo;", "next page-numbers"))
    return _navigation("comments-pagination", "\n".join(parts))


def _navigation(css: str, links: str) -> str:
    """``_navigation_markup()``, the wrapper core's comment navigation functions print."""
    return (f'<nav class="navigation {css}" aria-label="Comments">'
            '<h2 class="screen-reader-text">Comments navigation</h2>'
            f'<div class="nav-links">{links}</div></nav>')


def _comment(
    ctx: Context,
    post: Post,
    comment: dict,
    by_parent: dict[int | None, list[dict]],
    children_tag: str,
    depth: int,
    link: str,
) -> str:
    """One comment and its replies; ``link`` is the page it is on (``get_comment_link()``)."""
    cid = comment["id"]
    url = ctx.url(post.path)
    when = comment["published"]
    paragraphs = "".join(f"<p>{rich(p)}</p>" for p in comment["text"].split("\n\n"))
    replies = "".join(
        _comment(ctx, post, reply, by_parent, children_tag, depth + 1, link)
        for reply in by_parent.get(cid, [])
    )
    nested = f'<{children_tag} class="children">{replies}</{children_tag}>' if replies else ""
    return f"""<li class="comment depth-{depth}" id="comment-{cid}">
<div id="div-comment-{cid}" class="comment-body">
<div class="comment-author vcard"><cite class="fn">{e(comment["author"])}</cite> \
<span class="says">says:</span></div>
<div class="comment-meta commentmetadata"><a href="{e(link)}#comment-{cid}">\
<time datetime="{when.isoformat(timespec="seconds")}">{long_date(when)} at {clock(when)}</time>\
</a></div>
{paragraphs}
<div class="reply"><a rel="nofollow" class="comment-reply-link" \
href="{e(url)}?replytocom={cid}#respond" data-commentid="{cid}" data-postid="{post.id}">Reply</a>\
</div>
</div>{nested}</li>"""


def password_form(ctx: Context, post: Post) -> str:
    """What a password-protected post shows instead of its body."""
    return (
        f'<form action="{ctx.url("/wp-login.php?action=postpass")}" class="post-password-form" '
        f'method="post"><p>This content is password protected. To view it please enter your '
        f'password below:</p><p><label for="pwbox-{post.id}">Password: <input name="post_password"'
        f' id="pwbox-{post.id}" type="password" size="20"></label> <input type="submit" '
        f'name="Submit" value="Enter"></p></form>'
    )


def bio(name: str) -> str:
    """A stable one-line bio for the author box."""
    return f"{name} is {_ROLES[zlib.crc32(name.encode()) % len(_ROLES)]} the Washington Blade."


def post_format(post: Post) -> str:
    """The post's WordPress format: a post with several photos is filed as a gallery."""
    return "gallery" if len(post.images) > 1 else "standard"


def post_class(post: Post) -> str:
    """What WordPress's ``post_class()`` prints on a post's element: its id, type, status and
    format, then a class for each of its terms (a non-standard format is a term too)."""
    kind = post_format(post)
    classes = [f"post-{post.id}", "post", "type-post", "status-publish", f"format-{kind}"]
    classes += ["has-post-thumbnail"] if any(i["featured"] for i in post.images) else []
    classes += ["hentry", *(f"category-{slugify(c)}" for c in post.categories),
                *(f"tag-{slugify(t)}" for t in post.tags)]
    classes += [f"post_format-post-format-{kind}"] if kind != "standard" else []
    return " ".join(classes)


def _body_class(post: Post, base: str) -> str:
    protected = " post-password-required" if post.protected else ""
    return f"{base} postid-{post.id}{protected}"


def _media_id(image: dict) -> int:
    """A stable attachment id for ``wp-image-N`` classes."""
    return zlib.crc32(image["url"].encode()) % 900_000 + 100_000
