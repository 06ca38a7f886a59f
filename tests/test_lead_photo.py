"""The lead photo (``photo_caption``/``photo_credit``) is the featured image or a photo above the
body's first paragraph, never a photo found further down (issue 21).

The pages are the saved fixtures, some with their content rearranged the way real posts are laid
out: the markup stays what the themes print.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from blade_spider.extract import extract_article
from blade_spider.record.items import Article
from tests.conftest import case_files, load_case
from tests.test_extraction_fixtures import site_of

FAIRVIEW = "2022-11-03-fairview-county-school-board-adopts-trans-inclusive-policy"
#: Post C in both stock themes, and the Zox page whose only photos are a gallery.
NO_FEATURED = [f"wordpress/classic/{FAIRVIEW}", f"wordpress/block/{FAIRVIEW}",
               "zox2024_multiauthor"]
CONTENT = ".entry-content, #mvp-content-main"
AD_BOX = ("<div class='code-block code-block-1'><p style='text-align: center;'>Advertisement"
          "</p></div>")


def extract(name: str, edit: Callable[[Any], None] | None = None) -> Article:
    """The record of fixture ``name``, its content element first changed by ``edit``."""
    case = load_case(name)
    body = case_files(name)[0].read_bytes()
    if edit is not None:
        root = lxml.html.document_fromstring(body)
        edit(root.cssselect(CONTENT)[0])
        body = lxml.html.tostring(root, encoding="utf-8")
    response = HtmlResponse(case["url"], body=body, encoding="utf-8")
    return extract_article(response, site_of(case["url"]))


def first_figure(content: Any) -> Any:
    return content.cssselect("figure")[0]


def photo_first(content: Any) -> None:
    """The first photo (or gallery) moved above the first paragraph."""
    content.insert(0, first_figure(content))


def ad_then_photo_first(content: Any) -> None:
    """An ad plugin's box (a labelled paragraph) above the photo moved to the top."""
    photo_first(content)
    content.insert(0, lxml.html.fragment_fromstring(AD_BOX))


def featured(record: Article) -> list[str]:
    return [image["url"] for image in record.images if image["featured"]]


@pytest.mark.parametrize("name", ["wordpress/classic/2021-07-14-chechnya-purge-survivors-still-"
                                  "waiting-on-asylum", "zox2023_local_deck"])
def test_the_featured_image_leads(name: str) -> None:
    record = extract(name)
    assert featured(record) == [record.images[0]["url"]]
    assert record.photo_caption == record.images[0]["caption"] is not None
    assert record.photo_credit == record.images[0]["credit"]


@pytest.mark.parametrize("edit", [photo_first, ad_then_photo_first])
@pytest.mark.parametrize("name", NO_FEATURED)
def test_a_photo_above_the_first_paragraph_leads(name: str, edit: Callable) -> None:
    record = extract(name, edit)
    assert featured(record) == [record.images[0]["url"]]
    assert record.photo_caption == record.images[0]["caption"] is not None
    assert record.photo_credit == record.images[0]["credit"] is not None
    assert record.body == extract(name).body


@pytest.mark.parametrize("name", NO_FEATURED)
def test_photos_only_below_the_first_paragraph_lead_nothing(name: str) -> None:
    record = extract(name)
    assert record.images and featured(record) == []
    assert record.photo_caption is None and record.photo_credit is None


def test_a_list_articles_photo_under_its_twelfth_item_is_no_lead() -> None:
    """The issue's case: a numbered list article whose one photo illustrates item 12."""
    def listicle(content: Any) -> None:
        figure = first_figure(content)
        for child in list(content):
            content.remove(child)
        for n in range(1, 13):
            content.append(lxml.html.fragment_fromstring(f"<h2>{n}. Reason number {n}</h2>"))
            if n == 12:
                content.append(figure)
            content.append(lxml.html.fragment_fromstring(f"<p>Why reason {n} matters.</p>"))

    record = extract(f"wordpress/classic/{FAIRVIEW}", listicle)
    assert [image["caption"] for image in record.images] == [
        "Supporters of transgender students rally outside the Fairview County School Board "
        "meeting on Nov. 3, 2022. (Photo by Zoë Brontë; courtesy Wikimedia Commons)"]
    assert featured(record) == []
    assert record.photo_caption is None and record.photo_credit is None
