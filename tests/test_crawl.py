"""Whole-site crawls through ``scrapy crawl`` against the local sample site (issue 3)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from blade_spider.sample_site import SampleSite
from tests.conftest import archive_bytes, archived, crawl


def expected_ids(site: SampleSite) -> set[str]:
    return {f"wp-{post.id}" for post in site.archivable_posts()}


def test_full_crawl_archives_every_article_once(site: SampleSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    records = archived(tmp_path)
    ids = Counter(r["id"] for r in records)
    assert set(ids) == expected_ids(site)
    assert max(ids.values()) == 1


def test_records_match_the_site_truth(site: SampleSite, tmp_path: Path) -> None:
    crawl(site, tmp_path)
    by_id = {r["id"]: r for r in archived(tmp_path)}
    for post in site.archivable_posts():
        record = by_id[f"wp-{post.id}"]
        assert record["headline"] == post.title
        assert record["authors"] == post.authors
        assert record["published"] == post.published.isoformat(timespec="seconds")
        assert record["body"] == post.body
        assert record["comment_count"] == len(post.comments)
        assert [c["id"] for c in record["comments"]] == [str(c["id"]) for c in post.comments]
        assert [i["caption"] for i in record["images"]] == [i["caption"] for i in post.images]
        lead = next((i for i in post.images if i["featured"]), None)
        assert record["photo_caption"] == (lead["caption"] if lead else None)
        assert record["url"] == site.url_for(post)


def test_robots_disallow_is_obeyed(site: SampleSite, tmp_path: Path) -> None:
    crawl(site, tmp_path)
    disallowed = site.disallowed_paths
    assert disallowed, "the sample site must disallow one article"
    fetched = [r.path for r in site.requests]
    assert not [p for p in fetched if any(p.startswith(d) for d in disallowed)]
    assert not [r for r in archived(tmp_path) if any(r["url"].endswith(d) for d in disallowed)]


def test_nothing_offsite_or_non_article_is_requested_as_article(site: SampleSite,
                                                                tmp_path: Path) -> None:
    crawl(site, tmp_path)
    # robots.txt is read twice by design: once by Scrapy's robots middleware (to obey it), once
    # by the spider (for its Sitemap: lines, and to stop if it is unreachable).
    paths = [r.path for r in site.requests if r.path != "/robots.txt"]
    assert not [p for p in paths if "utm_" in p or "replytocom" in p or p.endswith("/amp/")]
    assert len(paths) == len(set(paths)), "a URL was requested twice"
    assert not [p for p in paths if p.startswith("http")], "an offsite URL reached the site"


def test_second_run_changes_nothing(site: SampleSite, tmp_path: Path) -> None:
    crawl(site, tmp_path)
    before = archive_bytes(tmp_path)
    result = crawl(site, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert archive_bytes(tmp_path) == before


def test_mirror_without_sitemaps_is_crawled_through_archives(tmp_path: Path) -> None:
    with SampleSite(n=30, seed=3, sitemaps=False, core_sitemaps=False, feed=False,
                    rest_api=False) as site:
        result = crawl(site, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        assert {r["id"] for r in archived(tmp_path)} == expected_ids(site)
        assert "through the archives" in result.stderr


def test_manifest_counts_and_checksums(site: SampleSite, tmp_path: Path) -> None:
    import hashlib
    import json

    crawl(site, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["schema_version"] == 1
    assert manifest["articles"] == len(expected_ids(site))
    for relative, entry in manifest["files"].items():
        data = (tmp_path / relative).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert data.count(b"\n") == entry["records"]
    assert manifest["last_crawl"]["new"] == len(expected_ids(site))


def test_partitions_are_by_month_and_sorted(site: SampleSite, tmp_path: Path) -> None:
    from datetime import datetime

    crawl(site, tmp_path)
    for path in tmp_path.glob("articles/*/*.jsonl"):
        import json

        records = [json.loads(line) for line in path.read_text().splitlines()]
        assert all(r["published"][:7] == path.stem for r in records)
        instants = [datetime.fromisoformat(r["published"]) for r in records]
        assert instants == sorted(instants)


def test_a_post_split_over_pages_is_one_record(tmp_path: Path) -> None:
    """``<!--nextpage-->``: page 2 is fetched and its body appended (real WordPress pages)."""
    from blade_spider.extract import extract_article
    from blade_spider.urls import SiteHosts
    from tests.conftest import WORDPRESS, SavedPages, response_from_file

    slug = "2023-02-20-trans-actors-take-center-stage-in-capitol-reps-new-season"
    path = "/2023/02/20/trans-actors-take-center-stage-in-capitol-reps-new-season/"
    server = SavedPages({path: WORDPRESS / "classic" / f"{slug}.html",
                         f"{path}2/": WORDPRESS / "classic" / f"{slug}-page-2.html"})
    try:
        from tests.conftest import run_scrapy

        result = run_scrapy("crawl", "blade", "-a", f"url={server.url}{path}", "-a",
                            f"base_url={server.url}", output=tmp_path,
                            settings={"BLADE_SITE_ALIASES": "127.0.0.1"})
    finally:
        server.close()
    assert result.returncode == 0, result.stderr[-2000:]
    [record] = archived(tmp_path)
    site = SiteHosts("http://127.0.0.1:8089")
    page_one, page_two = (
        extract_article(response_from_file(WORDPRESS / "classic" / name,
                                           f"http://127.0.0.1:8089{url}"), site)
        for name, url in ((f"{slug}.html", path), (f"{slug}-page-2.html", f"{path}2/")))
    assert record["body_blocks"] == page_one.body_blocks + page_two.body_blocks
    assert record["crawl"]["pages"] == 2
    assert record["url"].endswith(path)
    # Archived: nothing is left in flight for the next run to fetch again.
    from blade_spider.archive.state import StateStore

    state = StateStore(tmp_path / "state.sqlite3")
    assert state.inflight() == []
    state.close()


def test_demo_serves_the_sample_site_and_archives_it(tmp_path: Path) -> None:
    from tests.conftest import run_blade

    result = run_blade("demo", "--port", "0", "--articles", "12", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Serving the bundled sample site" in result.stdout
    # The demo turns politeness off for its own site itself (no -s BLADE_POLITE=False given).
    assert "scrapy.extensions.throttle.AutoThrottle" not in result.stderr
    assert len(archived(tmp_path)) >= 11  # one article is disallowed by robots.txt
    assert (tmp_path / "schema.json").exists() and (tmp_path / "README.md").exists()


def test_a_record_does_not_depend_on_which_listing_answers_first(tmp_path: Path) -> None:
    """Yoast's sitemap dates each URL; WordPress core's sitemap and the RSS feed list the same
    URLs undated. However late the dated sitemap answers, each article keeps its ``lastmod`` as
    ``modified`` (where the page states none): the record is the same as on a prompt site."""
    with SampleSite(n=30, seed=21) as site:
        assert crawl(site, tmp_path / "prompt").returncode == 0
        site.set_option("slow_sleep", 1.5)
        site.inject("/post-sitemap.xml", "slow")
        assert crawl(site, tmp_path / "late").returncode == 0
    prompt = {r["id"]: r for r in archived(tmp_path / "prompt")}
    late = {r["id"]: r for r in archived(tmp_path / "late")}
    assert any(r["crawl"]["parser_layers"].get("modified") == "sitemap" for r in prompt.values())
    assert set(late) == set(prompt)
    for key, record in prompt.items():
        assert late[key]["modified"] == record["modified"], key
        assert (late[key]["crawl"]["parser_layers"].get("modified")
                == record["crawl"]["parser_layers"].get("modified")), key


@pytest.mark.parametrize("broken", ["dead server", "server errors"])
def test_a_feed_export_holds_articles_only(tmp_path: Path, broken: str) -> None:
    """``scrapy crawl blade -a url=... -O out.jsonl``: a URL that fails is in failures.jsonl,
    never a line of the user's feed (which is for articles)."""
    import json
    import socket

    from blade_spider.archive.store import read_jsonl
    from tests.conftest import run_scrapy

    feed = tmp_path / "out.jsonl"
    with SampleSite(n=3, seed=3) as site:
        good, failing = site.archivable_posts()[:2]
        base = site.url
        if broken == "dead server":
            with socket.socket() as closed:  # a port nothing listens on
                closed.bind(("127.0.0.1", 0))
                base = f"http://127.0.0.1:{closed.getsockname()[1]}"
            urls, articles = [f"{base}{failing.path}"], []
        else:
            site.inject(failing.path, "500")
            urls = [site.url_for(good), site.url_for(failing),
                    f"{site.url}/2019/01/01/no-such-article/"]
            articles = [f"wp-{good.id}"]
        result = run_scrapy("crawl", "blade", "-a", f"url={','.join(urls)}", "-a",
                            f"base_url={base}", "-O", str(feed), output=tmp_path / "archive",
                            settings={"RETRY_TIMES": "0"})
    assert "Crawl summary:" in result.stderr, result.stderr[-3000:]
    lines = [json.loads(line) for line in feed.read_text().splitlines()]
    assert [line.get("id") for line in lines] == articles
    failures = read_jsonl(tmp_path / "archive" / "failures.jsonl")
    assert {f["url"] for f in failures} == set(urls) - {site.url_for(good)}
