"""Every shortcut the extraction takes for speed gives what the general path it skips gives.

Each test pins one shortcut against the slower code it stands in for (or against the behaviour
that code had), on the inputs where the two could part ways.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import etree
from parsel.selector import create_root_node
from scrapy.http import HtmlResponse, Request

from blade_spider import urls
from blade_spider.extract import extract_article
from blade_spider.extract.blocks import (
    CHROME_PATTERN,
    CHROME_TAGS,
    CONTENT_PATTERN,
    PAGE_TAGS,
    is_chrome,
    layout_classes,
)
from blade_spider.extract.images import image_url, is_photo
from blade_spider.extract.layers.blade import BladeDatelineLayer
from blade_spider.extract.layers.wordpress import WordPressLayer
from blade_spider.extract.page import Page
from blade_spider.record.bylines import split_authors
from blade_spider.record.captions import split_credit
from blade_spider.record.text import (
    INVISIBLE_TAGS,
    append_text,
    decode_cfemail,
    element_text,
    lowered,
    normalize_space,
)
from tests.conftest import FIXTURES

URL = "https://www.washingtonblade.com/2017/09/05/a-story/"
_SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\xa0", "\u2009", "\u3000", "\x85", "\u200b",
           "\x0b", "\x1f", "\u2028"]


def _response(body: bytes, url: str = URL, content_type: str = "text/html; charset=UTF-8",
              ) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, request=Request(url),
                        headers={"Content-Type": content_type})


def _page(html: str) -> Page:
    return Page(_response(html.encode("utf-8")))


def _reference_normalize(text: str) -> str:
    """normalize_space without its shortcuts: the regex path for every input."""
    text = re.sub(r"[^\S\n]+", " ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def test_normalize_space_shortcuts_agree_with_the_regex_path() -> None:
    rng = random.Random(7)
    words = ["Blade", "D.C.", "’s", "naïve", "", "a"]
    for _ in range(5000):
        text = "".join(rng.choice(words + _SPACES) for _ in range(rng.randint(0, 12)))
        assert normalize_space(text) == _reference_normalize(text), repr(text)


@pytest.mark.parametrize(("classes", "chrome"), [
    ("SHARE-buttons", True), ("Mvp-Author-Box", True), ("sr-only", True),
    ("Entry-Content share", False), ("story-body", False),
])
def test_word_lists_match_in_any_letter_case(classes: str, chrome: bool) -> None:
    element = etree.fromstring(f'<div class="{classes}">x</div>')
    assert is_chrome(element) is chrome
    by_id = etree.fromstring(f'<div id="{classes}">x</div>')
    assert is_chrome(by_id) is chrome


def test_photo_and_credit_word_lists_ignore_letter_case() -> None:
    assert not is_photo(etree.fromstring('<img src="x.jpg"/>'), "https://x/Gravatar/AVATAR.png")
    assert is_photo(etree.fromstring('<img src="x.jpg"/>'), "https://x/2017/09/march.jpg")
    assert split_credit("Protesters. (AP PHOTO BY JANE DOE)") == "AP PHOTO BY JANE DOE"
    assert split_authors("By JOHN DOE, STAFF WRITER") == ["JOHN DOE"]


_BASES = ["https://www.washingtonblade.com", "http://127.0.0.1:8089", "HTTP://WWW.Example.COM",
          "https://例え.jp", "http://localhost:80"]
_URLS = [
    "https://www.washingtonblade.com/2017/09/05/slug-here/",
    "http://washingtonblade.com/2017/09/05/slug-here", "https://WWW.washingtonblade.com/a/b",
    "http://127.0.0.1:8089/x/", "http://127.0.0.1:8089", "https://www.washingtonblade.com/",
    "https://www.washingtonblade.com/a//b/./c/../d", "https://www.washingtonblade.com/~u/_x.y",
    "http://www.example.com/Path/To", "http://localhost:80/x", "http://localhost/x",
    "https://www.washingtonblade.com/.", "https://www.washingtonblade.com/a/..",
    "https://www.washingtonblade.com/a/.hidden", "https://www.washingtonblade.com/a b/",
    "https://www.washingtonblade.com/caf%C3%A9/", "https://www.washingtonblade.com/café/",
    "https://www.washingtonblade.com/p/?utm_source=x&b=2&a=1#frag", " https://x.org/a/ ",
    "http://WWW.WashingtonBlade.COM/2017/09/05/slug/amp/", "http://washingtonblade.com.evil.com/x",
    "http://127.0.0.1:8089/2017/09/05/slug/2/", "http://127.0.0.1:80/2017/09/05/slug",
    "http://localhost:8089/2017/09/05/slug/", "https://www.washingtonblade.com/2017/9/5/slug/",
    "https://www.washingtonblade.com:443/2017/09/05/slug/",
]


@pytest.mark.parametrize("base", _BASES)
def test_plain_urls_skip_canonicalising_to_the_same_result(
        base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site = urls.SiteHosts(base)
    shortcut = {url: (site.normalize(url), site.article_url(url)) for url in _URLS}
    assert any(urls._PLAIN_URL.match(url) for url in _URLS)
    assert any(article for _, article in shortcut.values())
    monkeypatch.setattr(urls, "_PLAIN_URL", re.compile(r"(?!)"))  # w3lib for every URL
    site = urls.SiteHosts(base)
    assert shortcut == {url: (site.normalize(url), site.article_url(url)) for url in _URLS}


_LINKS = [*_URLS, "/wp-content/uploads/a.jpg", "a.jpg", "../b.jpg", "//cdn.example.com/c.jpg",
          "http:///x.jpg", "https://www.washingtonblade.com/a.jpg?", "https://x.org/a.jpg#",
          "https://x.org/a;b.jpg", "https://x.org/a.jpg?resize=300", "https://x.org/a\tb.jpg",
          "https://[::1]/a.jpg", "https://x.org", "https://x.org/a/../b.jpg", "?p=1", "#top", ""]


@pytest.mark.parametrize("base", [*_BASES, "https://www.washingtonblade.com/2017/09/05/a/"])
def test_absolute_url_skips_joining_to_the_same_result(base: str) -> None:
    assert any(urls._PLAIN_URL.match(url) for url in _LINKS)
    for url in _LINKS:
        assert urls.absolute_url(base, url) == urljoin(base, url), url


def _fixture_pages() -> list[Path]:
    return sorted(FIXTURES.rglob("*.html"))


@pytest.mark.parametrize(("body", "content_type"), [
    *[(path.read_bytes(), "text/html; charset=UTF-8") for path in _fixture_pages()[:12]],
    ("\ufeff<html><body><p>Café</p></body></html>".encode(), "text/html"),
    ("<html><body><p>Café</p></body></html>".encode("latin-1"), "text/html; charset=ISO-8859-1"),
    (b"<html><body><p>bad \xff\xfe bytes</p></body></html>", "text/html; charset=UTF-8"),
    (b"<html><body><p>nul\x00byte</p></body></html>", "text/html; charset=UTF-8"),
    (b"   ", "text/html; charset=UTF-8"),
])
def test_page_parsed_from_bytes_as_parsel_parses_the_text(body: bytes, content_type: str) -> None:
    response = _response(body, content_type=content_type)
    from_text = create_root_node(response.text, etree.HTMLParser, base_url=URL)
    assert etree.tostring(Page(response).root) == etree.tostring(from_text)


def test_dateline_found_after_an_html_comment_and_in_document_order() -> None:
    page = _page(
        "<html><body><div class='top'><p>Share | Tweet</p></div>"
        "<p class='meta'><!-- date line -->September 5, 2017 at 6:37 pm EDT | "
        "by <a href='/author/lavers/'>Michael K. Lavers</a></p>"
        "<h1>The headline</h1><p>Body text.</p>"
        "<p>October 1, 2018 | by Someone Else</p></body></html>"
    )
    found = BladeDatelineLayer.find_dateline(page)
    assert found is not None
    element, match = found
    assert element.get("class") == "meta"
    assert match.group("date") == "September 5, 2017 at 6:37 pm EDT"


def test_dateline_text_split_over_inline_elements() -> None:
    page = _page("<html><body><div><span>March 3, 2015</span> | by <b>Lou Chibbaro Jr.</b>"
                 "</div><h1>Headline</h1></body></html>")
    found = BladeDatelineLayer.find_dateline(page)
    assert found is not None and found[0].tag == "div"


@pytest.mark.parametrize(("markup", "post_id"), [
    ("<link rel='shortlink' href='https://wbla.de/?p=251117'>", "251117"),
    ("<body class='post-template-default single postid-42'></body>", "42"),
    ("<article id='post-77' class='post'></article>", "77"),
    ("<link rel='alternate' type='application/json' "
     "href='https://www.washingtonblade.com/wp-json/wp/v2/posts/9001'>", "9001"),
    ("<form><input type='hidden' name='comment_post_ID' value='31'></form>", "31"),
    ("<article id='post-x'></article><input name='comment_post_ID' value='zero'>", None),
])
def test_post_id_from_each_place_wordpress_prints_it(markup: str, post_id: str | None) -> None:
    assert WordPressLayer(_page(f"<html><head></head>{markup}</html>")).wp_post_id() == post_id


def test_a_script_in_a_sidebar_paragraph_does_not_outweigh_the_story() -> None:
    """Content is ranked by visible text: a count that takes in script text (libxml2's text
    serialiser, cheaper) would pick the rail."""
    story = "".join(f"<p>Paragraph {n} of the story, long enough to read.</p>" for n in range(4))
    script = "x" * 3000
    html = (
        "<html><body><p>March 3, 2015 | by Lou Chibbaro Jr.</p><h1>Headline</h1>"
        f"<div class='story'>{story}</div>"
        f"<div class='rail'><p>Ad<script>var a = '{script}';</script></p></div></body></html>"
    )
    article = extract_article(_response(html.encode()))
    assert article.body is not None and article.body.startswith("Paragraph 0 of the story")


def _reference_is_chrome(el: etree._Element) -> bool:
    """is_chrome as it read attributes before: each of the five looked up in turn."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in INVISIBLE_TAGS or tag in CHROME_TAGS:
        return True
    if tag in PAGE_TAGS:
        return False
    attrib = el.attrib
    if not attrib:
        return False
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style", "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    classes, element_id = layout_classes(attrib.get("class", "")), attrib.get("id", "")
    if lowered(CONTENT_PATTERN, classes) or lowered(CONTENT_PATTERN, element_id):
        return False
    return lowered(CHROME_PATTERN, classes) or lowered(CHROME_PATTERN, element_id)


def _reference_text(el: etree._Element, skip: set[etree._Element]) -> Iterator[str]:
    """Visible text as a generator per element, the way it was read before."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if el in skip or tag in INVISIBLE_TAGS or not tag:
        return
    if tag == "br":
        yield "\n"
        return
    if "data-cfemail" in el.attrib:
        decoded = decode_cfemail(el.attrib["data-cfemail"])
        yield decoded if decoded is not None else "".join(el.itertext())
        return
    if el.text:
        yield el.text.replace("\r", " ").replace("\n", " ")
    for child in el:
        yield from _reference_text(child, skip)
        if child.tail:
            yield child.tail.replace("\r", " ").replace("\n", " ")


_TRICKY = """<html><body><div id="c" class="entry-content">
<p hidden>h</p><p aria-hidden="true">a</p><p aria-hidden="false">kept</p>
<p style="display: none">s</p><p style="COLOR:red;Visibility : hidden">v</p><p style="">e</p>
<div class="share" id="entry-content">id says content</div><div id="related-posts">r</div>
<span class="Sharedaddy">x</span><a href="/x" title="t">link</a><br/>
<p>one<br>two <!-- c -->three<script>var x;</script><em>four <b>five</b></em>
<a class="__cf_email__" data-cfemail="543931393d14303b39353d3a7a373b39">[email]</a> tail</p>
<svg><text>no</text></svg><p>x<a data-cfemail="zz">bad</a>y</p></div></body></html>"""


def _trees() -> list[etree._Element]:
    pages = [path.read_bytes() for path in _fixture_pages()] + [_TRICKY.encode()]
    return [Page(_response(body)).root for body in pages]


def test_chrome_check_reading_names_once_agrees_with_reading_each_attribute() -> None:
    checked = 0
    for root in _trees():
        for el in root.iter():
            assert is_chrome(el) is _reference_is_chrome(el), etree.tostring(el)[:200]
            checked += 1
    assert checked > 1000


def test_visible_text_filling_one_list_agrees_with_the_generator_per_element() -> None:
    for root in _trees():
        for el in root.iter(etree.Element):
            chrome = {d for d in el.iterdescendants() if isinstance(d.tag, str) and is_chrome(d)}
            expected = normalize_space("".join(_reference_text(el, set())))
            assert element_text(el) == expected
            assert element_text(el, skip=chrome) == normalize_space(
                "".join(_reference_text(el, chrome)))
            out: list[str] = []
            append_text(el, out, is_chrome)
            assert "".join(out) == "".join(_reference_text(el, chrome)), etree.tostring(el)[:200]


def test_photo_url_candidates_read_lazily_in_the_same_order() -> None:
    cases = {
        '<img src="/a.jpg" data-src="/b.jpg">': "https://www.washingtonblade.com/a.jpg",
        '<img src="data:image/gif;base64,R0l" data-lazy-src="/b.jpg">':
            "https://www.washingtonblade.com/b.jpg",
        '<img src=" " data-original="/c.jpg" data-src="/d.jpg">':
            "https://www.washingtonblade.com/d.jpg",
        '<img src="blank.gif" srcset="/e-300.jpg 300w, /e-600.jpg 600w">':
            "https://www.washingtonblade.com/e-300.jpg",
        '<img src="spacer.gif" data-srcset="/f.jpg 1x">': "https://www.washingtonblade.com/f.jpg",
        '<img src="lazy-load.png">': None,
    }
    for markup, url in cases.items():
        assert image_url(etree.fromstring(markup, etree.HTMLParser()).find(".//img"), URL) == url


_TRICKY_COMMENTS = """<html><body><ol class="commentlist">
<li id="comment-1"><div class="comment-body"><div class="comment-metadata">
  <time>Monday</time><a href="#c1"><time datetime=" 2020-01-02T03:04:05Z ">x</time></a>
</div></div></li>
<li id="comment-2"><div class="comment-body"><span class="comment-date"><a href="#c2">
  <time datetime="">  </time>  March 3,  2019 </a></span></div></li>
<li id="comment-3"><div class="comment-body"><div class="wp-block-comment-date"><time>
  April 4</time></div><div class="comment-meta"><time datetime="2018-04-04">late</time></div>
</div></li>
<li id="comment-4"><div class="comment-body"><p>no meta</p>
  <time datetime="2017-05-05">t</time></div></li>
<li id="comment-5"><div class="comment-body comment-meta">just text</div></li>
<li id="comment-6"><div class="comment-body"><div class="comment-meta"> </div></div></li>
<li id="comment-7"><div class="comment-body"><div class="comment-meta"><a href="#c7">link</a>
  <time>Monday</time></div></div></li>
<li id="comment-8"><div class="comment-body"><div class="comment-meta">
  <time datetime="">first</time>
  <time datetime="2016-06-06">second</time></div></div></li>
</ol></body></html>"""


@pytest.mark.parametrize(("comment_id", "published"), [
    ("1", "2020-01-02T03:04:05Z"),  # a datetime in the meta wins over an earlier time's text
    ("2", "March 3, 2019"),  # an empty datetime and a blank time: the meta's link text
    ("3", "2018-04-04"),  # the first meta holding a datetime, not the first meta
    ("4", "2017-05-05"),  # no meta: any time's datetime
    ("5", "just text"),  # the part itself is the meta
    ("6", None),  # a blank meta and no time
    ("7", "Monday"),  # a time's text before the meta's link text
    ("8", "first"),  # an empty datetime first: that time's text
])
def test_comment_date_from_the_first_place_that_shows_one(
        comment_id: str, published: str | None) -> None:
    from blade_spider.extract.comments import comments_in

    comments = {c.id: c for c in comments_in(_page(_TRICKY_COMMENTS))}
    assert comments[comment_id].published == published
