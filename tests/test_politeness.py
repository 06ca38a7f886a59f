"""Politeness: on unless asked off (``BLADE_POLITE``), whatever the address; the production
values are what a crawl really does; the settings the add-on computes (issue 18)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_reactor_settings

from blade_spider.crawl.addons import IMPOLITE_MAX_BACKOFF, user_agent
from blade_spider.sample_site import SampleSite
from blade_spider.spiders.blade import BladeSpider
from tests.conftest import crawl

PRODUCTION = Settings()
PRODUCTION.setmodule("blade_spider.settings")


def configured(tmp_path: Path, settings: dict[str, Any] | None = None,
               **spider_args: str) -> Settings:
    """The settings of ``scrapy crawl blade -s NAME=VALUE... -a name=value...`` once they are
    final: the spider built, then the add-ons applied and the settings frozen, as
    ``Crawler.crawl`` does before the first request (no engine, no request)."""
    project = Settings()
    project.setmodule("blade_spider.settings", priority="project")
    project.setdict({"BLADE_OUTPUT_DIR": str(tmp_path), **(settings or {})}, priority="cmdline")
    project.setdict(get_reactor_settings(), priority="cmdline")
    crawler = Crawler(BladeSpider, project)
    crawler.spider = crawler._create_spider(**spider_args)
    crawler._apply_settings()
    return crawler.settings


POLITENESS = ("DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN",
              "BLADE_RETRY_BACKOFF_BASE")


def politeness(settings: Settings) -> dict[str, Any]:
    return {name: settings[name] for name in POLITENESS}


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8088", "http://localhost:2222",
                                      "https://www.washingtonblade.com"])
def test_every_address_is_crawled_politely_by_default(tmp_path: Path, base_url: str) -> None:
    """An SSH tunnel to the live site is on 127.0.0.1 too: the address decides nothing."""
    settings = configured(tmp_path, base_url=base_url)
    assert politeness(settings) == politeness(PRODUCTION)
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0 and settings.getbool("AUTOTHROTTLE_ENABLED")


def test_blade_polite_false_lifts_politeness(tmp_path: Path) -> None:
    settings = configured(tmp_path, {"BLADE_POLITE": "False"}, base_url="http://127.0.0.1:8088")
    assert politeness(settings) == {
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "BLADE_RETRY_BACKOFF_BASE": IMPOLITE_MAX_BACKOFF}


def test_a_politeness_setting_given_with_s_still_wins(tmp_path: Path) -> None:
    settings = configured(tmp_path, {"BLADE_POLITE": "False", "DOWNLOAD_DELAY": "0.03",
                                     "BLADE_RETRY_BACKOFF_BASE": "0.1"})
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.03
    assert settings.getfloat("BLADE_RETRY_BACKOFF_BASE") == 0.1
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")


def test_user_agent_names_the_contact_unless_set_itself(tmp_path: Path) -> None:
    contact = "archivist@example.org"
    assert configured(tmp_path)["USER_AGENT"] == user_agent(PRODUCTION["BLADE_CONTACT"])
    assert configured(tmp_path, {"BLADE_CONTACT": contact})["USER_AGENT"] == user_agent(contact)
    assert contact in user_agent(contact)
    own = configured(tmp_path, {"BLADE_CONTACT": contact, "USER_AGENT": "MyBot/1.0"})
    assert own["USER_AGENT"] == "MyBot/1.0"


def test_jobdir_is_in_the_archive_for_discovery_runs_only(tmp_path: Path) -> None:
    assert configured(tmp_path)["JOBDIR"] == str(tmp_path / ".job")
    url = "https://www.washingtonblade.com/2017/09/05/a-story/"
    assert not configured(tmp_path, url=url)["JOBDIR"]  # single URLs: nothing to resume
    assert not configured(tmp_path, url=url, settings={"BLADE_RESUME": "True"})["JOBDIR"]
    assert not configured(tmp_path, {"BLADE_RESUME": "False"})["JOBDIR"]
    assert configured(tmp_path, {"JOBDIR": str(tmp_path / "mine")})["JOBDIR"] == str(
        tmp_path / "mine")


def test_a_polite_crawl_spaces_its_requests(tmp_path: Path) -> None:
    """The production politeness path end to end on a small site: AutoThrottle on, the download
    delay kept between any two requests (the delay is shortened to keep the test fast; Scrapy
    varies each pause by ``DOWNLOAD_DELAY_JITTER``, ±50 %)."""
    delay = 0.3
    with SampleSite(n=4, seed=31) as site:
        result = crawl(site, tmp_path, settings={
            "BLADE_POLITE": "True", "DOWNLOAD_DELAY": str(delay),
            "AUTOTHROTTLE_START_DELAY": str(delay)})
        times = [r.at for r in site.requests]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "scrapy.extensions.throttle.AutoThrottle" in result.stderr
    assert len(times) >= 8
    gaps = [later - earlier for earlier, later in pairwise(times)]
    jitter = PRODUCTION.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)
    assert min(gaps) >= delay * (1 - jitter) * 0.8, [round(g, 3) for g in gaps]
