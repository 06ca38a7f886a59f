"""Hostile network, hostile input: the crawl keeps going and loses nothing (issue 6).

One full re-crawl of a site whose server misbehaves in every way at once (a fault per page),
after a clean first crawl; then one test per fault on what came of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blade_spider.archive.store import read_jsonl
from blade_spider.sample_site import SampleSite
from tests.conftest import LOCAL, archive_bytes, archived, crawl, run_blade

#: Faults on new articles: "archived" if a retry gets through or the page survives, else "failed".
NEW_ARTICLE_FAULTS = {
    "500": "failed", "timeout": "failed", "reset": "failed", "truncated_gzip": "failed",
    "redirect_loop": "failed", "redirect_offsite": "failed", "soft404": "failed",
    "oversize": "failed", "gzip_bomb": "failed", "malformed_html": "failed",
    "503": "archived", "429": "archived", "redirect_chain": "archived", "cp1252": "archived",
    # A page missing one field is archived, the field taken from the REST API (issue 19).
    "missing_headline": "archived", "missing_date": "archived",
}
#: Faults that heal after this many requests (the rest stay broken).
HEALING = {"503": 2, "429": 1}
SETTINGS = {"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "2", "DOWNLOAD_MAXSIZE": str(10 * 2**20)}


class Outcome:
    """Everything the faulty crawl left behind."""

    def __init__(self, site: SampleSite, output: Path, result: Any, before: dict,
                 new: dict[str, Any], archived_faulty: Any) -> None:
        self.site, self.output, self.result = site, output, result
        self.before, self.new, self.archived_faulty = before, new, archived_faulty

    def failures_for(self, path: str) -> list[dict[str, Any]]:
        return [f for f in read_jsonl(self.output / "failures.jsonl") if path in f["url"]]

    def record_for(self, post_id: int) -> dict[str, Any] | None:
        return {r["id"]: r for r in archived(self.output)}.get(f"wp-{post_id}")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Any:
    output = tmp_path_factory.mktemp("faults")
    with SampleSite(n=30, seed=21) as site:
        site.set_option("timeout_sleep", 3.0)
        assert crawl(site, output).returncode == 0
        before = {r["id"]: r for r in archived(output)}
        new = {}
        for fault in NEW_ARTICLE_FAULTS:
            post = site.create_post()
            new[fault] = post
            site.inject(post.path, fault, times=HEALING.get(fault))
        archived_faulty = site.archivable_posts()[2]
        site.inject(archived_faulty.path, "500")
        result = crawl(site, output, "full=1", settings=SETTINGS)
        yield Outcome(site, output, result, before, new, archived_faulty)


def test_the_crawl_finishes_with_a_verdict(outcome: Outcome) -> None:
    assert outcome.result.returncode in (0, 1), outcome.result.stderr[-3000:]
    assert "Crawl summary:" in outcome.result.stderr


def test_nothing_already_archived_is_lost_or_changed(outcome: Outcome) -> None:
    after = {r["id"]: r for r in archived(outcome.output)}
    for article_id, record in outcome.before.items():
        assert {k: v for k, v in after[article_id].items() if k != "crawl"} == \
               {k: v for k, v in record.items() if k != "crawl"}
    assert outcome.failures_for(outcome.archived_faulty.path)


@pytest.mark.parametrize("fault", sorted(NEW_ARTICLE_FAULTS))
def test_each_fault_ends_archived_or_in_the_failure_log(outcome: Outcome, fault: str) -> None:
    post = outcome.new[fault]
    record = outcome.record_for(post.id)
    failures = outcome.failures_for(post.path)
    if NEW_ARTICLE_FAULTS[fault] == "archived":
        assert record is not None, failures
        assert record["headline"] == post.title
    else:
        assert record is None
        assert failures, f"{fault}: no entry in failures.jsonl"
        entry = failures[-1]
        assert set(entry) >= {"url", "stage", "reason", "time", "attempt"}
        assert entry["reason"]


def test_retries_back_off_and_honour_retry_after(outcome: Outcome) -> None:
    requests = [r.path for r in outcome.site.requests]
    assert requests.count(outcome.new["503"].path) == 3  # two 503s, then the page
    assert requests.count(outcome.new["500"].path) == 3  # first try + RETRY_TIMES=2
    assert "HTTP 429" in outcome.result.stderr and "retrying in 1.0 s" in outcome.result.stderr
    failure = outcome.failures_for(outcome.new["500"].path)[-1]
    assert failure["attempt"] == 3 and failure["status"] == 500


def test_windows_1252_page_without_charset_is_read_right(outcome: Outcome) -> None:
    post = outcome.new["cp1252"]
    record = outcome.record_for(post.id)
    assert record is not None
    assert record["body"] == post.body


def test_a_page_missing_a_field_is_archived_with_it_from_the_rest_api(outcome: Outcome) -> None:
    """No headline or no date in the page: the post's REST object gives it; nothing is
    rejected for one field (only a record without headline and body is)."""
    for fault, field in (("missing_headline", "headline"), ("missing_date", "published")):
        post = outcome.new[fault]
        record = outcome.record_for(post.id)
        assert record is not None, fault
        assert record["crawl"]["parser_layers"][field] == "rest_api", fault
        assert not outcome.failures_for(post.path), fault
    dated = outcome.record_for(outcome.new["missing_date"].id)
    assert dated is not None
    assert dated["published"] == outcome.new["missing_date"].published.isoformat(
        timespec="seconds")
    assert not (outcome.output / "rejects.jsonl").exists()


def test_retry_reattempts_the_failures(outcome: Outcome) -> None:
    outcome.site.clear_faults()
    result = run_blade("retry", "--base-url", outcome.site.url, "--output",
                       str(outcome.output), settings=LOCAL)
    assert result.returncode == 0, result.stderr[-3000:]
    for fault, post in outcome.new.items():
        assert outcome.record_for(post.id) is not None, fault
    assert not [f for f in read_jsonl(outcome.output / "failures.jsonl")
                if f["stage"] in ("article", "parse", "validate")]


def test_hostile_sitemaps_are_refused_and_the_crawl_goes_on(tmp_path: Path) -> None:
    with SampleSite(n=20, seed=22) as site:
        site.inject("/sitemap_index.xml", "billion_laughs")
        site.inject("/wp-sitemap.xml", "xxe")
        site.inject("/post-sitemap.xml", "not_xml")
        result = crawl(site, tmp_path)
        expected = {f"wp-{p.id}" for p in site.archivable_posts()}
    assert result.returncode in (0, 1), result.stderr[-3000:]
    failures = read_jsonl(tmp_path / "failures.jsonl")
    reasons = {f["url"].rsplit("/", 1)[1]: f["reason"] for f in failures if f["stage"] == "listing"}
    assert "entities" in reasons["sitemap_index.xml"] and "entities" in reasons["wp-sitemap.xml"]
    assert {r["id"] for r in archived(tmp_path)} == expected  # found through the archives
    everything = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"root:x:0:0" not in everything  # /etc/passwd was never read


def test_odd_characters_in_urls(tmp_path: Path) -> None:
    with SampleSite(n=120, seed=23) as site:
        odd = [p for p in site.archivable_posts() if not p.slug.isascii()]
        assert odd, "the sample site should have raw Unicode slugs"
        crawl(site, tmp_path)
    ids = [r["id"] for r in archived(tmp_path)]
    for post in odd:
        assert ids.count(f"wp-{post.id}") == 1


def test_nothing_a_page_says_reaches_a_path_outside_the_archive(tmp_path: Path) -> None:
    from blade_spider.archive.store import partition_of

    for published in ("../../etc/passwd", "2017/../../x", "", None, "9999-99-99T00:00:00Z"):
        path = (tmp_path / partition_of({"published": published})).resolve()
        assert tmp_path.resolve() in path.parents
    assert partition_of({"published": "2017-09-05T18:37:00-04:00"}) == \
        "articles/2017/2017-09.jsonl"
    before = archive_bytes(tmp_path)
    assert before == {}
