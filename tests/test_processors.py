"""The small cleaning functions every layer relies on, one behaviour per test."""

from __future__ import annotations

import pytest

from blade_spider.record.bylines import split_authors
from blade_spider.record.captions import split_credit
from blade_spider.record.dates import _any_date, _printed_date, parse_page_date
from blade_spider.record.text import decode_cfemail, element_text, normalize_space, single_line
from blade_spider.urls import SiteHosts, url_id


@pytest.mark.parametrize(("raw", "iso", "has_time"), [
    ("September 5, 2017 at 6:37 pm EDT", "2017-09-05T18:37:00-04:00", True),
    ("January 10, 2020 at 9:15 am EST", "2020-01-10T09:15:00-05:00", True),
    ("January 10, 2020 at 9:15 am", "2020-01-10T09:15:00-05:00", True),  # naive: New York
    ("2023-03-14T19:05:22+00:00", "2023-03-14T15:05:22-04:00", True),
    ("Thu, 19 Apr 2018 19:09:54 +0000", "2018-04-19T15:09:54-04:00", True),
    ("2023-03-14", "2023-03-14T00:00:00-04:00", False),
    ("March 14, 2023", "2023-03-14T00:00:00-04:00", False),
    ("2023-11-05T06:30:00+00:00", "2023-11-05T01:30:00-05:00", True),  # after the DST switch
    ("2023-03-12T06:59:00+00:00", "2023-03-12T01:59:00-05:00", True),  # before spring forward
    ("2023-03-12T07:00:00+00:00", "2023-03-12T03:00:00-04:00", True),
])
def test_dates_are_new_york_time_with_the_offset_of_the_instant(
        raw: str, iso: str, has_time: bool) -> None:
    parsed = parse_page_date(raw)
    assert parsed is not None
    assert parsed.isoformat() == iso
    assert parsed.has_time is has_time


def test_printed_zone_label_is_honoured_and_a_mismatch_noted() -> None:
    parsed = parse_page_date("June 12, 2015 at 10:02 am EST")
    assert parsed is not None
    assert parsed.isoformat() == "2015-06-12T11:02:00-04:00"
    assert parsed.note and "EST" in parsed.note


@pytest.mark.parametrize("raw", [
    "September 5, 2017 at 6:37 pm EDT", "Sept. 5, 2017", "Sep 5, 2017 12:05 am",
    "December 31, 2019 at 12:30 p.m. EST", "March 10, 2019 at 2:30 am ET",
    "Jan 1, 2015 11:00 PM EDT", "November 3, 2024 at 1:30 am", "July 4, 2016 at 5:00 pm GMT",
    "June 12, 2014", "February 29, 2016 at 12:00 am",
])
def test_printed_dates_read_directly_as_dateutil_reads_them(raw: str) -> None:
    """The fast path for the Blade's printed form agrees with the general dateutil path."""
    direct = _printed_date(single_line(raw))
    assert direct is not None
    assert direct == _any_date(single_line(raw))


@pytest.mark.parametrize("raw", ["February 30, 2019", "Posted 5 September 2017", "13:00"])
def test_other_forms_are_left_to_dateutil(raw: str) -> None:
    assert _printed_date(raw) is None


@pytest.mark.parametrize("raw", ["2 years ago", "hello", "", "June 12", "1066-10-14"])
def test_non_dates_are_rejected(raw: str) -> None:
    assert parse_page_date(raw) is None


@pytest.mark.parametrize(("raw", "names"), [
    ("by Michael K. Lavers", ["Michael K. Lavers"]),
    ("by Lou Chibbaro Jr. and Michael K. Lavers", ["Lou Chibbaro Jr.", "Michael K. Lavers"]),
    ("A, B and C", ["A", "B", "C"]),
    ("A, B, and C", ["A", "B", "C"]),
    ("José Núñez & Zoë Brontë", ["José Núñez", "Zoë Brontë"]),
    ("By Kathi Wolfe, Special to the Blade", ["Kathi Wolfe"]),
    ("by Ana Lucía Pérez, Contributing Writer", ["Ana Lucía Pérez"]),
    ("Michael K. Lavers Follow Michael", ["Michael K. Lavers"]),
    ("Lou Chibbaro, Jr.", ["Lou Chibbaro Jr."]),
    ("by Joe Reberkenny | jreberkenny@washblade.com", ["Joe Reberkenny"]),
])
def test_bylines_split_into_people(raw: str, names: list[str]) -> None:
    assert split_authors(raw) == names


@pytest.mark.parametrize(("caption", "credit"), [
    ("Rex Tillerson. (Washington Blade photo by Michael Key)",
     "Washington Blade photo by Michael Key"),
    ("(Photo by AgnosticPreachersKid; courtesy Wikimedia Commons)",
     "Photo by AgnosticPreachersKid; courtesy Wikimedia Commons"),
    ("A flag (Photo public domain)", "Photo public domain"),
    ("Scott Purdy (Screenshot via YouTube)", "Screenshot via YouTube"),
    ("(Courtesy photo)", "Courtesy photo"),
    ("Photo courtesy of the Human Rights Campaign", "Photo courtesy of the Human Rights Campaign"),
    ("Sen. Tim Kaine (D-Va.)", None),
    ("Marchers on 14th Street", None),
])
def test_credit_split_from_trailing_parenthetical(caption: str, credit: str | None) -> None:
    assert split_credit(caption) == credit


def test_cloudflare_email_is_decoded() -> None:
    key = 0x42
    encoded = f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in "news@washblade.com")
    assert decode_cfemail(encoded) == "news@washblade.com"
    assert decode_cfemail("zz") is None


def test_inline_text_is_joined_as_a_browser_shows_it() -> None:
    from parsel import Selector

    sel = Selector(text="<p>The <a>State</a>’s\n  letter&nbsp;was <em>sent</em>.<br>\nNext "
                        "line <script>x()</script></p>")
    assert element_text(sel.css("p")[0]) == "The State’s letter was sent.\nNext line"
    assert normalize_space("  a \u00a0 b \n\n\n c ") == "a b\n\nc"


@pytest.mark.parametrize("url", [
    "http://washingtonblade.com/2017/09/05/tillerson/?utm_source=rss&utm_medium=rss",
    "https://www.washingtonblade.com/2017/09/05/tillerson",
    "https://www.washingtonblade.com/2017/09/05/tillerson/amp/",
    "https://www.washingtonblade.com/2017/09/05/tillerson/comment-page-2/#comments",
    "https://www.washingtonblade.com/2017/09/05/tillerson/?replytocom=55",
    "https://WWW.washingtonblade.com/2017/09/05/tillerson/2/",
])
def test_alternate_urls_name_one_article(url: str) -> None:
    assert SiteHosts().article_url(url) == "https://www.washingtonblade.com/2017/09/05/tillerson/"


def test_percent_encoded_and_raw_unicode_slugs_are_one_url() -> None:
    site = SiteHosts()
    raw = site.article_url("https://www.washingtonblade.com/2010/10/11/kameny’s-death/")
    encoded = site.article_url(
        "https://www.washingtonblade.com/2010/10/11/kameny%e2%80%99s-death/")
    assert raw == encoded


@pytest.mark.parametrize("url", [
    "https://example.org/2017/09/05/x/",
    "https://www.washingtonblade.com/2017/09/05/slug/attachment-photo/",
    "https://www.washingtonblade.com/tag/latin-america/",
    "https://www.washingtonblade.com/2017/09/05/",
    "mailto:news@washblade.com",
])
def test_non_articles_and_offsite_urls_are_not_articles(url: str) -> None:
    assert SiteHosts().article_url(url) is None


def test_mirror_rebases_live_links_and_ids_ignore_the_host() -> None:
    mirror = SiteHosts("http://127.0.0.1:8088")
    assert mirror.article_url("https://www.washingtonblade.com/2017/09/05/x/") == \
        "http://127.0.0.1:8088/2017/09/05/x/"
    assert url_id("http://127.0.0.1:8088/2017/09/05/x/") == \
        url_id("https://www.washingtonblade.com/2017/09/05/x")


@pytest.mark.parametrize(("raw", "names"), [
    ("View all of José Núñez's posts.", ["José Núñez"]),
    ("View all posts by Michael K. Lavers", ["Michael K. Lavers"]),
    ("More from Lou Chibbaro Jr.", ["Lou Chibbaro Jr."]),
])
def test_author_link_phrases_give_the_name(raw: str, names: list[str]) -> None:
    assert split_authors(raw) == names


def test_a_closing_author_bio_paragraph_is_not_body() -> None:
    from blade_spider.record.loaders import without_author_bio

    blocks = [{"type": "paragraph", "text": "The story."},
              {"type": "paragraph", "text": "Michael K. Lavers is the international news editor "
                                            "of the Washington Blade. Follow Michael"}]
    assert without_author_bio(blocks, ["Michael K. Lavers"]) == blocks[:1]
    assert without_author_bio(blocks, ["Someone Else"]) == blocks
    tagline = [{"type": "paragraph", "text": "José Núñez is a contributing writer to the "
                                             "Washington Blade."}]
    assert without_author_bio(tagline, ["José Núñez"]) == tagline  # the author's own text
