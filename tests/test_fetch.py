"""Single-URL runs: what discovery knew is kept, and every URL given gets a line."""

from __future__ import annotations

from pathlib import Path

from blade_spider.archive.state import StateStore
from blade_spider.archive.store import read_jsonl
from blade_spider.sample_site import SampleSite
from tests.conftest import archived, crawl, run_blade


def test_a_refetch_keeps_the_modified_date_a_listing_gave(tmp_path: Path) -> None:
    """The page prints no modified date, the sitemap did: a re-fetch of the unchanged article
    wiped it and wrote a false "updated" version to history."""
    with SampleSite(n=30, seed=43) as site:
        assert crawl(site, tmp_path).returncode == 0
        by_listing = [r for r in archived(tmp_path)
                      if r["crawl"]["parser_layers"].get("modified") in ("sitemap", "rest_api")]
        assert by_listing, "the sample site should have articles dated by a listing only"
        record = by_listing[0]
        watermark = StateStore(tmp_path / "state.sqlite3").last_crawl_started()
        fetched = run_blade("fetch", record["url"], "--base-url", site.url,
                            "--output", str(tmp_path))
        # a run of named URLs read no listing: it must not move the incremental watermark
        assert StateStore(tmp_path / "state.sqlite3").last_crawl_started() == watermark
        again = crawl(site, tmp_path, "recheck_days=100000")
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    assert f"{record['id']} unchanged" in fetched.stdout
    assert again.returncode == 0
    after = next(r for r in archived(tmp_path) if r["id"] == record["id"])
    assert after["modified"] == record["modified"]
    assert after["crawl"]["parser_layers"]["modified"] == record["crawl"]["parser_layers"][
        "modified"]
    history = [h for p in tmp_path.glob("history/*/*.jsonl") for h in read_jsonl(p)]
    assert not [h for h in history if h["id"] == record["id"]]


def test_every_url_given_gets_a_line_and_any_not_archived_fails_the_run(tmp_path: Path) -> None:
    """A robots-disallowed URL or one over URLLENGTH_LIMIT printed nothing and exited 0."""
    with SampleSite(n=8, seed=44) as site:
        posts = site.archivable_posts()
        disallowed, good = site.url_for(posts[0]), site.url_for(posts[1])
        site.set_robots("User-agent: *\nDisallow: " + disallowed.removeprefix(site.url) + "\n")
        too_long = f"{site.url}/2012/01/01/{'x' * 2100}/"
        result = run_blade("fetch", disallowed, too_long, good, "--base-url", site.url,
                           "--output", str(tmp_path))
    said = result.stdout + result.stderr
    assert result.returncode == 1, said[-2000:]
    assert f"{disallowed}: failed (robots.txt disallows it: not fetched)" in said
    assert "URL longer than URLLENGTH_LIMIT" in said and too_long[:60] in said
    assert f"wp-{posts[1].id} (new)" in said and good in said
    assert [r["url"] for r in archived(tmp_path)] == [good]


def test_retry_keeps_one_entry_per_url_and_counts_attempts(tmp_path: Path) -> None:
    """After one 404, retry said "2 failures remain": the URL was twice in failures.jsonl."""
    with SampleSite(n=5, seed=45) as site:
        missing = f"{site.url}/2012/01/01/no-such-story/"
        first = run_blade("fetch", missing, "--base-url", site.url, "--output", str(tmp_path))
        retried = run_blade("retry", "--base-url", site.url, "--output", str(tmp_path))
    assert first.returncode == 1 and retried.returncode == 1
    failures = read_jsonl(tmp_path / "failures.jsonl")
    assert [(f["url"], f["attempt"]) for f in failures] == [(missing, 2)]
    assert "1 failures remain" in retried.stdout


def test_retry_reads_a_failed_listing_again(tmp_path: Path) -> None:
    with SampleSite(n=12, seed=46, rest_api=False) as site:
        site.inject("/post-sitemap.xml", "500")
        crawl(site, tmp_path, settings={"RETRY_TIMES": "0"})
        listed = [f for f in read_jsonl(tmp_path / "failures.jsonl") if f["stage"] == "listing"]
        assert [f["url"].removeprefix(site.url) for f in listed] == ["/post-sitemap.xml"]
        site.clear_faults()
        site.reset_requests()
        retried = run_blade("retry", "--base-url", site.url, "--output", str(tmp_path))
        asked = [r.path for r in site.requests]
    assert retried.returncode == 0, retried.stdout + retried.stderr[-2000:]
    assert "/post-sitemap.xml" in asked and "1 listings read" in retried.stdout
    assert not [f for f in read_jsonl(tmp_path / "failures.jsonl") if f["stage"] == "listing"]


def test_fetch_and_retry_go_to_the_site_the_archive_was_made_from(tmp_path: Path) -> None:
    """A mirror's archive: ``blade fetch <its record's URL>`` and ``blade retry`` went to the
    live site (the URL refused as offsite) unless ``--base-url`` was repeated; a URL of another
    host is still refused."""
    with SampleSite(n=8, seed=47) as site:
        failing = site.archivable_posts()[0]
        site.inject(failing.path, "500")
        assert crawl(site, tmp_path, settings={"RETRY_TIMES": "0"}).returncode == 1
        site.clear_faults()
        record = archived(tmp_path)[0]
        fetched = run_blade("fetch", record["url"], "--output", str(tmp_path))
        retried = run_blade("retry", "--output", str(tmp_path))
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    assert f"{record['url']}: {record['id']} unchanged" in fetched.stdout
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert "1 archived" in retried.stdout
    assert f"wp-{failing.id}" in {r["id"] for r in archived(tmp_path)}
    elsewhere = "http://example.org/2012/01/01/a-story/"
    refused = run_blade("fetch", elsewhere, "--output", str(tmp_path))
    assert refused.returncode == 2
    assert f"{elsewhere}: not on {site.url} (offsite): not fetched" in refused.stderr
