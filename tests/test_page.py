"""``Page.css``/``Page.first`` answer what parsel's ``Selector.css()`` answers.

They run parsel's own CSS-to-XPath translation, compiled once per query, and ``first`` asks
libxml2 for ``(…)[1]``; these tests hold both to parsel on a small page and on every question the
layers ask of every fixture page.
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
from tests.conftest import case_files, case_names, load_case, response_from_file
from tests.test_extraction_fixtures import site_of


def parsel_css(root: etree._Element, query: str) -> list[Any]:
    return [s.root for s in Selector(root=root, type="html").css(query)]


PAGE = b"""<html><head><title>t</title>
<meta property="og:title" content="OG"><meta name="author" content="A. Writer"></head>
<body class="single single-post postid-7">
<div id="outer" class="a wrap">
  <article id="post-7" class="post hentry" itemscope itemtype="https://schema.org/NewsArticle">
    <h1 class="entry-title big" itemprop="headline">Title <em>in</em> parts</h1>
    <div class="b"><p class="c">one</p><div class="c  c"><p class="c x c">two</p></div></div>
    <ul class="tags-links"><li><a rel="tag" href="/t/1">one</a></li>
      <li><a rel="tag nofollow" href="/t/2">two</a></li></ul>
    <script>var disqus_shortname = 'blade';</script>
  </article>
  <aside class="a"><p class="c">side</p></aside>
</div>
<p id="dup">first</p><p id="dup">second</p>
</body></html>"""

QUERIES = [
    "p", ".c", "#dup", ".a > .b .c", "article > .c", "[itemprop='headline']", "a[rel~='tag']",
    "h1.entry-title, .c, #dup", "script:contains('disqus_shortname')", "li + li", "p:not(.c)",
    "nosuch", "h1::text", "h1 *::text", "a::attr(href)", ".c::text",
]


@pytest.fixture(scope="module")
def page() -> Page:
    return Page(HtmlResponse("http://127.0.0.1/2020/01/01/x/", body=PAGE, encoding="utf-8"))


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("scope_query", [None, "article", ".b", "aside"])
def test_answers_are_parsels(page: Page, query: str, scope_query: str | None) -> None:
    scope = page.root if scope_query is None else page.first(scope_query)
    expected = parsel_css(scope, query)
    assert page.css(query, None if scope_query is None else scope) == expected
    assert page.first(query, None if scope_query is None else scope) == (
        expected[0] if expected else None)


def test_pseudo_elements_give_text_and_attribute_values(page: Page) -> None:
    assert page.css("h1::text") == ["Title ", " parts"]
    assert page.css("a::attr(href)") == ["/t/1", "/t/2"]


def test_page_reads_opengraph_meta_and_body_classes(page: Page) -> None:
    assert page.og("og:title") == "OG"
    assert page.meta("author") == "A. Writer"
    assert page.body_classes == {"single", "single-post", "postid-7"}


@pytest.mark.parametrize("name", case_names())
def test_every_question_the_layers_ask_gets_parsels_answer(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, Any, Any]] = []
    css, first = Page.css, Page.first

    def spy_css(self: Page, query: str, scope: etree._Element | None = None) -> Any:
        found = css(self, query, scope)
        asked.append((found, parsel_css(self.root if scope is None else scope, query)))
        return found

    def spy_first(self: Page, query: str, scope: etree._Element | None = None) -> Any:
        found = first(self, query, scope)
        expected = parsel_css(self.root if scope is None else scope, query)
        asked.append((found, expected[0] if expected else None))
        return found

    monkeypatch.setattr(Page, "css", spy_css)
    monkeypatch.setattr(Page, "first", spy_first)
    case = load_case(name)
    response = response_from_file(case_files(name)[0], case["url"])
    with contextlib.suppress(NotAnArticle):  # non-articles ask their questions too
        extract_article(response, site_of(case["url"]))
    assert asked, "the layers asked nothing: the spy is not in the path"
    assert [i for i, (found, expected) in enumerate(asked) if found != expected] == []
