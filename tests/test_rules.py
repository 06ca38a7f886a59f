"""One test per extraction rule that no other test needed (found by ``bench/mutation.py``).

Each case is the printed text a rule exists for: take the rule away and its case fails. The
expected values come from the fixture records, not from the code under test.
"""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from blade_spider.extract import NotAnArticle, extract_article
from blade_spider.record.bylines import split_authors
from blade_spider.record.captions import split_credit
from blade_spider.record.items import Article
from tests.conftest import case_files, load_case

#: A 2014-2019 Blade page: date line and byline above the headline.
DATELINE_CASE = "blade2017_tillerson"
DATELINE = ('<p class="date-author">September 5, 2017 at 6:37 pm EDT | by&nbsp;<a href="https:'
            '//www.washingtonblade.com/author/mlavers/" title="Posts by Michael K. Lavers">'
            'Michael K. Lavers</a></p>')


def extract_changed(name: str, old: str, new: str) -> Article:
    """The record of fixture page ``name`` with ``old`` (which it must contain) replaced."""
    html = case_files(name)[0].read_text(encoding="utf-8")
    assert old in html, f"{name} no longer contains {old[:60]!r}"
    url = load_case(name)["url"]
    response = HtmlResponse(url=url, body=html.replace(old, new, 1).encode("utf-8"),
                            encoding="utf-8")
    return extract_article(response)


# --- ads ----------------------------------------------------------------------------------------

#: Labels ad plugins print alone between two paragraphs, as printed.
AD_LABELS_PRINTED = [
    "AD", "Ads", "Advertisement", "ADVERTISEMENTS", "Advertisment", "Advertising", "Sponsored",
    "Sponsored content", "Paid Content", "— Story continues below —", "Article continues below",
    "Continue reading below", "Story continues below advertisement",
    "Article continues below advertisement", "Continue reading below advertisement",
]


#: A paragraph boundary inside the story of ``DATELINE_CASE``.
STORY_PARAGRAPHS = "<p>Reports indicate Chechen authorities have also begun to target lesbians"


@pytest.mark.parametrize("label", AD_LABELS_PRINTED)
def test_an_ad_label_between_paragraphs_is_not_body(label: str) -> None:
    article = extract_changed(DATELINE_CASE, STORY_PARAGRAPHS,
                              f"<p>{label}</p>\n{STORY_PARAGRAPHS}")
    assert article.body == load_case(DATELINE_CASE)["expected"]["body"]


#: Class attributes of boxes themes and plugins put inside a story, each with one chrome word.
CHROME_CLASSES = [
    "share-buttons", "sd-sharing-enabled", "sharedaddy sd-block", "addtoany_list", "a2a_kit",
    "social-icons", "soc-links", "related-stories", "relatedposts", "yarpp-thumbnails",
    "author-info", "bio-box", "byline-box", "newsletter-form", "subscribe-form", "signup-form",
    "promo-box", "advert-box", "advertisement-box", "ads-wrapper", "ad-slot", "add-this",
    "adsbygoogle", "sponsor-logo", "sponsored-post", "photo-credit", "gallery-grid",
    "page-links", "pagination", "nav-links", "post-navigation", "breadcrumb", "entry-tags",
    "cat-links", "respond", "reply-link", "says", "widget widget_text", "sidebar-inline",
    "donate-box", "membership-cta", "screen-reader-text", "print-only", "wp-block-buttons",
    "mvp-org-wrap", "disqus-thread", "outbrain", "taboola-below", "wp-block-file",
]


@pytest.mark.parametrize("css_class", CHROME_CLASSES)
def test_a_box_of_page_furniture_inside_the_story_is_not_body(css_class: str) -> None:
    box = f'<div class="{css_class}"><p>Furniture text that is no part of the story.</p></div>'
    article = extract_changed(DATELINE_CASE, STORY_PARAGRAPHS, f"{box}\n{STORY_PARAGRAPHS}")
    assert article.body == load_case(DATELINE_CASE)["expected"]["body"]


# --- bylines ------------------------------------------------------------------------------------

#: A byline's comma part that says what the person does, each named by one role word only
#: (capitalised: a lowercase part is dropped whatever it says).
ROLES = ["Staff Writer", "Blade Editor", "Reporter", "Foreign Correspondent", "Contributor",
         "Columnist", "Special to the Blade", "Blade Intern", "Staff Photographer",
         "Publisher", "Video Producer", "Director of Communications", "President",
         "Board Chair", "Chief Executive", "Founder", "Author of The Book",
         # A sentence about the person, as author boxes print it after the name.
         "She is a freelance journalist in D.C.", "He is the Blade's Baltimore bureau chief"]


@pytest.mark.parametrize("role", ROLES)
def test_a_role_after_the_name_is_not_a_person(role: str) -> None:
    assert split_authors(f"By Jane Doe, {role}") == ["Jane Doe"]


@pytest.mark.parametrize(("byline", "names"), [("By Staff Writer", []),
                                              ("By Jane Doe and Staff Writer", ["Jane Doe"])])
def test_a_byline_part_that_is_only_a_role_names_nobody(byline: str, names: list[str]) -> None:
    """A whole part that is a role phrase ("staff writer", not just a part containing "writer")
    is no person."""
    assert split_authors(byline) == names


#: Name suffixes, which follow a comma but are part of the name.
SUFFIXES = ["Jr.", "Sr.", "II", "III", "IV", "PhD", "Ph.D.", "MD", "M.D.", "Esq."]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_name_suffix_after_a_comma_stays_with_the_name(suffix: str) -> None:
    assert split_authors(f"By John Smith, {suffix}") == [f"John Smith {suffix}"]


# --- photo credits ------------------------------------------------------------------------------

#: Trailing parentheticals that credit a photo, each named by one credit word only.
CREDITS = ["Photo by Jane Doe", "Photos by Jane Doe", "Photograph by Jane Doe",
           "Courtesy of the family", "Screenshot from C-SPAN", "Screen grab from C-SPAN",
           "Screengrab from C-SPAN", "Image by Jane Doe", "Images from the family",
           "Jane Doe via Facebook", "Montage by Jane Doe", "Public domain",
           "Illustration by Jane Doe", "Graphic by Jane Doe", "File", "Video by Jane Doe",
           "Still from the film", "Credit: Jane Doe", "Handout", "Architect's rendering",
           "Wikimedia Commons", "Getty", "Reuters", "Associated Press", "AP", "Shutterstock",
           "iStock", "Flickr/Jane Doe", "Instagram/@janedoe", "Twitter/@janedoe",
           "YouTube/Blade TV"]


@pytest.mark.parametrize("credit", CREDITS)
def test_a_trailing_credit_is_split_from_the_caption(credit: str) -> None:
    assert split_credit(f"Marchers on 14th Street on Saturday. ({credit})") == credit


# --- pages that are no articles -----------------------------------------------------------------

#: WordPress body classes of non-article pages, with the reason each must give.
NOT_ARTICLE_BODIES = [
    ("search search-no-results", "search results"),  # a search that found nothing
    ("archive date", "date archive"),
    ("archive post-type-archive post-type-archive-issue", "archive page"),
    ("home page-template-default page page-id-5", "home page"),  # a static front page
    ("blog", "home page"),  # the posts page when the front page is static
]


@pytest.mark.parametrize(("body_class", "reason"), NOT_ARTICLE_BODIES)
def test_a_wordpress_page_type_is_no_article(body_class: str, reason: str) -> None:
    html = (f'<html><head><title>Washington Blade</title></head><body class="{body_class}">'
            "<h1>Listing</h1><p>Some text of the page.</p></body></html>")
    response = HtmlResponse(url="https://www.washingtonblade.com/listing/",
                            body=html.encode("utf-8"), encoding="utf-8")
    with pytest.raises(NotAnArticle) as raised:
        extract_article(response)
    assert raised.value.reason == reason


# --- the date line ------------------------------------------------------------------------------

def test_a_date_line_is_found_two_levels_above_its_byline_text() -> None:
    """The byline's text sits in formatting two elements below the line that holds the date:
    the date line is still found (the layer that reads it gives date and author)."""
    nested = ('<p class="date-author">September 5, 2017 at 6:37 pm EDT <em><strong>| by '
              '<a href="https://www.washingtonblade.com/author/mlavers/">Michael K. Lavers</a>'
              '</strong></em></p>')
    article = extract_changed(DATELINE_CASE, DATELINE, nested)
    expected = load_case(DATELINE_CASE)["expected"]
    assert article.crawl["parser_layers"]["published"] == "blade_dateline"
    assert article.published_raw == expected["published_raw"]
    assert article.authors == expected["authors"]


def test_a_long_date_line_is_still_a_date_line() -> None:
    """A date line with a long byline (several people and their roles) is read whole."""
    names = ", ".join(f"Contributing Writer Number {n}" for n in range(5))
    long_line = DATELINE.replace("| by&nbsp;", f"| by {names} and&nbsp;")
    article = extract_changed(DATELINE_CASE, DATELINE, long_line)
    assert len(long_line) > 200
    assert article.crawl["parser_layers"]["published"] == "blade_dateline"
