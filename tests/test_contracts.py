"""``scrapy check blade`` (contracts) and ``scrapy parse`` work, offline, on saved pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import load_case, run_scrapy

TILLERSON = load_case("blade2017_tillerson")


def test_scrapy_check_passes_against_a_local_copy(saved_pages: Any, tmp_path: Path) -> None:
    result = run_scrapy("check", "blade", output=tmp_path,
                        settings={"BLADE_CHECK_BASE_URL": saved_pages.url})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK" in result.stderr


def test_scrapy_check_fails_when_the_page_is_not_an_article(tmp_path: Path) -> None:
    from tests.conftest import PAGES, SavedPages

    url = TILLERSON["url"].replace("http://", "https://")
    server = SavedPages({url: PAGES / "nonarticle_about.html"})
    try:
        result = run_scrapy("check", "blade", output=tmp_path,
                            settings={"BLADE_CHECK_BASE_URL": server.url})
    finally:
        server.close()
    assert result.returncode != 0


def test_scrapy_parse_shows_the_record(saved_pages: Any, tmp_path: Path) -> None:
    path = TILLERSON["url"].split("washingtonblade.com", 1)[1]
    result = run_scrapy("parse", "--spider=blade", "-c", "parse_article", "-a",
                        f"base_url={saved_pages.url}", f"{saved_pages.url}{path}",
                        output=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'headline': 'Tillerson raises anti-gay Chechnya" in result.stdout  # pprint wraps
    assert "'photo_credit': 'Washington Blade photo by Michael Key'" in result.stdout
    assert "'wp_post_id': 251117" in result.stdout
