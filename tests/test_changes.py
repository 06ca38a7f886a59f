"""Every run leaves one line in ``runs.jsonl``, and ``blade changes`` says what each run did."""

from __future__ import annotations

import json
from pathlib import Path

from blade_spider.archive.store import read_jsonl
from blade_spider.sample_site import SampleSite
from tests.conftest import crawl, run_blade


def test_runs_log_names_new_updated_with_fields_and_gone(tmp_path: Path) -> None:
    with SampleSite(n=12, seed=41) as site:
        first = crawl(site, tmp_path)
        posts = site.archivable_posts()
        edited, removed = posts[2], posts[5]
        site.update_post(edited.id, title="A headline changed after the first crawl")
        site.remove_post(removed.id, status=410)
        second = crawl(site, tmp_path, "full=1")
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    runs = read_jsonl(tmp_path / "runs.jsonl")
    assert len(runs) == 2
    assert sorted(runs[0]["new"]) == sorted(f"wp-{p.id}" for p in posts)
    assert runs[0]["outcome"] == "finished" and runs[0]["exit_status"] == 0
    assert runs[1]["new"] == [] and runs[1]["gone"] == [f"wp-{removed.id}"]
    assert runs[1]["updated"] == {f"wp-{edited.id}": ["headline", "modified"]}
    assert runs[1]["counts"]["updated"] == 1 and runs[1]["counts"]["gone"] == 1

    shown = run_blade("changes", "--output", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert f"updated  wp-{edited.id}: headline, modified" in shown.stdout
    assert f"gone     wp-{removed.id}" in shown.stdout
    assert f"finished (exit 0), {len(posts)} new" in shown.stdout
    as_json = run_blade("changes", "--output", str(tmp_path), "--json", "--since", "2000-01-01")
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == runs


def test_changes_without_a_run_log_or_with_a_bad_date_says_so(tmp_path: Path) -> None:
    missing = run_blade("changes", "--output", str(tmp_path))
    assert missing.returncode == 2 and "no runs.jsonl" in missing.stderr
    bad = run_blade("changes", "--output", str(tmp_path), "--since", "2026-13-01")
    assert bad.returncode == 2 and "bad --since" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr
