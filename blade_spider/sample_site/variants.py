"""Article pages in themes nobody taught the parser: ``theme="variant:<seed>"``.

The site will be redesigned again, and its current markup was never seen here, so tests must
not be able to tune the parser to one page. A seed draws one :class:`Theme` — the choices a
WordPress theme author makes: which tag holds the headline and with what class, how the byline
and the date line are wrapped and worded (with or without a time, a weekday, a zone label, a
``<time>``, an hAtom ``abbr``; an "Updated:" date before or after it), whether the head carries
OpenGraph times or JSON-LD, the caption markup, the comment markup (``wp_list_comments`` in its
HTML5 and XHTML formats, or comments loaded by a script), where the headline block stands (the
post's header, a hero band above the post element, the date line under the lead photo), a
related-stories rail before or after the story, a byline at the top or closing the story, an
author box, a share bar, and the content container's class. Every article of the site is
rendered through that theme; what a theme prints through WordPress's own functions
(``the_category``, ``the_tags``, ``post_class``, captions) stays as WordPress prints it.

:meth:`Theme.shows_time` and :meth:`Theme.shows_zone` tell a test what the truth record can be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from blade_spider.sample_site.articles import (
    bylinks,
    caption_div,
    head_meta,
    json_ld,
    post_class,
    post_meta,
    zox_figure,
)
from blade_spider.sample_site.context import Context
from blade_spider.sample_site.model import Post
from blade_spider.sample_site.render import (
    TITLE_SUFFIX,
    author_url,
    blocks_html,
    clock,
    display_title,
    document,
    e,
    long_date,
    rich,
)

PREFIX = "variant:"
T = TypeVar("T")

#: How a theme prints the publication date; ``{t}`` is a time, ``{z}`` the zone label.
DATE_FORMATS = (
    "{month} {day}, {year}",
    "{month} {day}, {year} at {t}",
    "{month} {day}, {year} at {t} {z}",
    "{weekday}, {month} {day}, {year}",
    "{weekday}, {month} {day}, {year} {t}",
    "{abbr} {day}, {year} {T} {z}",
    "{day} {month} {year}",
    "{day} {month} {year}, {H}:{M}",
    "{mm}/{dd}/{year}",
    "{mm}/{dd}/{year} {t} {z}",
)
HEADLINES = (("h1", "entry-title"), ("h1", "post-title"), ("h1", "story-headline"),
             ("h2", "headline"), ("h1", ""), ("h1", "single-title title"),
             ("h1", "linked"))
BYLINES = ("by-link", "by-rel", "plain", "written-by", "meta-line")
DATE_WRAPPERS = ("span", "div", "p", "time-bare", "time-datetime", "meta-line", "abbr-title")
CONTENT_CLASSES = ("entry-content", "story-body", "article-text", "post-entry", "td-post-content")
CAPTIONS = ("wp-caption", "figure-caption", "block")
RAILS = ("after", "before", "both", "none")
#: Where the headline block stands: in the post's header, in a hero band above the post element
#: (outside it), or with the date line and byline under the lead photo.
LAYOUTS = ("header", "hero", "meta_below_lead")
#: How the comments are printed: ``wp_list_comments`` in its two formats, or not at all (a theme
#: that loads them by script after the page: only WordPress has them).
COMMENTS = ("html5", "xhtml", "script")
#: Whether the theme prints the last edit's date ("Updated: …", its label in an element of its
#: own) before the publication date, after it, or not at all.
UPDATED = ("none", "before", "after")


@dataclass(frozen=True)
class Theme:
    """One theme's choices, drawn from a seed."""

    seed: int
    headline: tuple[str, str]
    byline: str
    date_format: str
    date_wrapper: str
    date_after_byline: bool
    og_times: bool
    jsonld: bool
    content_class: str
    caption: str
    comments: str
    rail: str
    author_box: bool
    share_bar: bool
    post_class: bool
    layout: str
    updated: str
    byline_at_end: bool

    @classmethod
    def draw(cls, seed: int) -> Theme:
        """The theme of ``seed``: each choice walks through its values in an order shuffled
        per choice, so any run of consecutive seeds as long as a choice's list shows every
        value of it, and the combinations change from one run to the next."""
        return cls(
            seed=seed,
            headline=_pick(seed, "headline", HEADLINES),
            byline=_pick(seed, "byline", BYLINES),
            date_format=_pick(seed, "date_format", DATE_FORMATS),
            date_wrapper=_pick(seed, "date_wrapper", DATE_WRAPPERS),
            date_after_byline=_pick(seed, "date_after_byline", (True, False)),
            og_times=_pick(seed, "og_times", (True, False, False)),
            jsonld=_pick(seed, "jsonld", (True, False, False)),
            content_class=_pick(seed, "content_class", CONTENT_CLASSES),
            caption=_pick(seed, "caption", CAPTIONS),
            comments=_pick(seed, "comments", COMMENTS),
            rail=_pick(seed, "rail", RAILS),
            author_box=_pick(seed, "author_box", (True, False)),
            share_bar=_pick(seed, "share_bar", (True, False)),
            post_class=_pick(seed, "post_class", (True, True, False)),
            layout=_pick(seed, "layout", LAYOUTS),
            updated=_pick(seed, "updated", UPDATED),
            byline_at_end=_pick(seed, "byline_at_end", (False, False, True)),
        )

    @property
    def machine_date(self) -> bool:
        """Whether the page states the publication instant in markup (a ``datetime``
        attribute, OpenGraph or JSON-LD), not only as printed text."""
        return self.og_times or self.jsonld or self.date_wrapper in ("time-datetime",
                                                                      "abbr-title")

    def shows_time(self) -> bool:
        """Whether the page gives the time of day of publication somewhere."""
        return self.machine_date or "{t}" in self.date_format or "{T}" in self.date_format \
            or "{H}" in self.date_format

    def shows_zone(self) -> bool:
        """Whether the instant is unambiguous (an offset in markup, or a printed zone label):
        a wall time in the hour the clocks go back names two instants."""
        return self.machine_date or "{z}" in self.date_format


def _pick(seed: int, choice: str, values: tuple[T, ...]) -> T:
    """Value ``seed`` of ``choice`` (see :meth:`Theme.draw`)."""
    turn, slot = divmod(seed, len(values))
    order = list(values)
    random.Random(f"{choice}:{turn}").shuffle(order)
    return order[slot]


def theme_of(ctx: Context) -> Theme | None:
    """The variant theme the site is switched to, if any (``theme="variant:<seed>"``)."""
    theme = ctx.options.theme
    if not theme or not theme.startswith(PREFIX):
        return None
    return Theme.draw(int(theme.removeprefix(PREFIX)))


def printed_date(theme: Theme, moment: datetime) -> str:
    """The publication date as the theme prints it."""
    return theme.date_format.format(
        month=f"{moment:%B}", abbr=f"{moment:%b}.", day=moment.day, year=moment.year,
        weekday=f"{moment:%A}", t=clock(moment), T=clock(moment).upper(), z=moment.tzname(),
        H=f"{moment:%H}", M=f"{moment:%M}", mm=f"{moment:%m}", dd=f"{moment:%d}",
    )


def _date_html(theme: Theme, post: Post) -> str:
    """The publication date, and the last edit's when the theme prints it."""
    published = _published_html(theme, post)
    if theme.updated == "none":
        return published
    edited = (f'<span class="edited"><span class="edited-label">Updated:</span> '
              f'<span class="edited-date">{e(printed_date(theme, post.modified))}</span></span>')
    return f"{edited} {published}" if theme.updated == "before" else f"{published} {edited}"


def _published_html(theme: Theme, post: Post) -> str:
    text = e(printed_date(theme, post.published))
    wrapper = theme.date_wrapper
    if wrapper == "time-datetime":
        return (f'<time class="story-time" datetime="{post.published.isoformat()}">{text}'
                "</time>")
    if wrapper == "time-bare":
        return f"<time>{text}</time>"
    if wrapper == "abbr-title":  # hAtom, as themes of the 2000s printed it
        return f'<abbr class="published" title="{post.published.isoformat()}">{text}</abbr>'

    if wrapper == "meta-line":
        return f'<span class="meta-date">Posted on {text}</span>'
    return f'<{wrapper} class="story-date">{text}</{wrapper}>'


def _byline_html(ctx: Context, theme: Theme, post: Post) -> str:
    names = " and ".join(e(name) for name in post.authors)
    links = " and ".join(f'<a href="{author_url(ctx, name)}">{e(name)}</a>'
                         for name in post.authors)
    kind = theme.byline
    if kind == "by-rel":
        return f'<div class="story-byline">By {bylinks(ctx, post)}</div>'
    if kind == "plain":
        return f'<div class="story-byline">By {names}</div>'
    if kind == "written-by":
        return f'<p class="writer">Written by <span class="writer-name">{links}</span></p>'
    if kind == "meta-line":
        return f'<span class="meta-author">by {links}</span>'
    return f'<div class="story-byline">By {links}</div>'


def _figure(theme: Theme) -> object:
    if theme.caption == "block":
        return zox_figure
    if theme.caption == "wp-caption":
        return caption_div
    return _html5_caption


def _html5_caption(ctx: Context, image: dict) -> str:
    """``[caption]`` as WordPress prints it when the theme declares HTML5 captions."""
    caption = (f'<figcaption class="wp-caption-text">{e(image["caption"])}</figcaption>'
               if image["caption"] else "")
    return (f'<figure style="width: 800px" class="wp-caption alignnone"><img '
            f'src="{e(ctx.url(image["url"]))}" alt="{e(image["alt"] or "")}" width="800" '
            f'height="533">{caption}</figure>')


def _lead(ctx: Context, theme: Theme, post: Post) -> str:
    """The featured image as ``the_post_thumbnail()`` prints it, with its caption under it."""
    lead = next((image for image in post.images if image["featured"]), None)
    if lead is None:
        return ""
    caption = (f'<div class="thumb-caption">{e(lead["caption"])}</div>' if lead["caption"]
               else "")
    return (f'<div class="post-thumbnail"><img width="1000" height="600" '
            f'src="{e(ctx.url(lead["url"]))}" class="attachment-large size-large wp-post-image" '
            f'alt="{e(lead["alt"] or "")}">{caption}</div>')


def _rail(ctx: Context, post: Post, where: str) -> str:
    """Other stories: permalinks with their dates and bylines, as themes print them."""
    others = [p for p in ctx.index.older_in_section(post, 4) if p.id != post.id]
    others = others or [p for p in ctx.index.live if p.id != post.id][:4]
    if not others:
        return ""
    heading = f"More from {e(post.section)}" if where == "after" else "Trending now"
    items = "".join(
        f'<li>{_thumbnail(ctx, other)}<a href="{e(ctx.url(other.path))}">{e(other.title)}</a>'
        f'<span class="rail-meta">{long_date(other.published)} · By '
        f'{e(other.authors[0])}</span></li>' for other in others)
    return f'<section class="story-rail"><h3>{heading}</h3><ul>{items}</ul></section>'


def _thumbnail(ctx: Context, other: Post) -> str:
    """A teaser's photo as ``the_post_thumbnail()`` prints it (the class of the story's own)."""
    lead = next((image for image in other.images if image["featured"]), None)
    if lead is None:
        return ""
    return (f'<a href="{e(ctx.url(other.path))}"><img width="300" height="200" '
            f'src="{e(ctx.url(lead["url"]))}" class="attachment-thumbnail wp-post-image" '
            f'alt="{e(lead["alt"] or "")}"></a>')


def _comments(ctx: Context, theme: Theme, post: Post) -> str:
    by_parent: dict[int | None, list[dict]] = {}
    for comment in post.comments:
        by_parent.setdefault(comment["parent_id"], []).append(comment)

    def item(comment: dict, depth: int) -> str:
        cid, when = comment["id"], comment["published"]
        text = "".join(f"<p>{rich(p)}</p>" for p in comment["text"].split("\n\n"))
        replies = "".join(item(reply, depth + 1) for reply in by_parent.get(cid, []))
        children = f'<ol class="children">{replies}</ol>' if replies else ""
        stamp = f"{long_date(when)} at {clock(when)}"
        link = f'{e(ctx.url(post.path))}#comment-{cid}'
        if theme.comments == "xhtml":
            return (f'<li class="comment depth-{depth}" id="li-comment-{cid}">'
                    f'<div id="comment-{cid}"><div class="comment-author vcard">'
                    f'<cite class="fn">{e(comment["author"])}</cite> <span class="says">says:'
                    f'</span></div><div class="comment-meta commentmetadata"><a href="{link}">'
                    f"{stamp}</a></div>{text}</div>{children}</li>")
        return (f'<li id="comment-{cid}" class="comment depth-{depth}">'
                f'<article id="div-comment-{cid}" class="comment-body"><footer '
                f'class="comment-meta"><div class="comment-author vcard"><b class="fn">'
                f'{e(comment["author"])}</b> <span class="says">says:</span></div>'
                f'<div class="comment-metadata"><a href="{link}"><time datetime="'
                f'{when.isoformat(timespec="seconds")}">{stamp}</time></a></div></footer>'
                f'<div class="comment-content">{text}</div></article>{children}</li>')

    items = "".join(item(c, 1) for c in by_parent.get(None, []))
    listing = f'<ol class="comment-list">{items}</ol>' if items else ""
    if theme.comments == "script":  # the plugin's script prints the list and the form
        return (f'<div id="comments" class="comments-loader" data-post="{post.id}">Loading '
                "comments…</div>")
    return (f'<div id="comments" class="comments-area">{listing}<div id="respond" '
            f'class="comment-respond"><h3 id="reply-title">Leave a comment</h3><form '
            f'action="{ctx.url("/wp-comments-post.php")}" method="post"><p>Your email address '
            f'will not be published.</p><textarea name="comment"></textarea><input '
            f'type="hidden" name="comment_post_ID" value="{post.id}"></form></div></div>')


def variant_page(ctx: Context, post: Post, theme: Theme) -> str:
    """``post`` rendered through ``theme``."""
    title = display_title(post)
    tag, cls = theme.headline
    attributes = f' class="{cls}"' if cls else ""
    text = (f'<a href="{e(ctx.url(post.path))}" rel="bookmark">{e(title)}</a>'
            if cls == "linked" else e(title))  # the_title() in a permalink, as blogs print it
    headline = f"<{tag}{attributes}>{text}</{tag}>"
    date, byline = _date_html(theme, post), _byline_html(ctx, theme, post)
    signature = ""
    if theme.byline_at_end:  # the date stays on top; the byline closes the story
        meta, signature = date, f'<div class="story-signature">{byline}</div>'
    elif theme.byline == "meta-line" or theme.date_wrapper == "meta-line":
        meta = f'<div class="story-meta">{byline} <span class="sep">|</span> {date}</div>'
    else:
        meta = f"{byline}\n{date}" if theme.date_after_byline else f"{date}\n{byline}"
    dek = f'<p class="story-dek">{e(post.dek)}</p>' if post.dek else ""
    box = "".join(f'<div class="writer-box"><h4>About {e(name)}</h4><p>{e(name)} writes for '
                  f"{e(TITLE_SUFFIX.split(':')[0])}. Reach {e(name.split()[0])} at the "
                  "newsroom.</p></div>" for name in post.authors) if theme.author_box else ""
    share = ('<div class="story-tools"><a href="https://example.org/share">Facebook</a> '
             '<a href="https://example.org/tweet">Twitter</a> <a href="mailto:?">Email</a>'
             "</div>") if theme.share_bar else ""
    rail_before = _rail(ctx, post, "before") if theme.rail in ("before", "both") else ""
    rail_after = _rail(ctx, post, "after") if theme.rail in ("after", "both") else ""
    wrapper = (f'<article id="post-{post.id}" class="{post_class(post)}">' if theme.post_class
               else '<div class="story">')
    closing = "</article>" if theme.post_class else "</div>"
    body = blocks_html(ctx, post, _figure(theme))  # type: ignore[arg-type]
    lead = _lead(ctx, theme, post)
    hero = header = ""
    if theme.layout == "hero":
        hero = f'<div class="hero-band"><div class="wrap">{headline}\n{dek}\n{meta}</div></div>'
    elif theme.layout == "meta_below_lead":
        header = f'<header class="story-header">{headline}\n{dek}\n</header>'
        lead = f'{lead}\n<div class="story-info">{meta}</div>'
    else:
        header = f'<header class="story-header">{headline}\n{dek}\n{meta}\n</header>'
    main = f"""{hero}
{rail_before}
{wrapper}
{header}
{lead}
{share}
<div class="{theme.content_class}">
{body}
</div>
{signature}
{post_meta(ctx, post)}
{box}
{rail_after}
{_comments(ctx, theme, post)}
{closing}"""
    head = _head(ctx, theme, post, title)
    return document(ctx, title=title, body_class=f"single single-post postid-{post.id}",
                    main=main, canonical=ctx.url(post.path), head=head)


def _head(ctx: Context, theme: Theme, post: Post, title: str) -> str:
    """Shortlink and feed links always (WordPress prints them); times and JSON-LD only when the
    theme (or its SEO plugin) prints them."""
    omit = () if theme.og_times else ("date",)
    head = head_meta(ctx, post, title, omit, article_times=theme.og_times)
    return head + (json_ld(ctx, post, title, ()) if theme.jsonld else "")
