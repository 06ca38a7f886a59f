"""``blade export``, ``blade stats``, ``blade validate`` and the archive's README.

Each corruption ``blade validate`` must catch is made by hand on a small archive built with the
crawl's own writer (see ``tests/test_dataset.py``), then repaired and checked again.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import closing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blade_spider.archive import check as archive_check
from blade_spider.archive.check import DAMAGED, validate_archive
from blade_spider.archive.export import arrow_schema, export_archive
from blade_spider.archive.report import archive_stats, write_output_readme
from blade_spider.archive.state import StateStore
from blade_spider.archive.store import MANIFEST, STATE, Archive, ArchiveLocked, dumps, read_jsonl
from blade_spider.cli import main
from blade_spider.dataset import COLUMNS
from tests.test_dataset import LAST_CRAWL, build_archive, fenced, make_record, sample_records


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return build_archive(tmp_path / "output")


def run_cli(*argv: str) -> int:
    """``blade <argv>``, in this process."""
    return main(list(argv))


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


# --- export -------------------------------------------------------------------------------------

def test_arrow_schema_has_every_record_field_in_order() -> None:
    assert arrow_schema().names == list(COLUMNS)


def test_parquet_keeps_the_nested_structure(output: Path, tmp_path: Path) -> None:
    target = tmp_path / "blade.parquet"
    assert export_archive(output, "parquet", target) == 6
    table = pq.read_table(target)
    schema = table.schema
    assert schema.field("authors").type == pa.list_(pa.string())
    assert schema.field("body_blocks").type == pa.list_(
        pa.struct([("type", pa.string()), ("text", pa.string())]))
    assert schema.field("published").type == pa.timestamp("us", tz="America/New_York")
    assert schema.field("comments").type.value_type.field("published").type == pa.timestamp(
        "us", tz="America/New_York")
    assert pa.types.is_struct(schema.field("crawl").type)
    rows = table.to_pylist()
    records = sample_records()
    assert [r["id"] for r in rows] == [r["id"] for r in Archive(output).iter_records()]
    by_id = {r["id"]: r for r in rows}
    for record in records:
        row = by_id[record["id"]]
        for name in ("authors", "body_blocks", "images", "categories", "tags", "body"):
            assert row[name] == record[name], name
        assert row["published"].isoformat() == record["published"]
        assert json.loads(row["crawl"]["parser_layers"]) == record["crawl"]["parser_layers"]
    comments = by_id["wp-3"]["comments"]
    assert comments[0]["published"].isoformat() == "2017-09-05T19:52:00-04:00"
    assert comments[1]["parent_id"] == "41201" and comments[1]["published"] is None
    crawl = by_id["wp-5"]["crawl"]
    assert crawl["date_precision"] == {"published": "day", "modified": None}
    assert crawl["warc"] == {"file": "warc/blade-1.warc.gz", "offset": 0,
                             "record_id": "<urn:uuid:1>"}
    assert (crawl["gone_status"], crawl["pages"], crawl["comment_pages"], crawl["extra"]) == \
        (410, 2, 3, None)
    assert by_id["url-0123456789abcdef"]["wp_post_id"] is None


def test_parquet_keeps_unknown_crawl_keys(tmp_path: Path) -> None:
    record = make_record("wp-7", "2020-05-01T12:00:00-04:00",
                         crawl={"robots": "allowed", "retries": 2})
    root = build_archive(tmp_path / "output", [record])
    export_archive(root, "parquet", tmp_path / "x.parquet")
    extra = pq.read_table(tmp_path / "x.parquet").to_pylist()[0]["crawl"]["extra"]
    assert json.loads(extra) == {"retries": 2, "robots": "allowed"}


def test_csv_json_encodes_nested_fields(output: Path, tmp_path: Path) -> None:
    target = tmp_path / "blade.csv"
    assert export_archive(output, "csv", target, since="2017-09-01", until="2017-09-30") == 2
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    original = next(r for r in sample_records() if r["id"] == "wp-3")
    assert [r["id"] for r in rows] == ["wp-3", "url-0123456789abcdef"]
    row = rows[0]
    for name in ("authors", "body_blocks", "images", "comments", "crawl", "tags"):
        assert json.loads(row[name]) == original[name], name
    assert row["body"] == original["body"]  # newlines inside a quoted cell
    assert row["comment_count"] == "2" and row["wp_post_id"] == "3"
    assert rows[1]["wp_post_id"] == "" and rows[1]["images"] == "[]"
    assert "José Núñez" in target.read_text(encoding="utf-8")  # UTF-8, not escaped


def test_exports_are_deterministic(tmp_path: Path) -> None:
    records = sample_records()
    first = build_archive(tmp_path / "a", records)
    second = build_archive(tmp_path / "b", list(reversed(records)))  # merged in another order
    for fmt in ("csv", "parquet"):
        export_archive(first, fmt, tmp_path / f"a.{fmt}")
        export_archive(second, fmt, tmp_path / f"b.{fmt}")
        export_archive(first, fmt, tmp_path / f"again.{fmt}")
        data = (tmp_path / f"a.{fmt}").read_bytes()
        assert data == (tmp_path / f"b.{fmt}").read_bytes() == (
            tmp_path / f"again.{fmt}").read_bytes(), fmt


def test_export_command(output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "world.csv"
    assert run_cli("export", "--output", str(output), "--format", "csv", "--out", str(target),
                   "--section", "world", "--since", "2017-01-01") == 0
    assert "exported 2 articles" in capsys.readouterr().out
    with target.open(encoding="utf-8", newline="") as handle:
        assert [row["id"] for row in csv.DictReader(handle)] == ["wp-2", "url-0123456789abcdef"]
    assert run_cli("export", "--output", str(tmp_path / "none"), "--format", "csv",
                   "--out", str(target)) == 2
    assert "no archive" in capsys.readouterr().err


def test_parquet_export_names_the_extra_without_pyarrow(
        output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"blade_spider\[parquet\]"):
        export_archive(output, "parquet", tmp_path / "x.parquet")
    assert run_cli("export", "--output", str(output), "--format", "parquet",
                   "--out", str(tmp_path / "x.parquet")) == 2
    assert "pip install 'blade_spider[parquet]'" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()


# --- stats and README ---------------------------------------------------------------------------

def test_stats_report(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = archive_stats(output)
    assert "6 articles, 2016–2024" in report
    assert "Last crawl: finished 2026-01-01T00:05:00+00:00 (ok): new 6" in report
    lines = report.splitlines()

    def row(first: str) -> list[str]:
        return next(line.split() for line in lines if line.startswith(first + " "))

    assert row("2017") == ["2017", "4"]
    assert row("2016") == ["2016", "1"] and row("2024") == ["2024", "1"]
    assert row("News") == ["News", "2", "33.3%"]
    assert row("Kathi") == ["Kathi", "Wolfe", "3", "50.0%"]
    assert row("subheadline") == ["subheadline", "1", "16.7%"]
    assert row("authors") == ["authors", "5", "83.3%"]
    assert row("comments") == ["comments", "1", "16.7%"]
    assert row("photo") == ["photo", "caption", "5", "83.3%"]
    assert ["body_blocks", "blade_zox", "3", "50.0%"] in [line.split() for line in lines]
    assert ["body_blocks", "generic", "1", "16.7%"] in [line.split() for line in lines]
    assert run_cli("stats", "--output", str(output)) == 0
    assert capsys.readouterr().out == report


def test_output_readme(output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = Archive(output).read_manifest()
    assert manifest is not None
    readme = write_output_readme(output, manifest)
    text = readme.read_text(encoding="utf-8")
    assert readme == output / "README.md"
    for expected in ("- articles: 6", "2016–2024", "finished 2026-01-01T00:05:00+00:00",
                     "new 6", "docs/DATASET.md", "Brown, Naff, Pitts Omnimedia"):
        assert expected in text
    monkeypatch.chdir(output.parent)  # its snippets run from the archive's parent directory
    for snippet in fenced(text, "python"):
        exec(compile(snippet, str(readme), "exec"), {})
    assert write_output_readme(output, manifest).read_text(encoding="utf-8") == text


# --- validate -----------------------------------------------------------------------------------

def kinds(report: archive_check.Report) -> list[str]:
    return sorted({p.kind for p in report.problems})


def test_a_fresh_archive_is_valid(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = validate_archive(output)
    assert report.ok and report.records == 6 and report.files == 5
    assert run_cli("validate", "--output", str(output)) == 0
    assert "The archive is valid." in capsys.readouterr().out


def test_duplicate_id_keeps_the_last_fetched_copy(output: Path) -> None:
    newer = make_record("wp-3", "2017-09-05T18:37:00-04:00", section="Local",
                        fetched_at="2026-03-01T00:00:00+00:00")
    newer["headline"] = "Corrected headline"
    part = output / "articles/2017/2017-09.jsonl"
    write_lines(part, [*lines_of(part), dumps(newer)])
    report = validate_archive(output)
    assert "duplicate" in kinds(report)
    assert any(p.kind == "duplicate" and p.where == "wp-3" for p in report.problems)
    fixed = validate_archive(output, repair=True)
    assert fixed.ok, fixed.text()
    kept = [r for r in Archive(output).iter_records() if r["id"] == "wp-3"]
    assert [r["headline"] for r in kept] == ["Corrected headline"]
    history = Archive(output).history_of("wp-3")
    assert [h["record"]["headline"] for h in history] == [
        "Story 3: D.C. can’t ignore the Pride parade route"]


def test_torn_line_is_set_aside(output: Path) -> None:
    part = output / "articles/2017/2017-11.jsonl"
    write_lines(part, [*lines_of(part), lines_of(part)[0][:200]])  # a half-written line
    with (output / "articles/2016/2016-12.jsonl").open("ab") as handle:
        handle.write(b'{"id": "wp-\xff\xfe"}\n')  # not UTF-8
    report = validate_archive(output)
    assert [p.where for p in report.problems if p.kind == "json"] == [
        "articles/2016/2016-12.jsonl:2", "articles/2017/2017-11.jsonl:2"]
    assert not validate_archive(output, repair=True).problems
    damaged = read_jsonl(output / DAMAGED)
    assert [(d["file"], d["line"]) for d in damaged] == [
        ("articles/2016/2016-12.jsonl", 2), ("articles/2017/2017-11.jsonl", 2)]
    assert damaged[1]["url"].endswith("/story-6/")
    assert len(list(Archive(output).iter_records())) == 6


def test_wrong_checksum_and_total_in_manifest(output: Path) -> None:
    manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["articles/2017/2017-09.jsonl"]["sha256"] = "0" * 64
    manifest["articles"] = 7
    (output / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    report = validate_archive(output)
    assert kinds(report) == ["manifest"]
    assert {p.where for p in report.problems} == {"articles/2017/2017-09.jsonl", MANIFEST}
    assert validate_archive(output, repair=True).ok
    repaired = Archive(output).read_manifest()
    assert repaired is not None and repaired["articles"] == 6
    assert repaired["last_crawl"] == LAST_CRAWL  # kept


def test_misplaced_and_unsorted_records_are_moved(output: Path) -> None:
    september = output / "articles/2017/2017-09.jsonl"
    november = output / "articles/2017/2017-11.jsonl"
    moved = lines_of(september)
    write_lines(november, [*lines_of(november), *reversed(moved)])  # wrong month, wrong order
    september.unlink()
    report = validate_archive(output)
    assert {"misplaced", "unsorted", "manifest", "state"} <= set(kinds(report))
    assert validate_archive(output, repair=True).ok
    assert lines_of(september) == moved
    assert [r["id"] for r in read_jsonl(november)] == ["wp-6"]
    with closing(StateStore(output / STATE)) as state:
        known = state.get("wp-3")
        assert known is not None and known.partition == "articles/2017/2017-09.jsonl"


def test_schema_violation_is_reported_never_deleted(output: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    part = output / "articles/2024/2024-03.jsonl"
    record = json.loads(lines_of(part)[0])
    record["headline"] = ""
    record["authors"] = "Kathi Wolfe"
    write_lines(part, [dumps(record)])
    report = validate_archive(output)
    schema = [p for p in report.problems if p.kind == "schema"]
    assert len(schema) == 1 and "headline" in schema[0].detail and "authors" in schema[0].detail
    assert run_cli("validate", "--output", str(output), "--repair") == 1
    out = capsys.readouterr().out
    assert "Remaining: 1 problem" in out and "blade fetch URL" in out
    assert [r["id"] for r in read_jsonl(part)] == ["wp-5"]  # still there


def test_state_is_rederived_from_the_files(output: Path) -> None:
    with closing(StateStore(output / STATE)) as state:
        state.db.execute("DELETE FROM articles WHERE id = 'wp-1'")
        state.db.execute("UPDATE articles SET partition = 'articles/2017/2017-01.jsonl' "
                         "WHERE id = 'wp-6'")
        state.upsert_many([{"id": "wp-999", "url": "https://www.washingtonblade.com/x/",
                            "published": None, "modified": None,
                            "partition": "articles/2099/2099-01.jsonl", "record_sha256": "0",
                            "content_sha256": None, "fetched_at": None}])
    report = validate_archive(output)
    assert {p.where for p in report.problems if p.kind == "state"} == {"wp-1", "wp-6", "wp-999"}
    assert validate_archive(output, repair=True).ok
    (output / STATE).unlink()
    assert kinds(validate_archive(output)) == ["state"]
    assert validate_archive(output, repair=True).ok
    with closing(StateStore(output / STATE)) as state:
        assert state.count() == 6


def test_missing_manifest_and_unreadable_state(output: Path) -> None:
    (output / MANIFEST).unlink()
    (output / STATE).write_bytes(b"this is not a database" * 100)
    assert set(kinds(validate_archive(output))) == {"manifest", "state"}
    report = validate_archive(output, repair=True)
    assert report.ok, report.text()
    assert list(output.glob(f"{STATE}.damaged-*"))  # the broken file is kept aside


def test_validate_command_exit_status(output: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    part = output / "articles/2016/2016-12.jsonl"
    write_lines(part, [*lines_of(part), "{not json"])
    assert run_cli("validate", "--output", str(output)) == 1
    out = capsys.readouterr().out
    assert "articles/2016/2016-12.jsonl:2: not a valid JSON object" in out
    assert "blade validate --repair" in out
    assert run_cli("validate", "--output", str(output), "--repair") == 0
    assert "Remaining: 0 problems." in capsys.readouterr().out
    assert run_cli("validate", "--output", str(output)) == 0
    assert run_cli("validate", "--output", str(tmp_path / "nowhere")) == 2
    assert "no archive" in capsys.readouterr().err


def test_repair_refuses_while_a_crawl_holds_the_lock(output: Path) -> None:
    crawl = Archive(output)
    crawl.lock()
    try:
        with pytest.raises(ArchiveLocked):
            validate_archive(output, repair=True)
        assert validate_archive(output).ok  # checking needs no lock
    finally:
        crawl.unlock()


def test_repair_never_loses_a_record(output: Path) -> None:
    """Several corruptions at once: copies of September's records misfiled in January, a line
    that is JSON but not a record, an unreadable manifest. Every article survives, once."""
    september = output / "articles/2017/2017-09.jsonl"
    january = output / "articles/2017/2017-01.jsonl"
    write_lines(january, [*lines_of(january), *lines_of(september), "[1, 2]"])
    (output / MANIFEST).write_text("{", encoding="utf-8")
    assert validate_archive(output, repair=True).ok
    assert sorted(r["id"] for r in Archive(output).iter_records()) == sorted(
        r["id"] for r in sample_records())
    assert read_jsonl(output / DAMAGED)[0]["text"] == "[1, 2]"


def test_merging_into_a_month_streams_it_in_order_and_keeps_every_record(tmp_path: Path) -> None:
    """A merge rewrites a month as a stream (old lines copied byte for byte, new records slotted
    in by publication time), and the result is what sorting the whole month would give."""
    days = [f"2017-09-{day:02d}T12:00:00-04:00" for day in range(1, 29)]
    first = [make_record(f"wp-{100 + i}", day) for i, day in enumerate(days) if i % 2 == 0]
    build_archive(tmp_path, first)
    path = tmp_path / "articles" / "2017" / "2017-09.jsonl"
    before = path.read_text(encoding="utf-8").splitlines()
    later = [make_record(f"wp-{100 + i}", day) for i, day in enumerate(days) if i % 2 == 1]
    edited = make_record("wp-100", days[0], subheadline="An update")
    build_archive(tmp_path, [*later, edited])
    rows = read_jsonl(path)
    assert [r["id"] for r in rows] == [f"wp-{100 + i}" for i in range(len(days))]
    assert rows[0]["subheadline"] == "An update"
    after = path.read_text(encoding="utf-8").splitlines()
    assert set(before[1:]) <= set(after)  # untouched records keep their exact bytes
    manifest = Archive(tmp_path).read_manifest()
    assert manifest["files"]["articles/2017/2017-09.jsonl"]["records"] == len(days)


def test_a_month_edited_out_of_order_is_sorted_not_lost(tmp_path: Path) -> None:
    days = [f"2017-09-{day:02d}T12:00:00-04:00" for day in (20, 3, 11)]
    build_archive(tmp_path, [make_record(f"wp-{i + 1}", day) for i, day in enumerate(days)])
    path = tmp_path / "articles" / "2017" / "2017-09.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in reversed(read_jsonl(path))),
                    encoding="utf-8")  # by hand, newest first
    build_archive(tmp_path, [make_record("wp-9", "2017-09-07T08:00:00-04:00")])
    assert [r["published"][:10] for r in read_jsonl(path)] == [
        "2017-09-03", "2017-09-07", "2017-09-11", "2017-09-20"]
