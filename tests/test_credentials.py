"""A URL with credentials in it is refused, and the password is never printed or stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from blade_spider.sample_site import SampleSite
from tests.conftest import run_blade, run_scrapy

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize("how", ["scrapy", "blade"])
def test_a_base_url_with_credentials_is_refused_without_echoing_them(
        how: str, tmp_path: Path) -> None:
    with SampleSite(n=3, seed=2) as site:
        base = site.url.replace("http://", f"http://reader:{SECRET}@")
        if how == "scrapy":
            result = run_scrapy("crawl", "blade", "-a", f"base_url={base}", output=tmp_path)
        else:
            result = run_blade("crawl", "--base-url", base, "--output", str(tmp_path))
        asked = list(site.requests)
    assert result.returncode != 0
    assert "credentials" in result.stderr + result.stdout
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert SECRET not in result.stderr + result.stdout and SECRET.encode() not in written
    assert asked == [], "nothing is fetched with a refused URL"
