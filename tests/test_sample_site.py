"""The sample site behaves like the real Blade to a crawler, and keeps its test-double promises.

Checked over real HTTP with the standard library (``http.client`` where redirects must not be
followed), against small sites started per module or per test.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from datetime import date, timedelta, timezone
from email.utils import format_datetime
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from blade_spider.sample_site import SampleSite, generate_posts
from blade_spider.sample_site.context import WRONG_FEED_BASE
from blade_spider.sample_site.model import slugify
from tests.conftest import WORDPRESS

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
UTC = timezone.utc


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    """A read-only site shared by the tests that do not change it."""
    with SampleSite(n=40, seed=3, protected_ids=()) as running:
        yield running


@pytest.fixture
def fresh() -> Iterator[SampleSite]:
    """A site a test may change, with a short ``timeout`` fault."""
    with SampleSite(n=30) as running:
        running.timeout_sleep = 0.5
        yield running


def get(
    site: SampleSite, path: str, headers: dict[str, str] | None = None, timeout: float = 5
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: (status, lower-cased headers, raw body)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def page(site: SampleSite, path: str) -> str:
    status, _, body = get(site, path)
    assert status == 200, path
    return body.decode("utf-8")


def locs(xml_text: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(xml_text).iter(f"{SM}loc")]


class _Links(HTMLParser):
    """Collects ``href`` of anchors, optionally only those with a given class or rel."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            href, cls, rel = (found.get(name) or "" for name in ("href", "class", "rel"))
            self.links.append((href, cls, rel))


def links(html_text: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(html_text)
    return parser.links


# ---------------------------------------------------------------------------------------------
# Generator


def test_generate_posts_is_deterministic_and_ordered() -> None:
    first, again = generate_posts(200, seed=5), generate_posts(200, seed=5)
    assert first == again
    assert first != generate_posts(200, seed=6)
    assert [p.id for p in first] == sorted({p.id for p in first})
    assert len({p.path for p in first}) == 200


def test_generated_posts_cover_the_hard_cases() -> None:
    posts = generate_posts(400)
    assert {p.layout for p in posts} == {"zox", "dateline"}
    assert all((p.layout == "zox") == (p.published.year >= 2020) for p in posts)
    assert {p.published.tzname() for p in posts} == {"EST", "EDT"}
    assert any(p.published.month == 11 and p.published.hour == 1 for p in posts)
    assert any(p.published.month == 3 and p.published.hour == 3 for p in posts)
    assert any(c in p.title for p in posts for c in "’“”")
    assert any("ú" in name for p in posts for name in p.authors)
    assert any(len(p.authors) == 2 for p in posts)
    assert any(c["parent_id"] for p in posts for c in p.comments)
    assert any("%E2%80%99" in p.path for p in posts)
    assert {kind for p in posts for kind, _ in p.blocks} == {
        "paragraph", "heading", "quote", "list_item",
    }  # fmt: skip
    credits = {i["credit"] for p in posts for i in p.images}
    assert {"Washington Blade photo by Michael Key", "Photo public domain", None} <= credits
    for post in posts:
        assert 2 <= sum(kind == "paragraph" for kind, _ in post.blocks) <= 13
        assert post.modified.timestamp() >= post.published.timestamp()
        assert all(c["published"].timestamp() > post.published.timestamp() for c in post.comments)
        assert post.dek is None or post.layout == "zox"


def test_generate_50000_posts_time_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    posts = generate_posts(50_000)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\ngenerate_posts(50000): {elapsed:.2f} s")
    assert len(posts) == 50_000
    assert posts[-1].published.date() <= date(2025, 6, 30)


# ---------------------------------------------------------------------------------------------
# Discovery documents


def test_robots_txt_lists_sitemaps_and_disallows_one_article(site: SampleSite) -> None:
    text = page(site, "/robots.txt")
    assert f"Sitemap: {site.url}/sitemap_index.xml" in text
    assert f"Sitemap: {site.url}/wp-sitemap.xml" in text
    blocked = [p for p in site.posts if p.path in site.disallowed_paths]
    assert len(blocked) == 1
    assert f"Disallow: {blocked[0].path}" in text
    assert {"/wp-admin/", "/private/"} <= set(site.disallowed_paths)
    assert blocked[0] not in site.archivable_posts()


def test_yoast_sitemaps_list_every_post_once_with_lastmod(site: SampleSite) -> None:
    index = ET.fromstring(page(site, "/sitemap_index.xml"))
    files = [el.findtext(f"{SM}loc") for el in index.iter(f"{SM}sitemap")]
    assert files[0] == f"{site.url}/post-sitemap.xml"
    assert f"{site.url}/page-sitemap.xml" in files
    seen: dict[str, str] = {}
    for url in files:
        if "post-sitemap" in url:
            for entry in ET.fromstring(page(site, urlsplit(url).path)).iter(f"{SM}url"):
                seen[entry.findtext(f"{SM}loc") or ""] = entry.findtext(f"{SM}lastmod") or ""
    live = [p for p in site.posts if p.live]
    assert sorted(seen) == sorted(site.url_for(p) for p in live)
    assert all(seen[site.url_for(p)] == p.modified.astimezone(UTC).isoformat() for p in live)


def test_sitemaps_split_into_files_of_1000_and_2000() -> None:
    with SampleSite(n=2100) as big:
        files = locs(page(big, "/sitemap_index.xml"))
        posts = [f for f in files if "post-sitemap" in f]
        assert [urlsplit(f).path for f in posts] == [
            "/post-sitemap.xml", "/post-sitemap2.xml", "/post-sitemap3.xml",
        ]  # fmt: skip
        yoast = [u for f in posts for u in locs(page(big, urlsplit(f).path))]
        assert len(yoast) == len(set(yoast)) == 2100
        core_files = [f for f in locs(page(big, "/wp-sitemap.xml")) if "posts-post" in f]
        assert len(core_files) == 2
        core = [u for f in core_files for u in locs(page(big, urlsplit(f).path))]
        assert sorted(core) == sorted(yoast)
        assert get(big, "/post-sitemap4.xml")[0] == 404


def test_core_sitemap_lists_posts_by_id_without_lastmod(site: SampleSite) -> None:
    files = locs(page(site, "/wp-sitemap.xml"))
    assert files[0] == f"{site.url}/wp-sitemap-posts-post-1.xml"
    text = page(site, "/wp-sitemap-posts-post-1.xml")
    assert "lastmod" not in text
    by_id = sorted((p for p in site.posts if p.live), key=lambda p: p.id)
    assert locs(text) == [site.url_for(p) for p in by_id]


def test_feed_has_ten_newest_items_and_a_wrong_self_link(site: SampleSite) -> None:
    status, headers, body = get(site, "/feed/")
    assert status == 200 and headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(body).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert len(items) == 10
    newest = sorted((p for p in site.posts if p.live), key=lambda p: p.published)[-10:][::-1]
    assert [i.findtext("guid") for i in items] == [f"{site.url}/?p={p.id}" for p in newest]
    assert all(i.findtext("pubDate") for i in items)
    assert items[0].findtext("link", "").startswith(site.url_for(newest[0]) + "?utm_source=rss")
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link is not None and self_link.get("href", "").startswith(WRONG_FEED_BASE)
    assert site.url != WRONG_FEED_BASE


def test_category_pagination_reaches_every_post(site: SampleSite) -> None:
    home = page(site, "/")
    categories = {h for h, _, _ in links(home) if "/category/" in h}
    found: set[str] = set()
    for start in categories:
        url: str | None = start
        while url:
            anchors = links(page(site, urlsplit(url).path))
            found |= {h for h, _, rel in anchors if rel == "bookmark"}
            url = next((h for h, cls, _ in anchors if "next page-numbers" in cls), None)
    assert found == {site.url_for(p) for p in site.posts if p.live}


def test_archives_list_newest_first_ten_per_page(site: SampleSite) -> None:
    anchors = links(page(site, "/"))
    teasers = [h for h, _, rel in anchors if rel == "bookmark"]
    newest = sorted((p for p in site.posts if p.live), key=lambda p: p.published)[::-1]
    assert teasers == [site.url_for(p) for p in newest[:10]]
    day = newest[0].published
    assert site.url_for(newest[0]) in page(site, f"/{day:%Y/%m/%d}/")
    assert site.url_for(newest[0]) in page(site, f"/{day:%Y/%m}/")
    author_page = page(site, f"/author/{slugify(newest[0].authors[0])}/")
    assert site.url_for(newest[0]) in author_page


def test_pages_link_alternate_dead_and_offsite_urls(site: SampleSite) -> None:
    hrefs = [h for h, _, _ in links(page(site, "/"))]
    assert any("?utm_source=rss" in h for h in hrefs)
    assert any("replytocom=" in h for h in hrefs)
    assert any(h.endswith("#comments") for h in hrefs)
    assert any(h.endswith("/amp/") for h in hrefs)
    assert any("/comment-page-2/" in h for h in hrefs)
    assert any(h.startswith("http://www.washingtonblade.com/") for h in hrefs)
    assert any(h.startswith("https://washingtonblade.com/") for h in hrefs)
    assert "https://example.org/partner-story/" in hrefs
    dead = next(h for h in hrefs if "unpublished" in h)
    assert get(site, urlsplit(dead).path)[0] == 404


def test_alternate_urls_answer_like_wordpress(site: SampleSite) -> None:
    post = next(p for p in site.posts if p.live and p.path not in site.disallowed_paths)
    status, headers, _ = get(site, post.path[:-1])
    assert (status, headers["location"]) == (301, site.url_for(post))
    status, headers, _ = get(site, f"/?p={post.id}")
    assert (status, headers["location"]) == (301, site.url_for(post))
    canonical = f'<link rel="canonical" href="{site.url_for(post)}">'
    assert canonical in page(site, post.path + "comment-page-2/")
    assert canonical in page(site, post.path + "?replytocom=1")
    amp = page(site, post.path + "amp/")
    assert "<html amp" in amp and canonical in amp
    unicode_post = next((p for p in generate_posts(60) if "%E2%80%99" in p.path), None)
    assert unicode_post is not None
    with SampleSite([unicode_post]) as tiny:
        raw = unicode_post.path.replace("%E2%80%99", "%e2%80%99")
        assert get(tiny, raw)[0] == 200


def test_rest_api_pages_and_counts(site: SampleSite) -> None:
    status, headers, body = get(site, "/wp-json/wp/v2/posts?per_page=7&page=2")
    live = [p for p in site.posts if p.live]
    assert status == 200
    assert headers["x-wp-total"] == str(len(live))
    assert headers["x-wp-totalpages"] == str(-(-len(live) // 7))
    items = json.loads(body)
    assert len(items) == 7 and {"id", "link", "modified_gmt", "content"} <= set(items[0])
    assert get(site, "/wp-json/wp/v2/posts?per_page=101")[0] == 400
    assert get(site, "/wp-json/wp/v2/posts?page=99")[0] == 400
    assert f'<link rel="https://api.w.org/" href="{site.url}/wp-json/">' in page(site, "/")


def test_rest_modified_after_returns_only_changed_posts(fresh: SampleSite) -> None:
    changed = fresh.posts[5]
    before = max(p.modified for p in fresh.posts)
    fresh.update_post(changed.id, title="A corrected headline")
    query = (
        f"/wp-json/wp/v2/posts?modified_after={before.isoformat()}"
        "&orderby=modified&order=asc&per_page=100&_fields=id,link,modified_gmt,date_gmt"
    ).replace("+", "%2B")
    status, headers, body = get(fresh, query)
    items = json.loads(body)
    assert status == 200, items
    assert [item["id"] for item in items] == [changed.id]
    assert set(items[0]) == {"id", "link", "modified_gmt", "date_gmt"}
    assert headers["x-wp-total"] == "1"
    assert "A corrected headline" in page(fresh, changed.path)


# ---------------------------------------------------------------------------------------------
# Article markup


def test_zox_article_has_theme_markup_and_yoast_graph(site: SampleSite) -> None:
    post = next(p for p in site.posts if p.layout == "zox" and p.images and p.comments)
    html = page(site, post.path)
    assert f'<body class="post-template-default single single-post postid-{post.id}' in html
    assert '<h1 class="mvp-post-title left entry-title" itemprop="headline">' in html
    assert f'datetime="{post.published:%Y-%m-%d}"' in html
    assert f'<link rel="shortlink" href="{site.url}/?p={post.id}">' in html
    graph = json.loads(re.search(r'yoast-schema-graph">(.*?)</script>', html).group(1))["@graph"]
    article = graph[0]
    assert article["@type"] == "Article" and article["articleSection"] == post.categories
    assert article["datePublished"].endswith("+00:00")
    assert {node["@type"] for node in graph} >= {"WebPage", "WebSite", "Organization", "Person"}
    assert 'class="commentlist"' in html and "?replytocom=" in html
    assert "Connect with us" in html and "More in" in html


def test_dateline_article_prints_zone_label_and_byline(site: SampleSite) -> None:
    post = next(p for p in site.posts if p.layout == "dateline")
    html = page(site, post.path)
    when = post.published
    label = f"{when:%B} {when.day}, {when.year} at {when.hour % 12 or 12}:{when:%M}"
    assert f'<p class="date-author">{label} ' in html
    assert f" {when.tzname()} | by <a" in html
    assert "application/ld+json" not in html
    assert '<div class="post-body">' in html and 'class="author-bio"' in html


def test_protected_post_is_listed_but_shows_a_password_form() -> None:
    posts = generate_posts(12)
    with SampleSite(posts, protected_ids=[posts[-1].id]) as site:
        html = page(site, posts[-1].path)
        assert "post-password-form" in html and f"Protected: {posts[-1].title}" in html
        assert site.url_for(posts[-1]) in page(site, "/post-sitemap.xml")
        assert posts[-1] not in site.archivable_posts()


def test_images_and_issue_pdf_are_real_files(site: SampleSite) -> None:
    post = next(p for p in site.posts if p.images)
    status, headers, body = get(site, post.images[0]["url"])
    assert (status, headers["content-type"], body[:2], body[-2:]) == (
        200, "image/jpeg", b"\xff\xd8", b"\xff\xd9",
    )  # fmt: skip
    assert "/content/files/2019/10/191018.pdf" in page(site, "/issues/2019-10-18/")
    assert get(site, "/content/files/2019/10/191018.pdf")[2].startswith(b"%PDF-1.4")


# ---------------------------------------------------------------------------------------------
# Conditional requests, mutation, observation


#: A captured stock WordPress response and the sample site's path for the same kind of answer.
CAPTURED_KINDS = [
    ("classic/2021-07-14-chechnya-purge-survivors-still-waiting-on-asylum.html", "article"),
    ("classic/home.html", "/"),
    ("classic/category-news.html", "/category/news/"),
    ("site/robots.txt", "/robots.txt"),
    ("site/wp-sitemap.xml", "/wp-sitemap.xml"),
    ("site/wp-sitemap-posts-post-1.xml", "/wp-sitemap-posts-post-1.xml"),
    ("site/feed.xml", "/feed/"),
    ("site/rest-posts.json", "/wp-json/wp/v2/posts"),
]


@pytest.mark.parametrize(("captured", "path"), CAPTURED_KINDS)
def test_validators_are_sent_where_stock_wordpress_sends_them(
        site: SampleSite, captured: str, path: str) -> None:
    """Only feeds carry ETag/Last-Modified on a stock WordPress (pages, sitemaps, robots.txt and
    the REST API do not), and only they answer a conditional request with 304."""
    responses = json.loads((WORDPRESS / "site" / "responses.json").read_text())["responses"]
    real = {name.lower() for entry in responses if entry["file"] == captured
            for name, _ in entry["headers"]}
    path = site.posts[3].path if path == "article" else path
    status, headers, _ = get(site, path)
    assert status == 200
    for validator in ("etag", "last-modified"):
        assert (validator in headers) == (validator in real), validator
    if "etag" in headers:
        assert get(site, path, {"If-None-Match": headers["etag"]})[0] == 304
    else:
        future = format_datetime(site.posts[-1].modified + timedelta(days=1), usegmt=False)
        assert get(site, path, {"If-Modified-Since": future})[0] == 200


def test_a_caching_plugin_adds_validators_and_304s(fresh: SampleSite) -> None:
    post = fresh.posts[3]
    assert "etag" not in get(fresh, post.path)[1]
    fresh.set_option("caching_plugin", True)
    status, headers, _ = get(fresh, post.path)
    assert status == 200 and headers["etag"].startswith('"')
    assert headers["last-modified"] == format_datetime(post.modified.astimezone(UTC), usegmt=True)
    assert get(fresh, post.path, {"If-None-Match": headers["etag"]})[0] == 304
    assert get(fresh, post.path, {"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert get(fresh, post.path, {"If-None-Match": '"stale"'})[0] == 200
    older = format_datetime(post.modified - timedelta(days=1), usegmt=False)
    assert get(fresh, post.path, {"If-Modified-Since": older})[0] == 200


def test_update_post_changes_etag_and_lastmod(fresh: SampleSite) -> None:
    fresh.set_option("caching_plugin", True)
    post = fresh.posts[2]
    _, headers, _ = get(fresh, post.path)
    updated = fresh.update_post(post.id, dek="New deck")
    assert updated.modified > post.modified
    status, new_headers, _ = get(fresh, post.path, {"If-None-Match": headers["etag"]})
    assert status == 200 and new_headers["etag"] != headers["etag"]


def test_remove_post_gives_410_and_leaves_listings(fresh: SampleSite) -> None:
    post = fresh.posts[-1]
    fresh.remove_post(post.id)
    assert get(fresh, post.path)[0] == 410
    for listing in ("/post-sitemap.xml", "/wp-sitemap-posts-post-1.xml", "/feed/", "/"):
        assert fresh.url_for(post) not in page(fresh, listing)
    fresh.remove_post(fresh.posts[0].id, status=404)
    assert get(fresh, fresh.posts[0].path)[0] == 404


def test_add_post_appears_everywhere(fresh: SampleSite) -> None:
    post = fresh.create_post(title="Brand new story")
    assert post.path in page(fresh, "/feed/")
    assert fresh.url_for(post) in page(fresh, "/post-sitemap.xml")
    assert "Brand new story" in page(fresh, post.path)
    with pytest.raises(ValueError):
        fresh.add_post(post)


def test_options_switch_features_off(fresh: SampleSite) -> None:
    fresh.set_option("feed", False)
    fresh.set_option("sitemaps", False)
    fresh.set_option("rest_api", False)
    fresh.set_option("crawl_delay", 2)
    assert get(fresh, "/feed/")[0] == 404
    assert get(fresh, "/sitemap_index.xml")[0] == 404
    assert get(fresh, "/wp-json/wp/v2/posts")[0] == 401
    robots = page(fresh, "/robots.txt")
    assert "sitemap_index" not in robots and "Crawl-delay: 2" in robots
    assert "api.w.org" not in page(fresh, "/")
    fresh.set_robots("User-agent: *\nDisallow: /\n")
    assert fresh.disallowed_paths == ("/",)
    with pytest.raises(ValueError):
        fresh.set_option("nonsense", 1)


def test_requests_are_recorded(fresh: SampleSite) -> None:
    fresh.reset_requests()
    get(fresh, "/robots.txt?x=1", {"User-Agent": "blade-test"})
    get(fresh, "/nowhere/")
    log = fresh.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/robots.txt?x=1", 200), ("GET", "/nowhere/", 404),
    ]  # fmt: skip
    assert log[0].headers["User-Agent"] == "blade-test"
    fresh.reset_requests()
    assert fresh.requests == []


# ---------------------------------------------------------------------------------------------
# Faults


def faulted(site: SampleSite, path: str, fault: str, **kwargs: object) -> tuple[int, dict, bytes]:
    site.inject(path, fault, times=1)
    return get(site, path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fault", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_error_faults(fresh: SampleSite, fault: str, status: int) -> None:
    answer, headers, _ = faulted(fresh, "/feed/", fault)
    assert answer == status
    assert headers.get("retry-after") == ("1" if fault == "429" else None)
    assert get(fresh, "/feed/")[0] == 200  # times=1: back to normal


def test_fault_times_counts_requests(fresh: SampleSite) -> None:
    fresh.inject("/feed/", "503", times=2)
    assert [get(fresh, "/feed/")[0] for _ in range(3)] == [503, 503, 200]
    fresh.inject("/feed/", "503")
    assert [get(fresh, "/feed/")[0] for _ in range(3)] == [503, 503, 503]
    fresh.clear_faults()
    assert get(fresh, "/feed/")[0] == 200


def test_timeout_fault_sends_nothing_then_hangs_up(fresh: SampleSite) -> None:
    fresh.inject("/feed/", "timeout")
    with pytest.raises((TimeoutError, socket.timeout)):
        get(fresh, "/feed/", timeout=0.2)
    start = time.perf_counter()
    with pytest.raises(http.client.RemoteDisconnected):
        get(fresh, "/feed/", timeout=5)
    assert 0.4 < time.perf_counter() - start < 3
    assert fresh.requests[-1].status == 0


def test_slow_fault_answers_in_full_but_late(fresh: SampleSite) -> None:
    normal = get(fresh, "/feed/")
    fresh.set_option("slow_sleep", 0.5)
    fresh.inject("/feed/", "slow", times=1)
    start = time.perf_counter()
    late = get(fresh, "/feed/", timeout=5)
    assert 0.45 < time.perf_counter() - start < 3
    assert late[0] == 200 and late[2] == normal[2]


def test_reset_fault_cuts_the_body(fresh: SampleSite) -> None:
    fresh.inject("/", "reset", times=1)
    with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
        get(fresh, "/")


def test_truncated_gzip_fault(fresh: SampleSite) -> None:
    _, headers, body = faulted(fresh, "/", "truncated_gzip")
    assert headers["content-encoding"] == "gzip"
    with pytest.raises(EOFError):
        gzip.decompress(body)


def test_gzip_bomb_fault_is_small_but_inflates_hugely(fresh: SampleSite) -> None:
    _, headers, body = faulted(fresh, "/", "gzip_bomb")
    assert headers["content-encoding"] == "gzip" and len(body) < 1_000_000
    inflater = zlib.decompressobj(31)
    inflated = inflater.decompress(body, 20_000_000)
    assert len(inflated) == 20_000_000 and not inflater.eof


def test_redirect_faults(fresh: SampleSite) -> None:
    fresh.inject("/about/", "redirect_loop")
    status, headers, _ = get(fresh, "/about/")
    assert (status, headers["location"]) == (302, f"{fresh.url}/about/?loop=1")
    assert get(fresh, "/about/?loop=1")[1]["location"] == f"{fresh.url}/about/"
    fresh.clear_faults()
    _, headers, _ = faulted(fresh, "/about/", "redirect_offsite")
    assert headers["location"] == "https://example.org/"
    fresh.inject("/contact/", "redirect_chain", times=1)
    path, hops = "/contact/", 0
    while True:
        status, headers, _ = get(fresh, path)
        if status != 301:
            break
        path, hops = urlsplit(headers["location"])._replace(scheme="", netloc="").geturl(), hops + 1
    assert (status, hops) == (200, 5)


def test_content_faults(fresh: SampleSite) -> None:
    post = next(p for p in fresh.posts if not p.title.isascii())
    status, _, body = faulted(fresh, "/nowhere-really/", "soft404")
    assert status == 200 and b"Page not found" in body
    _, _, body = faulted(fresh, post.path, "malformed_html")
    text = body.decode()
    assert text.rfind("<") > text.rfind(">") and not text.endswith("</html>\n")
    _, headers, body = faulted(fresh, post.path, "cp1252")
    assert headers["content-type"] == "text/html" and b"charset" not in body.lower()
    assert post.title.encode("cp1252") in body
    fresh.oversize_bytes = 300_000
    _, _, body = faulted(fresh, post.path, "oversize")
    assert len(body) > 300_000


def test_sitemap_faults(fresh: SampleSite) -> None:
    _, headers, body = faulted(fresh, "/sitemap_index.xml", "not_xml")
    assert headers["content-type"].startswith("text/html") and body.startswith(b"<!DOCTYPE html")
    _, _, body = faulted(fresh, "/post-sitemap.xml", "billion_laughs")
    assert b"<!ENTITY lol9" in body and b"&lol9;" in body
    _, _, body = faulted(fresh, "/post-sitemap.xml", "xxe")
    assert b'<!ENTITY xxe SYSTEM "file:///etc/passwd">' in body


def test_missing_field_faults(fresh: SampleSite) -> None:
    zox = next(p for p in fresh.posts if p.layout == "zox")
    old = next(p for p in fresh.posts if p.layout == "dateline")
    html = faulted(fresh, zox.path, "missing_headline")[2].decode()
    assert "<h1" not in html and "og:title" not in html and '"headline"' not in html
    html = faulted(fresh, zox.path, "missing_date")[2].decode()
    assert "datePublished" not in html and "published_time" not in html
    html = faulted(fresh, old.path, "missing_date")[2].decode()
    assert '<p class="date-author">by ' in html
    assert f'itemprop="headline">{escape(zox.title)}</h1>' in page(fresh, zox.path)


def test_unknown_fault_is_refused(fresh: SampleSite) -> None:
    with pytest.raises(ValueError):
        fresh.inject("/", "gremlins")


def test_head_request_has_length_but_no_body(site: SampleSite) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    conn.request("HEAD", "/")
    response = conn.getresponse()
    assert response.status == 200 and int(response.getheader("Content-Length") or 0) > 0
    assert response.read() == b""
    conn.close()
