"""Raw capture: every article page the spider parses, kept as WARC (ISO 28500) records.

The JSON Lines archive is only as good as the parser that made it. Keeping the HTTP exchanges
behind it lets ``blade reparse`` rebuild every record with a better parser, offline, and lets a
researcher check a record against the page it came from (``crawl.warc`` says where).

Layout: ``<output>/warc/blade-<UTC YYYYMMDDhhmmss>-<serial>.warc.gz`` (``import-…`` for captures
copied in by ``blade import-warc``). Each file starts with a ``warcinfo`` record; each capture is a
``request`` record, its ``response`` record and, when discovery told the parser something, a
``metadata`` record (``application/warc-fields``) with those hints, so a re-parse sees exactly
what the crawl saw. A file is rotated before it would grow past ``BLADE_WARC_MAX_BYTES``.

What the response record holds: the body *as the parser saw it*. Scrapy's HTTP client has already
removed any chunked transfer coding and its ``HttpCompressionMiddleware`` has decoded
gzip/deflate/br/zstd (and deleted ``Content-Encoding``), so the stored payload is byte for byte the
parser's input and any WARC tool can read it. The headers
are made to agree with that payload: ``Content-Length`` is the stored length, ``Transfer-Encoding``
is never written (Scrapy's HTTP/1.1 client passes neither wire value on), and
``Content-Encoding`` stays only when Scrapy could not decode the body, which is then stored still
encoded. The payload digest therefore differs from a wire-exact capture of a compressed page; that
is the price of storing exactly what was parsed.

A body cut short (the server sent fewer bytes than it announced and ``DOWNLOAD_FAIL_ON_DATALOSS``
is off, or a truncated gzip stream decoded to a prefix: no ``</html>``) is never stored as if it
were whole: its response record carries ``WARC-Truncated: length`` and no ``Content-Length``
header, and readers (:func:`scan_warc`) never offer it for a re-parse.

Crash safety: each record is one complete gzip member, and a capture's members are handed to the
kernel with ``os.write`` on an ``O_APPEND`` descriptor the moment they are built (no user-space
buffer to lose). A process killed mid-write can leave at most the last member torn; readers
(:func:`scan_warc`) read every complete record before it and report where the torn tail starts. A
failed write (disk full) is truncated away so a torn member never sits between good ones
(:func:`~blade_spider.archive.store.write_whole`) and stops the crawl, and a file is fsynced when it
is rotated or the crawl ends. Each crawl writes new files, so nothing is ever appended after a torn
tail.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from blade_spider import __version__
from blade_spider.archive.store import Archive, write_whole
from blade_spider.extract.page import is_truncated

logger = logging.getLogger(__name__)

WARC_DIR = "warc"
WARC_VERSION = "1.1"
DEFAULT_MAX_BYTES = 1 << 30
GZIP_MAGIC = b"\x1f\x8b"
#: Request meta the parser reads (:class:`~blade_spider.extract.DiscoveryLayer`). Whatever the
#: parser takes from ``meta`` must be listed here, or a re-parse would not see what the crawl saw.
REPLAYED_META = ("discovered_modified", "discovered_modified_source", "discovered_published",
                 "discovered_published_source")
WARC_FIELDS = "application/warc-fields"
#: The WARC header of a record whose payload is not whole, and the value this module writes.
TRUNCATED = ("WARC-Truncated", "length")


def warc_date(moment: datetime) -> str:
    """``2017-09-06T12:00:00Z``: the WARC-Date form of a UTC instant (seconds, like the record's
    ``crawl.fetched_at``, so the two are the same instant written two ways)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetched_at(value: str) -> str:
    """A WARC-Date as the record's ``crawl.fetched_at`` (``2017-09-06T12:00:00+00:00``)."""
    try:
        moment = iso_date_to_datetime(value)
    except (TypeError, ValueError):  # warcio's parser fails with TypeError on an empty date
        raise ValueError(f"bad WARC-Date {value!r}") from None
    return moment.replace(tzinfo=timezone.utc, microsecond=0).isoformat()


def gzip_member(record: ArcWarcRecord) -> bytes:
    """One record serialised as one gzip member (the unit a reader can seek to)."""
    buffer = io.BytesIO()
    WARCWriter(buffer, gzip=True, warc_version=WARC_VERSION).write_record(record)
    return buffer.getvalue()


def _builder() -> WARCWriter:
    """A writer used only to build records (warcio computes IDs, lengths and digests)."""
    return WARCWriter(io.BytesIO(), gzip=True, warc_version=WARC_VERSION)


class WarcAppender:
    """Appends whole gzip members to rotating ``.warc.gz`` files in ``<root>/warc/``.

    Files are created lazily, so a run that captures nothing leaves no empty WARC behind.
    """

    def __init__(self, root: Path, prefix: str, max_bytes: int, info: dict[str, str]) -> None:
        self.root = root
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.serial = 0
        self.fd: int | None = None
        self.relative = ""
        self.size = 0
        self.captures = 0
        #: Files this appender created, relative to ``root``.
        self.files: list[str] = []

    def append(self, data: bytes) -> tuple[str, int]:
        """Write ``data`` (whole gzip members); returns its file (relative) and start offset."""
        if self.fd is None or (self.captures and self.size + len(data) > self.max_bytes):
            self._open_next()
        start = self.size
        self._write(data)
        self.captures += 1
        return self.relative, start

    def _write(self, data: bytes) -> None:
        """All of ``data`` or none of it: a short write is cut off so no torn member stays
        between complete ones (later members would be unreachable to sequential readers)."""
        assert self.fd is not None
        write_whole(self.fd, data)
        self.size += len(data)

    def _open_next(self) -> None:
        self.close()
        directory = Archive(self.root).path(WARC_DIR)  # never a symlink out of the archive
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
            self.serial += 1
            try:
                self.fd = os.open(directory / name,
                                  os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
                break
            except FileExistsError:
                continue
        self.relative = f"{WARC_DIR}/{name}"
        self.files.append(self.relative)
        self.size = self.captures = 0
        self._write(gzip_member(_builder().create_warcinfo_record(name, self.info)))

    def close(self) -> None:
        """Make the current file durable and close it (rotation, end of the crawl)."""
        if self.fd is not None:
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = None


def warcinfo(description: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The ``warcinfo`` fields that say who wrote a file and how to read it."""
    return {
        "software": f"blade_spider/{__version__} (warcio/{version('warcio')})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                      f"warc-format/warc-{WARC_VERSION}/",
        "description": description,
        **(extra or {}),
    }


def _http_headers(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one pair per value (Set-Cookie and the like
    may repeat)."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def cut_short(response: Response) -> bool:
    """Whether the body Scrapy handed over is not the whole page: fewer bytes than announced
    (``dataloss``), or an HTML page with no ``</html>`` (a truncated gzip stream decodes to a
    prefix)."""
    return "dataloss" in response.flags or is_truncated(response)


def capture_records(request: Request, response: Response, when: datetime,
                    hints: dict[str, str]) -> list[ArcWarcRecord]:
    """The ``request``, ``response`` (and ``metadata``) records of one fetch, linked by
    ``WARC-Concurrent-To``. A body :func:`cut_short` is marked ``WARC-Truncated`` and gets no
    ``Content-Length`` (its length is not the page's)."""
    builder = _builder()
    date = warc_date(when)
    body = response.body
    truncated = cut_short(response)
    headers = [(k, v) for k, v in _http_headers(response.headers)
               if k.lower() not in ("content-length", "transfer-encoding")]
    if not truncated:
        headers.append(("Content-Length", str(len(body))))
    status = f"{response.status} {HTTPStatus(response.status).phrase}"
    protocol = response.protocol or "HTTP/1.1"
    warc_headers = {"WARC-Date": date}
    if truncated:
        warc_headers[TRUNCATED[0]] = TRUNCATED[1]
    if response.ip_address is not None:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    resp = builder.create_warc_record(
        response.url, "response", payload=io.BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders(status, headers, protocol=protocol),
        warc_headers_dict=warc_headers,
    )
    response_id = resp.rec_headers.get_header("WARC-Record-ID")
    target = urlparse_cached(request)
    query = f"?{target.query}" if target.query else ""
    request_line = f"{request.method} {target.path or '/'}{query} {protocol}"
    request_headers = [("Host", target.netloc), *_http_headers(request.headers)]
    records = [builder.create_warc_record(
        request.url, "request", payload=io.BytesIO(request.body), length=len(request.body),
        http_headers=StatusAndHeaders(request_line, request_headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
    ), resp]
    if hints:
        fields = "".join(f"{name}: {value}\r\n" for name, value in hints.items()).encode()
        records.append(builder.create_warc_record(
            response.url, "metadata", payload=io.BytesIO(fields), length=len(fields),
            warc_content_type=WARC_FIELDS,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        ))
    return records


# --- reading ----------------------------------------------------------------------------------

@dataclass
class Capture:
    """One ``response`` record: where it is and what its headers say. The body is read later
    (:func:`read_capture`), only for the captures a run actually uses."""

    path: Path
    offset: int
    length: int
    url: str
    date: str
    record_id: str
    status: int | None
    content_type: str
    #: The request meta the crawl's parser saw (:data:`REPLAYED_META`), from a metadata record.
    hints: dict[str, str] = field(default_factory=dict)


@dataclass
class Scan:
    """What one WARC file holds, read without parsing any page."""

    path: Path
    captures: list[Capture] = field(default_factory=list)
    #: Records that are not responses, by WARC-Type (request, revisit, warcinfo, metadata...).
    others: Counter[str] = field(default_factory=Counter)
    #: Where an incomplete last record starts (a writer killed mid-write): skipped.
    torn_at: int | None = None
    #: Why the file could not be read as a WARC at all.
    error: str | None = None


def _fields(data: bytes) -> dict[str, str]:
    """``application/warc-fields`` content as a dict."""
    pairs = (line.partition(":") for line in data.decode("utf-8", "replace").splitlines())
    return {name.strip(): value.strip() for name, sep, value in pairs if sep}


def _capture(path: Path, record: ArcWarcRecord, offset: int, length: int) -> Capture:
    headers, http = record.rec_headers, record.http_headers
    status = http.get_statuscode() if http is not None else None
    return Capture(
        path=path, offset=offset, length=length,
        url=(headers.get_header("WARC-Target-URI") or "").strip("<>"),
        date=fetched_at(headers.get_header("WARC-Date") or ""),
        record_id=headers.get_header("WARC-Record-ID") or "",
        status=int(status) if status and status.isdigit() else None,
        content_type=(http.get_header("Content-Type") or "") if http is not None else "",
    )


def scan_warc(path: Path) -> Scan:
    """Every complete record of a WARC file (gzipped per record or not).

    Reading stops at a torn tail: a record with fewer bytes than its ``Content-Length``, a record
    warcio cannot parse after good ones, or bytes after the last complete record. Everything
    before it is returned.
    """
    scan = Scan(path)
    hints: dict[str, dict[str, str]] = {}
    try:
        handle = path.open("rb")
    except OSError as exc:
        scan.error = f"cannot read it ({exc.strerror})"
        return scan
    with handle:
        iterator = ArchiveIterator(handle)
        end = 0
        try:
            for record in iterator:
                if not record.format.startswith("warc"):
                    scan.error = "not a WARC file (no WARC record at the start)"
                    return scan
                kind = record.rec_type
                if kind == "metadata" and record.content_type == WARC_FIELDS:
                    refers = record.rec_headers.get_header("WARC-Concurrent-To") or ""
                    hints[refers] = _fields(record.content_stream().read())
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if getattr(record.raw_stream, "limit", 0):  # ended before its Content-Length
                    scan.torn_at = offset
                    break
                try:
                    if kind == "response" and record.rec_headers.get_header(TRUNCATED[0]):
                        scan.others["truncated response"] += 1  # never re-parsed
                    elif kind == "response":
                        scan.captures.append(_capture(path, record, offset, length))
                    else:
                        scan.others[kind] += 1
                except ValueError:  # no usable WARC-Date: cannot be ordered against others
                    scan.others["response without a WARC-Date"] += 1
                end = iterator.offset
        except Exception as exc:  # warcio raises whatever its parsers hit in a damaged record
            if not scan.captures and not scan.others:
                scan.error = f"not a WARC file ({type(exc).__name__}: {str(exc).strip()[:80]})"
                return scan
            scan.torn_at = end
        if scan.torn_at is None and end < handle.seek(0, os.SEEK_END):
            scan.torn_at = end
    if not scan.captures and not scan.others:
        scan.error = "not a WARC file (no records)"
    for capture in scan.captures:
        capture.hints = {k: v for k, v in hints.get(capture.record_id, {}).items()
                         if k in REPLAYED_META}
    return scan


@dataclass
class Payload:
    """A capture's bytes: the record as stored, and the HTTP message it holds."""

    raw: bytes
    status: int
    #: Response headers that agree with ``body`` (transfer and content codings undone).
    headers: list[tuple[str, str]]
    body: bytes

    def member(self) -> bytes:
        """The record as one gzip member, ready to append to a ``.warc.gz`` unchanged."""
        return self.raw if self.raw[:2] == GZIP_MAGIC else gzip.compress(self.raw + b"\r\n\r\n")


def read_capture(capture: Capture) -> Payload:
    """Read one capture's record from its file (a seek, then one record)."""
    with capture.path.open("rb") as handle:
        handle.seek(capture.offset)
        raw = handle.read(capture.length)
    record = next(iter(ArchiveIterator(io.BytesIO(raw))))
    http = record.http_headers
    body = record.content_stream().read()
    encoding = (http.get_header("Content-Encoding") or "").lower()
    decoded = encoding in BufferedReader.get_supported_decompressors()
    dropped = {"content-length", "transfer-encoding"} | ({"content-encoding"} if decoded else set())
    return Payload(raw=raw, status=capture.status or 0, body=body,
                   headers=[(k, v) for k, v in http.headers if k.lower() not in dropped])
