"""Raw capture and re-parsing (issue "a reproducible archive"): the crawl's WARC files,
``blade reparse`` and ``blade import-warc``.

One crawl of the sample site (through ``scrapy crawl``, small ``BLADE_WARC_MAX_BYTES`` so files
rotate) is shared by the module; every test that writes works on its own copy of that archive.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from blade_spider.archive.reparse import import_warc, reparse
from blade_spider.archive.store import Archive
from blade_spider.archive.warc import WarcAppender, scan_warc
from blade_spider.cli import main
from blade_spider.extract.layers.base import Layer
from blade_spider.sample_site import SampleSite
from blade_spider.urls import SiteHosts
from tests.conftest import PAGES, archive_bytes, archived, crawl, load_case

MAX_BYTES = 40_000
TILLERSON = ("https://www.washingtonblade.com/2017/09/05/"
             "tillerson-raises-anti-gay-chechnya-crackdown-letter-russian-counterpart/")
HTML = "text/html; charset=UTF-8"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("crawled")
    with SampleSite(n=30, seed=3) as site:
        result = crawl(site, output, settings={"BLADE_WARC_MAX_BYTES": str(MAX_BYTES)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert warc_files(output), (
        "no WARC written: is blade_spider.crawl.capture.WarcCaptureMiddleware in "
        "DOWNLOADER_MIDDLEWARES (blade_spider/settings.py)?")
    return output


@pytest.fixture
def output(crawled: Path, tmp_path: Path) -> Path:
    """A private copy of the crawled archive."""
    return Path(shutil.copytree(crawled, tmp_path / "output"))


def warc_files(output: Path) -> list[Path]:
    return sorted((output / "warc").glob("*.warc.gz"))


def record_at(output: Path, location: dict[str, Any]) -> Any:
    data = (output / location["file"]).read_bytes()[location["offset"]:]
    return next(iter(ArchiveIterator(io.BytesIO(data))))


def write_warc(path: Path, records: list[tuple[str, str, bytes, str, str]],
               compress: bool = True) -> Path:
    """A WARC as another archive would write it: (type, url, body, WARC-Date, Content-Type)."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for kind, url, body, date, content_type in records:
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)],
                                    protocol="HTTP/1.1")
            if kind == "revisit":
                record = writer.create_revisit_record(
                    url, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", url, date, http_headers=http,
                    warc_headers_dict={"WARC-Date": date})
            else:
                record = writer.create_warc_record(
                    url, kind, payload=io.BytesIO(body), length=len(body), http_headers=http,
                    warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
    return path


def tillerson_html() -> bytes:
    return (PAGES / "blade2017_tillerson.html").read_bytes()


# --- capture ----------------------------------------------------------------------------------

def test_crawl_writes_valid_rotated_warcs(crawled: Path) -> None:
    files = warc_files(crawled)
    assert len(files) > 1, "files rotate at BLADE_WARC_MAX_BYTES"
    captured: Counter[str] = Counter()
    for path in files:
        with path.open("rb") as handle:
            records = list(ArchiveIterator(handle))
        kinds = [r.rec_type for r in records]
        assert kinds[0] == "warcinfo" and "warcinfo" not in kinds[1:]
        ids = {r.rec_headers.get_header("WARC-Record-ID"): r for r in records}
        for record in records:
            if record.rec_type == "request":
                partner = ids[record.rec_headers.get_header("WARC-Concurrent-To")]
                assert partner.rec_type == "response"
            if record.rec_type == "response":
                captured[record.rec_headers.get_header("WARC-Target-URI")] += 1
        assert path.stat().st_size <= MAX_BYTES or kinds.count("response") == 1
    requested = {r["crawl"]["request_url"] for r in archived(crawled)}
    assert requested <= set(captured) and max(captured.values()) == 1
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_record_points_at_its_capture(crawled: Path) -> None:
    records = archived(crawled)
    assert records
    for record in records:
        crawl_info = record["crawl"]
        capture = record_at(crawled, crawl_info["warc"])
        assert capture.rec_type == "response"
        assert capture.rec_headers.get_header("WARC-Record-ID") == crawl_info["warc"]["record_id"]
        assert capture.rec_headers.get_header("WARC-Target-URI") == crawl_info["request_url"]
        date = capture.rec_headers.get_header("WARC-Date")
        assert crawl_info["fetched_at"] == date.replace("Z", "+00:00")
        body = capture.content_stream().read()
        assert int(capture.http_headers.get_header("Content-Length")) == len(body)


def test_a_failed_write_leaves_no_torn_record(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    appender = WarcAppender(tmp_path, "blade", MAX_BYTES, {"software": "test"})
    appender.append(b"x" * 10)
    size = appender.size
    real_write = os.write
    calls = []

    def disk_full(fd: int, data: Any) -> int:
        """Writes a few bytes, then the disk is full."""
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data[:5]))

    monkeypatch.setattr("blade_spider.archive.warc.os.write", disk_full)
    with pytest.raises(OSError):
        appender.append(b"y" * 100)
    monkeypatch.undo()
    appender.close()
    assert (tmp_path / appender.files[0]).stat().st_size == size


# --- reparse ----------------------------------------------------------------------------------

def test_reparse_with_the_same_parser_changes_nothing(output: Path) -> None:
    # Some ``modified`` dates come from the sitemap: the capture's metadata record replays them.
    assert any(r["crawl"]["parser_layers"].get("modified") == "sitemap" for r in archived(output))
    before = archive_bytes(output)
    manifest = (output / "manifest.json").read_text()
    dry = reparse(output, dry_run=True)
    assert (dry.new, dry.updated, dry.unchanged) == (0, 0, len(archived(output)))
    report = reparse(output)
    assert report.status == 0, report.problems
    assert (report.new, report.updated, report.unchanged) == (0, 0, len(archived(output)))
    assert archive_bytes(output) == before
    assert json.loads((output / "manifest.json").read_text())["files"] == \
        json.loads(manifest)["files"]


def test_parser_change_shows_in_dry_run_only(output: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    original = Layer.get

    def revised(self: Layer, field: str) -> Any:
        value = original(self, field)
        return f"{value} (v2)" if field == "headline" and value else value

    monkeypatch.setattr(Layer, "get", revised)
    before = archive_bytes(output)
    records = archived(output)
    report = reparse(output, dry_run=True)
    assert report.status == 0, report.problems
    assert report.fields == Counter({"headline": len(records)})
    assert report.updated == len(records) and report.new == 0
    example = report.examples[0]
    assert example.field == "headline" and example.new.endswith('(v2)"')
    assert "(v2)" not in example.old
    assert archive_bytes(output) == before
    assert not (output / "history").exists()

    since = sorted(r["published"][:10] for r in records)[len(records) // 2]
    recent = reparse(output, since=since, dry_run=True)
    assert recent.fields["headline"] == sum(r["published"][:10] >= since for r in records)
    assert recent.skipped["published before --since"] == len(records) - recent.updated

    applied = reparse(output)
    assert applied.updated == len(records)
    assert all(r["headline"].endswith(" (v2)") for r in archived(output))
    assert len(Archive(output).history_of(records[0]["id"])) == 1


def test_reparse_merges_a_killed_crawls_journal_first(output: Path) -> None:
    """Replayed after the re-parse, the journal would put the old parser's record back."""
    record = archived(output)[0]
    Archive(output).journal_append({**record, "headline": "From a killed crawl"})
    report = reparse(output)
    assert report.updated == 1 and report.fields == Counter({"headline": 1})
    assert not (output / ".journal.jsonl").exists()
    [final] = [r for r in archived(output) if r["id"] == record["id"]]
    assert final["headline"] == record["headline"]


def test_torn_tail_is_skipped(output: Path) -> None:
    last = warc_files(output)[-1]
    intact = last.stat().st_size
    member = warc_files(output)[0].read_bytes()
    first_capture = scan_warc(warc_files(output)[0]).captures[0]
    torn = member[first_capture.offset:first_capture.offset + first_capture.length // 2]
    with last.open("ab") as handle:
        handle.write(torn)
    scan = scan_warc(last)
    assert scan.torn_at == intact and scan.error is None
    before = archive_bytes(output)
    report = reparse(output)
    assert report.status == 0 and report.updated == 0 and report.new == 0
    assert any("incomplete record" in note for note in report.notes)
    assert archive_bytes(output) == before


def test_two_workers_write_what_one_writes(output: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed in parallel, merged in URL order: the same bytes as one process, even over several
    chunks and merge batches (a revised parser, so records change and history is written)."""
    original = Layer.get

    def revised(self: Layer, field: str) -> Any:
        value = original(self, field)
        return f"{value} (v2)" if field == "headline" and value else value

    monkeypatch.setattr(Layer, "get", revised)
    monkeypatch.setattr("blade_spider.archive.reparse.CHUNK", 4)
    monkeypatch.setattr("blade_spider.archive.reparse.BATCH", 7)
    monkeypatch.setattr("blade_spider.archive.store.utc_now", lambda: "2030-01-01T00:00:00+00:00")
    other = Path(shutil.copytree(output, tmp_path / "other"))
    one, two = reparse(output, workers=1), reparse(other, workers=2)
    assert one.status == two.status == 0, one.problems + two.problems
    assert one.updated == two.updated == len(archived(output))
    assert archive_bytes(output) == archive_bytes(other)
    assert (output / "manifest.json").read_bytes() == (other / "manifest.json").read_bytes()
    assert (output / "history").exists()


def test_the_capture_index_is_a_temporary_file(output: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The index of captures is on disk, in the temporary directory (memory must not grow with
    the archive), and gone after the run."""
    import tempfile

    import blade_spider.archive.reparse as reparse_module

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run, during = reparse_module._run, []

    def watched(*args: Any, **kwargs: Any) -> None:
        during.extend(scratch.iterdir())
        run(*args, **kwargs)

    monkeypatch.setattr(reparse_module, "_run", watched)
    assert reparse(output, workers=2).status == 0
    assert during and not any(scratch.iterdir())


def test_a_capture_that_fails_in_a_worker_loses_no_other(output: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import blade_spider.archive.reparse as reparse_module

    records = archived(output)
    broken = records[len(records) // 2]["crawl"]["request_url"]
    extract = reparse_module.extract_page

    def failing(page: Any) -> Any:
        if page.response.url == broken:
            raise RuntimeError("parser bug")
        return extract(page)

    monkeypatch.setattr(reparse_module, "extract_page", failing)
    monkeypatch.setattr(reparse_module, "CHUNK", 4)
    report = reparse(output, workers=2)
    assert report.status == 1
    assert report.problems == [f"{broken}: RuntimeError: parser bug"]
    assert report.unchanged == len(records) - 1


def test_a_worker_that_dies_stops_the_run_cleanly(output: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (out of memory) broke the pool: the run died with a traceback."""
    import blade_spider.archive.reparse as reparse_module

    records = archived(output)
    fatal = records[len(records) // 2]["crawl"]["request_url"]
    extract = reparse_module.extract_page

    def dying(page: Any) -> Any:
        if page.response.url == fatal:
            os._exit(9)
        return extract(page)

    monkeypatch.setattr(reparse_module, "extract_page", dying)
    monkeypatch.setattr(reparse_module, "CHUNK", 2)
    report = reparse(output, workers=2)
    [problem] = report.problems
    assert report.status == 1 and "a worker process died" in problem, problem
    lost = int(problem.split(": ")[1].split()[0])
    assert report.skipped["not parsed (a worker died)"] == lost - 1
    assert report.unchanged + lost == len(records)
    assert archived(output) == records


def test_import_in_workers_points_records_at_their_copies(tmp_path: Path, crawled: Path) -> None:
    """Workers parse; the parent copies each capture and points the record at the copy."""
    site = SiteHosts(archived(crawled)[0]["url"].split("/20")[0])
    report = import_warc(tmp_path / "output", warc_files(crawled), site=site, workers=2)
    assert report.status == 0, report.problems
    records = archived(tmp_path / "output")
    assert report.new == len(records) == len(archived(crawled))
    for record in records:
        copy = record_at(tmp_path / "output", record["crawl"]["warc"])
        assert copy.rec_headers.get_header("WARC-Record-ID") == record["crawl"]["warc"][
            "record_id"]
        assert copy.rec_headers.get_header("WARC-Target-URI") in (
            record["url"], record["crawl"].get("request_url"))


# --- import -----------------------------------------------------------------------------------

def test_import_old_layout_capture(tmp_path: Path) -> None:
    source = write_warc(tmp_path / "ia.warc", [
        ("response", TILLERSON, tillerson_html(), "2017-09-06T12:00:00Z", HTML),
        ("revisit", TILLERSON, b"", "2018-01-01T00:00:00Z", HTML),
        ("response", "https://www.washingtonblade.com/about/",
         (PAGES / "nonarticle_about.html").read_bytes(), "2017-09-07T00:00:00Z", HTML),
        ("response", "https://www.washingtonblade.com/wp-content/logo.png", b"\x89PNG",
         "2017-09-07T00:00:00Z", "image/png"),
        ("response", "https://example.org/2017/09/05/elsewhere/", b"<html></html>",
         "2017-09-07T00:00:00Z", HTML),
    ], compress=False)
    output = tmp_path / "output"
    report = import_warc(output, [source])
    assert report.status == 0, report.problems
    assert report.new == 1
    assert report.skipped == Counter({"revisit record": 1, "not an article URL": 1,
                                      "not HTML": 1, "another host": 1})
    [record] = archived(output)
    expected = load_case("blade2017_tillerson")["expected"]
    for name in ("id", "url", "headline", "published", "authors", "body"):
        assert record[name] == expected[name], name
    assert record["crawl"]["template"] == "blade_dateline"
    assert record["crawl"]["fetched_at"] == "2017-09-06T12:00:00+00:00"
    assert record["crawl"]["warc"]["file"].startswith("warc/import-")
    copy = record_at(output, record["crawl"]["warc"])
    assert copy.rec_headers.get_header("WARC-Target-URI") == TILLERSON
    assert copy.content_stream().read() == tillerson_html()
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check",
                            *map(str, warc_files(output))], capture_output=True, check=False)
    assert check.returncode == 0
    again = reparse(output, dry_run=True)
    assert (again.unchanged, again.updated) == (1, 0)


def test_multi_page_post_is_put_together(tmp_path: Path) -> None:
    links = (f'<div class="page-links"><a class="post-page-numbers" href="{TILLERSON}">1</a>'
             f'<a class="post-page-numbers" href="{TILLERSON}2/">2</a></div></body>')
    page = tillerson_html().replace(b"</body>", links.encode())
    date = "2017-09-06T12:00:00Z"
    source = write_warc(tmp_path / "paged.warc.gz", [
        ("response", TILLERSON, page, date, HTML),
        ("response", f"{TILLERSON}2/", page, "2017-09-06T12:00:01Z", HTML)])
    report = import_warc(tmp_path / "output", [source])
    assert report.status == 0, report.problems
    [record] = archived(tmp_path / "output")
    body = load_case("blade2017_tillerson")["expected"]["body"]
    assert record["body"] == f"{body}\n\n{body}"
    assert record["crawl"]["pages"] == 2

    alone = write_warc(tmp_path / "page1.warc.gz", [("response", TILLERSON, page, date, HTML)])
    partial = import_warc(tmp_path / "elsewhere", [alone])
    assert partial.status == 1 and "was not captured" in partial.problems[0]
    assert not archived(tmp_path / "elsewhere")


def test_older_capture_never_replaces_a_newer_record(output: Path, tmp_path: Path) -> None:
    record = next(r for r in archived(output)
                  if r["headline"].isascii() and r["headline"].encode() in
                  record_at(output, r["crawl"]["warc"]).content_stream().read())
    html = record_at(output, record["crawl"]["warc"]).content_stream().read()
    edited = html.replace(record["headline"].encode(), b"An edited headline")
    url = record["crawl"]["request_url"]
    site = SiteHosts(url.split("/20")[0])
    before = archive_bytes(output)

    old = write_warc(tmp_path / "old.warc.gz", [("response", url, edited, "2001-01-01T00:00:00Z",
                                                 HTML)])
    report = import_warc(output, [old], site=site)
    assert report.status == 0, report.problems
    assert report.skipped["archived record is as new or newer"] == 1
    assert (report.new, report.updated) == (0, 0)
    assert archive_bytes(output) == before

    fetched = record["crawl"]["fetched_at"]
    later = f"{int(fetched[:4]) + 1}{fetched[4:19]}Z"
    new = write_warc(tmp_path / "new.warc.gz", [("response", url, edited, later, HTML)])
    report = import_warc(output, [new], site=site)
    assert report.updated == 1 and report.fields["headline"] == 1
    [updated] = [r for r in archived(output) if r["id"] == record["id"]]
    assert updated["headline"] == "An edited headline"
    assert reparse(output).updated == 0, "the newest capture (the import) is what re-parsing uses"


# --- command line -------------------------------------------------------------------------------

def run_command(*argv: str) -> int:
    return main(list(argv))


def test_commands(output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("reparse", "--output", str(output), "--dry-run") == 0
    assert "0 records would change" in capsys.readouterr().out
    assert run_command("reparse", "--output", str(output), "--since", "last week") == 2
    assert "bad --since" in capsys.readouterr().err
    assert run_command("reparse", "--output", str(tmp_path / "empty")) == 2
    assert "nothing to re-parse" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad_workers:
        run_command("reparse", "--output", str(output), "--workers", "none")
    assert bad_workers.value.code == 2
    assert "argument --workers: expected a number of processes" in capsys.readouterr().err

    not_warc = tmp_path / "page.warc.gz"
    not_warc.write_bytes(tillerson_html())
    assert run_command("import-warc", str(not_warc), "--output", str(tmp_path / "new")) == 2
    assert "not a WARC file" in capsys.readouterr().err
    good = write_warc(tmp_path / "good.warc.gz", [
        ("response", TILLERSON, tillerson_html(), "2017-09-06T12:00:00Z", HTML)])
    assert run_command("import-warc", str(good), str(not_warc), "--output",
                       str(tmp_path / "new")) == 1
    assert "new 1" in capsys.readouterr().out


def test_reparse_progress_lines_off_a_terminal(output: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("blade_spider.cli.reparse.PROGRESS_INTERVAL", 0)
    assert run_command("reparse", "--output", str(output), "--workers", "2") == 0
    total = len(archived(output))
    said = capsys.readouterr()
    assert f"re-parsed {total} of {total} captures (100 %), ETA 0 s" in said.err
    assert f"unchanged {total}" in said.out
