"""The element index answers CSS exactly as parsel does.

:mod:`blade_spider.extract.select` replaces ``Selector.css()`` in every layer for speed, so its
answers must be parsel's: the same elements, in document order, the scope element included.
The first test spies on every question the layers ask while extracting every fixture page (real
WordPress renders and hand-written Blade pages, articles and not) and asks parsel the same; the
others pin down the selector forms one by one on a small page.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse

from blade_spider.extract import NotAnArticle, extract_article
from blade_spider.extract.page import Page
from blade_spider.extract.select import ElementIndex, compile_css
from tests.conftest import case_files, case_names, load_case, response_from_file
from tests.test_extraction_fixtures import site_of


def parsel_css(root: etree._Element, query: str) -> list[etree._Element]:
    return [s.root for s in Selector(root=root, type="html").css(query)]


@pytest.mark.parametrize("name", case_names())
def test_every_question_the_layers_ask_gets_parsels_answer(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, Any, list[Any], list[Any]]] = []
    select = ElementIndex.select

    def spy(self: ElementIndex, query: str, scope: etree._Element | None = None) -> list[Any]:
        found = select(self, query, scope)
        asked.append((query, scope, found, parsel_css(self.root if scope is None else scope,
                                                      query)))
        return found

    monkeypatch.setattr(ElementIndex, "select", spy)
    case = load_case(name)
    response = response_from_file(case_files(name)[0], case["url"])
    with contextlib.suppress(NotAnArticle):  # non-articles ask their questions too
        extract_article(response, site_of(case["url"]))
    assert asked, "the layers asked nothing: the spy is not in the path"
    wrong = [(query, len(found), len(expected)) for query, _, found, expected in asked
             if found != expected]
    assert wrong == []


PAGE = b"""<html><head><title>t</title>
<meta property="og:title" content="OG"><meta name="author" content="A. Writer"></head>
<body class="single single-post postid-7">
<div id="outer" class="a wrap">
  <article id="post-7" class="post hentry" itemscope itemtype="https://schema.org/NewsArticle">
    <h1 class="entry-title big" itemprop="headline">Title</h1>
    <div class="b"><p class="c">one</p><div class="c  c"><p class="c x c">two</p></div></div>
    <ul class="tags-links"><li><a rel="tag" href="/t/1">one</a></li>
      <li><a rel="tag nofollow" href="/t/2">two</a></li></ul>
    <script>var disqus_shortname = 'blade';</script>
    <p class="c" data:x="1">an attribute name XPath cannot spell</p>
  </article>
  <aside class="a"><p class="c">side</p></aside>
</div>
<p id="dup">first</p><p id="dup">second</p>
</body></html>"""

QUERIES = [
    "p", "p.c", ".c", "p.c.x", "#dup", "#outer .c", "#outer > article", "article > .c",
    ".a .b .c", ".a > .b .c", ".a .b > .c", ".b > .c > .c", "div.a p", "[itemprop]",
    "[itemtype*='schema.org/NewsArticle']", "[itemprop='headline']", "article[id^='post-']",
    "a[rel~='tag']", "a[rel='tag']", "a[href$='/2']", "[class*='tags-li'] a",
    "h1.entry-title, .c, #dup", "script:contains('disqus_shortname')", "*",
    "li + li", "li:first-child a", "p:not(.c)", "nosuch", ".nosuch p", "#nosuch, p.x",
    r"[data\:x]", r"article [data\:x]",
]


@pytest.fixture(scope="module")
def page() -> Page:
    return Page(HtmlResponse("http://127.0.0.1/2020/01/01/x/", body=PAGE, encoding="utf-8"))


@pytest.mark.parametrize("query", QUERIES)
def test_whole_page_answers_match_parsel(page: Page, query: str) -> None:
    assert page.css(query) == parsel_css(page.root, query)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("scope_query", ["article", ".b", "aside", "#dup"])
def test_scoped_answers_match_parsel(page: Page, query: str, scope_query: str) -> None:
    scope = page.first(scope_query)
    assert scope is not None
    assert page.css(query, scope) == parsel_css(scope, query)


def test_the_scope_element_itself_can_match(page: Page) -> None:
    article = page.first("article")
    assert page.css("article.post", article) == [article]


def test_selectors_the_index_cannot_answer_fall_back_to_xpath() -> None:
    assert isinstance(compile_css("li + li"), etree.XPath)
    assert isinstance(compile_css("p:not(.c)"), etree.XPath)
    assert not isinstance(compile_css(".a > .b .c, p[rel~='x'], s:contains('y')"), etree.XPath)


def test_page_reads_opengraph_and_meta_from_the_index(page: Page) -> None:
    assert page.og("og:title") == "OG"
    assert page.meta("author") == "A. Writer"
    assert page.body_classes == {"single", "single-post", "postid-7"}


def test_a_class_written_twice_finds_its_element_once() -> None:
    """An answer from one class list keeps the index's order without a re-sort, so the index
    must list an element once even when its class attribute repeats a word."""
    root = etree.fromstring('<html><body><p class="x x">a</p><p class="x">b</p></body></html>',
                            etree.HTMLParser())
    index = ElementIndex(root)
    assert index.select(".x") == parsel_css(root, ".x")
    assert [el.text for el in index.select(".x")] == ["a", "b"]
