"""The researcher's side of the archive: ``blade_spider.dataset`` and the dataset card's snippets.

Archives are built by merging hand-made records (shaped like the demo crawl's) with
:meth:`Archive.merge`, the crawl's own writer, so these tests need no crawl and run in seconds.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from blade_spider.archive.state import StateStore
from blade_spider.archive.store import STATE, Archive
from blade_spider.cli import main
from blade_spider.dataset import COLUMNS, load_articles, to_dataframe
from blade_spider.record.schema import schema_errors

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "docs" / "DATASET.md"
LAST_CRAWL = {"started_at": "2026-01-01 00:00:00+00:00", "finished_at": "2026-01-01T00:05:00+00:00",
              "exit_status": 0, "problems": [], "new": 6, "updated": 0, "unchanged": 0, "gone": 0,
              "failed": 0, "rejected": 0, "skipped_by_robots": 0, "archive_articles": 6}


def make_record(article_id: str, published: str, *, section: str | None = "News",
                categories: list[str] | None = None, authors: tuple[str, ...] = ("Kathi Wolfe",),
                subheadline: str | None = None, modified: str | None = None,
                comments: tuple[dict[str, Any], ...] = (), images: bool = True,
                layer: str = "blade_zox", fetched_at: str = "2026-01-01T00:00:00+00:00",
                crawl: dict[str, Any] | None = None) -> dict[str, Any]:
    """A schema-valid record in the crawl's key order (the demo output's shape)."""
    number = article_id.removeprefix("wp-")
    url = (f"https://www.washingtonblade.com/{published[:4]}/{published[5:7]}/{published[8:10]}"
           f"/story-{number}/")
    blocks = [{"type": "paragraph", "text": f"The measure’s sponsors in story {number} expect a "
                                            "vote.\nA second line."},
              {"type": "heading", "text": "What happens next"},
              {"type": "quote", "text": "“We continue to raise our concerns,” she said."}]
    body = "\n\n".join(block["text"] for block in blocks)
    credit = "Washington Blade photo by Michael Key"
    photos = [{"url": f"https://www.washingtonblade.com/content/files/{number}.jpg",
               "alt": "José Núñez, gay news, Washington Blade",
               "caption": f"Demonstrators in Bogotá. ({credit})", "credit": credit,
               "featured": True}] if images else []
    record = {
        "schema_version": 1, "id": article_id,
        "wp_post_id": int(number) if number.isdigit() else None, "url": url,
        "headline": f"Story {number}: D.C. can’t ignore the Pride parade route",
        "subheadline": subheadline, "authors": list(authors), "published": published,
        "modified": modified, "published_raw": published[:10], "section": section,
        "categories": categories if categories is not None else ([section] if section else []),
        "tags": ["Capital Pride"] if images else [], "body": body, "body_blocks": blocks,
        "images": photos, "photo_caption": photos[0]["caption"] if photos else None,
        "photo_credit": photos[0]["credit"] if photos else None, "comments": list(comments),
        "comment_count": len(comments), "language": "en-US",
        "crawl": {"content_sha256": hashlib.sha256(body.encode()).hexdigest(),
                  "fetched_at": fetched_at, "http_status": 200,
                  "parser_layers": {"body_blocks": layer, "headline": layer, "published": layer},
                  "request_url": url, "spider_version": "0.1.0", "template": layer,
                  **(crawl or {})},
    }
    assert schema_errors(record) == []
    return record


def sample_records() -> list[dict[str, Any]]:
    """Six articles chosen for the edges: a New Year's Eve story that is already 2017 in UTC,
    mixed EDT/EST offsets, a url- id, a date-only date, every optional crawl key."""
    comment = {"id": "41201", "parent_id": None, "author": "Renée L.",
               "published": "2017-09-05T19:52:00-04:00", "text": "Great reporting."}
    reply = {**comment, "id": "41202", "parent_id": "41201", "published": None}
    return [
        make_record("wp-1", "2016-12-31T23:30:00-05:00", authors=("Lou Chibbaro Jr.",)),
        make_record("wp-2", "2017-01-01T00:15:00-05:00", section="World",
                    categories=["World", "News"], layer="blade_dateline"),
        make_record("wp-3", "2017-09-05T18:37:00-04:00", section="Local",
                    subheadline="Letter to Russian counterpart",
                    modified="2017-09-06T10:05:12-04:00", comments=(comment, reply),
                    authors=("Michael K. Lavers", "Chris Johnson")),
        make_record("url-0123456789abcdef", "2017-09-20T09:00:00-04:00", section="world",
                    images=False, layer="generic"),
        make_record("wp-6", "2017-11-20T10:00:00-05:00", authors=()),
        make_record("wp-5", "2024-03-10T00:00:00-05:00", section=None, layer="metadata",
                    crawl={"date_precision": {"published": "day"},
                           "date_notes": ["published: printed label EST disagrees"],
                           "comments_note": "comments are loaded by a third-party script "
                                            "(Disqus) and are not in the page",
                           "gone_at": "2026-02-01T00:00:00+00:00", "gone_status": 410,
                           "pages": 2, "comment_pages": 3, "etag": '"abc"',
                           "last_modified": "Sun, 10 Mar 2024 05:00:00 GMT",
                           "warc": {"file": "warc/blade-1.warc.gz", "offset": 0,
                                    "record_id": "<urn:uuid:1>"}}),
    ]


def build_archive(root: Path, records: list[dict[str, Any]] | None = None) -> Path:
    """An archive written the way the crawl writes it: merge, then the manifest."""
    archive = Archive(root)
    state = StateStore(archive.path(STATE))
    try:
        archive.merge(sample_records() if records is None else records, state)
    finally:
        state.close()
    archive.write_manifest(last_crawl=LAST_CRAWL)
    return root


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("dataset") / "output")


def ids(records: Any) -> list[str]:
    return [r["id"] for r in records]


# --- load_articles ------------------------------------------------------------------------------

def test_all_records_in_publication_order(archive_dir: Path) -> None:
    assert ids(load_articles(archive_dir)) == ["wp-1", "wp-2", "wp-3", "url-0123456789abcdef",
                                               "wp-6", "wp-5"]


def test_bounds_are_inclusive_new_york_dates(archive_dir: Path) -> None:
    # wp-1 is 2017-01-01 in UTC but New Year's Eve in New York, where the reader saw it
    assert ids(load_articles(archive_dir, since="2017-01-01", until="2017-01-01")) == ["wp-2"]
    assert ids(load_articles(archive_dir, until=date(2016, 12, 31))) == ["wp-1"]
    assert ids(load_articles(archive_dir, since="2017-09-05", until="2017-09-20")) == [
        "wp-3", "url-0123456789abcdef"]
    # an aware datetime counts for its New York day (04:00 UTC is 23:00 the day before)
    since = datetime(2017, 1, 1, 4, 0, tzinfo=timezone.utc)
    assert ids(load_articles(archive_dir, since=since, until="2017-01-01T12:00:00")) == [
        "wp-1", "wp-2"]


def test_only_partitions_in_range_are_opened(archive_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = Archive.read_partition

    def spy(self: Archive, relative: str) -> list[dict[str, Any]]:
        opened.append(relative)
        return real(self, relative)

    monkeypatch.setattr(Archive, "read_partition", spy)
    assert ids(load_articles(archive_dir, since="2017-09-01", until="2017-09-30")) == [
        "wp-3", "url-0123456789abcdef"]
    assert opened == ["articles/2017/2017-09.jsonl"]
    opened.clear()
    list(load_articles(archive_dir, since="2024-01-01"))
    assert opened == ["articles/2024/2024-03.jsonl"]


def test_sections_match_section_or_category_ignoring_case(archive_dir: Path) -> None:
    assert ids(load_articles(archive_dir, sections=["WORLD"])) == [
        "wp-2", "url-0123456789abcdef"]
    assert ids(load_articles(archive_dir, sections=["news"])) == ["wp-1", "wp-2", "wp-6"]
    assert ids(load_articles(archive_dir, sections="Local")) == ["wp-3"]  # one name, not letters
    assert ids(load_articles(archive_dir, sections=["local", "world"], since="2017-09-01")) == [
        "wp-3", "url-0123456789abcdef"]


def test_clear_errors(archive_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601"):
        list(load_articles(archive_dir, since="last tuesday"))
    with pytest.raises(FileNotFoundError, match="no archive"):
        list(load_articles(tmp_path / "nowhere"))
    torn = tmp_path / "torn"
    shutil.copytree(archive_dir, torn)
    with (torn / "articles/2017/2017-09.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"schema_version":1,"id":"wp-9","hea\n')
    with pytest.raises(ValueError, match=r"2017-09\.jsonl.*blade validate"):
        list(load_articles(torn))
    assert ids(load_articles(torn, until="2017-01-31")) == ["wp-1", "wp-2"]  # not opened


# --- to_dataframe -------------------------------------------------------------------------------

def test_dataframe_dtypes(archive_dir: Path) -> None:
    df = to_dataframe(archive_dir)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 6
    for column in ("published", "modified"):
        assert isinstance(df[column].dtype, pd.DatetimeTZDtype)
        assert str(df[column].dt.tz) == "America/New_York"
    assert df["published"].iloc[0] == pd.Timestamp("2016-12-31 23:30", tz="America/New_York")
    assert df["published"].iloc[0].utcoffset().total_seconds() == -5 * 3600
    assert df["published"].iloc[2].utcoffset().total_seconds() == -4 * 3600  # EDT
    assert df["modified"].isna().sum() == 5
    assert df["wp_post_id"].dtype == "Int64"
    assert df["wp_post_id"].isna().tolist() == [False, False, False, True, False, False]
    assert df["comment_count"].dtype == "int64"
    assert df["comment_count"].tolist() == [0, 0, 2, 0, 0, 0]
    assert df["authors"].iloc[2] == ["Michael K. Lavers", "Chris Johnson"]
    assert df["comments"].iloc[2][1]["parent_id"] == "41201"
    assert df["crawl"].iloc[5]["date_precision"] == {"published": "day"}


def test_dataframe_filters_and_empty_result(archive_dir: Path) -> None:
    assert to_dataframe(archive_dir, sections=["world"])["id"].tolist() == [
        "wp-2", "url-0123456789abcdef"]
    empty = to_dataframe(archive_dir, since="2030-01-01")
    assert empty.empty and list(empty.columns) == list(COLUMNS)
    assert isinstance(empty["published"].dtype, pd.DatetimeTZDtype)


def test_dataframe_names_the_extra_without_pandas(archive_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"blade_spider\[pandas\]"):
        to_dataframe(archive_dir)


# --- the dataset card's snippets ----------------------------------------------------------------

def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_card_documents_every_field_and_crawl_key() -> None:
    card = CARD.read_text(encoding="utf-8")
    for name in COLUMNS:
        assert f"| `{name}` |" in card, name
    for key in ("fetched_at", "http_status", "request_url", "spider_version", "template",
                "parser_layers", "content_sha256", "etag", "last_modified", "date_precision",
                "date_notes", "comments_note", "gone_at", "gone_status", "pages",
                "comment_pages", "warc"):
        assert f"| `{key}` |" in card, key


def test_card_python_snippets_run(archive_dir: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(archive_dir, tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    snippets = fenced(CARD.read_text(encoding="utf-8"), "python")
    assert len(snippets) >= 5
    results = []
    for snippet in snippets:
        namespace: dict[str, Any] = {}
        exec(compile(snippet, str(CARD), "exec"), namespace)
        results.append(namespace)
    by_name = {k: v for ns in results for k, v in ns.items()}
    assert len(by_name["df"]) > 0
    assert by_name["world_2017"]["id"].tolist() == ["wp-2", "url-0123456789abcdef"]
    assert by_name["ds"].num_rows == 6
    assert by_name["one_month"].num_rows == 1


def test_card_jq_snippets_run(archive_dir: Path, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    shutil.copytree(archive_dir, tmp_path / "output")
    commands = [line for block in fenced(CARD.read_text(encoding="utf-8"), "sh")
                for line in block.splitlines() if line.startswith("jq ")]
    assert len(commands) >= 4
    for command in commands:
        done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, (command, done.stderr)
    world_query = next(c for c in commands if '.section == "World"' in c)
    world = subprocess.run(["bash", "-c", world_query], cwd=tmp_path, capture_output=True,
                           text=True, check=True).stdout
    assert world.splitlines()[0].startswith("2017-01-01T00:15:00-05:00\tStory 2:")


# --- paths, Hugging Face features, the files beside the data -----------------------------------

def test_the_archive_or_its_articles_folder_and_a_clear_error(archive_dir: Path,
                                                             tmp_path: Path) -> None:
    assert ids(load_articles(archive_dir / "articles")) == ids(load_articles(archive_dir))
    assert to_dataframe(archive_dir / "articles")["id"].tolist() == ids(load_articles(archive_dir))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x", encoding="utf-8")
    for folder in (tmp_path, tmp_path / "notes"):
        with pytest.raises(FileNotFoundError, match=r"no archive at .*holds no articles/"):
            to_dataframe(folder)


def test_hf_features_load_every_file(archive_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from datasets import load_dataset

    from blade_spider.dataset import hf_features

    files = str(archive_dir / "articles" / "*" / "*.jsonl")
    ds = load_dataset("json", data_files=files, split="train", features=hf_features())
    assert ds["id"] == ids(load_articles(archive_dir))
    assert ds["subheadline"][2] == "Letter to Russian counterpart"  # null in earlier files
    published = ds["published"]
    assert published[0].isoformat() == "2016-12-31T23:30:00-05:00"  # EST kept
    assert published[2].isoformat() == "2017-09-05T18:37:00-04:00"  # EDT kept
    assert ds[2]["comments"][1]["parent_id"] == "41201"
    assert ds[5]["crawl"]["warc"]["offset"] == 0
    assert ds[5]["crawl"]["parser_layers"]["headline"] == "metadata"


def test_a_crawled_archive_explains_itself(crawled_archive: Path) -> None:
    import yaml

    from blade_spider.archive.store import file_sha256

    assert (crawled_archive / "DATASET.md").read_text(encoding="utf-8") == \
        CARD.read_text(encoding="utf-8")
    assert (crawled_archive / "schema.json").is_file()
    manifest = Archive(crawled_archive).read_manifest()
    assert manifest is not None
    cff = yaml.safe_load((crawled_archive / "CITATION.cff").read_text(encoding="utf-8"))
    first, last = manifest["years"]
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["title"] == f"Washington Blade article archive, {first}–{last}"
    assert f"{manifest['articles']} articles" in cff["abstract"]
    sha = file_sha256(crawled_archive / "manifest.json")[:12]
    assert cff["version"].endswith(sha)
    assert sha in cff["preferred-citation"]["title"]
    assert cff["date-released"] == manifest["last_crawl"]["finished_at"][:10]


def researcher_examples() -> list[tuple[str, str, str]]:
    """``(source, language, block)`` of every python, sh and text block of the README's
    researcher section and of the dataset card, in document order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Researchers")
    section = readme[start:readme.index("\n## ", start + 1)]
    return [(source, language, block)
            for source, text in (("README.md", section),
                                 ("docs/DATASET.md", CARD.read_text(encoding="utf-8")))
            for language, block in re.findall(r"```(python|sh|text)\n(.*?)```", text,
                                              flags=re.DOTALL)]


def test_every_researcher_example_runs_on_the_demo_archive(
        crawled_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(crawled_archive, tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    for name, value in (("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1"),
                        ("HF_HOME", str(tmp_path / "hf"))):
        monkeypatch.setenv(name, value)
    printed, shown = [], []
    for source, language, block in researcher_examples():
        if language == "text":  # what the commands above print
            shown += [line for line in block.splitlines()
                      if line.startswith(("exported ", "wrote "))]
        elif language == "python":
            exec(compile(block, source, "exec"), {})
            printed.append(capsys.readouterr().out)
        else:
            for line in block.splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] == ["blade"]:  # in this process: as the console script would
                    assert main(words[1:]) == 0, (source, line, capsys.readouterr().err)
                    printed.append(capsys.readouterr().out)
                elif words and (words[0] != "jq" or shutil.which("jq")):
                    done = subprocess.run(["bash", "-c", f"set -o pipefail; {line}"],
                                          cwd=tmp_path, capture_output=True, text=True,
                                          timeout=60, check=False)
                    assert done.returncode == 0, (source, line, done.stderr[-2000:])
    output = "".join(printed)
    assert shown and all(line in output for line in shown), shown
    assert "18 2017-05-26 08:46:00-04:00" in output  # the README's to_dataframe comment
