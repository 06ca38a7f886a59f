"""The archive as researchers load it: an iterator of records, or a typed pandas DataFrame.

``load_articles`` reads ``articles/YYYY/YYYY-MM.jsonl`` straight from disk and opens only the
monthly partitions a date range can touch, so asking for one year of a twenty-year archive reads
one twentieth of it. ``to_dataframe`` turns the same records into a DataFrame whose columns have
the types an analysis needs (timezone-aware datetimes in the site's zone, nullable integers) with
vectorised conversions only: building it costs about what ``pandas.read_json(lines=True)`` costs.

pandas is an optional extra (``pip install 'blade_spider[pandas]'``); ``load_articles`` needs
nothing but the standard library.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from blade_spider.archive.store import ARTICLES_DIR, MANIFEST, Archive
from blade_spider.record.schema import article_schema

if TYPE_CHECKING:
    import pandas as pd

#: The site's zone: ``published``/``modified`` carry its offsets and partitions its months.
SITE_TZ = ZoneInfo("America/New_York")

#: Record fields in contract order (RECORD.md): the DataFrame's columns, even when it is empty.
COLUMNS = tuple(article_schema()["properties"])

#: What ``since``/``until`` accept.
DateBound = date | datetime | str | None


def site_date(bound: DateBound) -> str | None:
    """``YYYY-MM-DD`` of a bound in New York: a date as is, an aware datetime converted to New
    York first, a naive datetime taken as New York time, a string parsed as ISO 8601."""
    if bound is None:
        return None
    if isinstance(bound, str):
        try:
            bound = datetime.fromisoformat(bound.strip())
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or datetime: {bound!r}") from None
    if isinstance(bound, datetime):
        if bound.tzinfo is not None:
            bound = bound.astimezone(SITE_TZ)
        return bound.date().isoformat()
    if isinstance(bound, date):
        return bound.isoformat()
    raise TypeError(f"since/until must be a date, datetime or ISO string, not {bound!r}")


def _section_names(sections: Iterable[str] | str | None) -> set[str] | None:
    """Case-folded section names; a lone string is one name, not a sequence of letters."""
    if sections is None:
        return None
    if isinstance(sections, str):
        sections = [sections]
    return {name.casefold() for name in sections}


def _in_sections(record: dict[str, Any], wanted: set[str]) -> bool:
    section = record.get("section")
    if section and section.casefold() in wanted:
        return True
    return any(name.casefold() in wanted for name in record.get("categories") or ())


def archive_root(path: str | Path) -> Path:
    """The archive directory that ``path`` names: the archive itself (``output``, holding
    ``articles/`` or ``manifest.json``) or its ``articles/`` folder. Anything else is an error,
    never an empty result, so a wrong path cannot pass for an empty archive."""
    given = Path(path)
    if (given / ARTICLES_DIR).is_dir() or (given / MANIFEST).is_file():
        return given
    if any(given.glob("[0-9][0-9][0-9][0-9]/*.jsonl")):  # the articles/ folder itself
        return given.parent
    hint = ("run `blade crawl` or `blade demo` first, or pass the archive directory, the one "
            "holding articles/YYYY/YYYY-MM.jsonl and manifest.json")
    if not given.is_dir():
        raise FileNotFoundError(f"no archive at {given} ({hint})")
    raise FileNotFoundError(f"no archive at {given}: the folder holds no articles/ and no "
                            f"YYYY/YYYY-MM.jsonl files ({hint})")


def load_articles(
    path: str | Path = "output",
    since: DateBound = None,
    until: DateBound = None,
    sections: Iterable[str] | str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the records of the archive at ``path`` (its directory or its ``articles/``
    folder) in publication order.

    ``since``/``until`` are inclusive bounds on the publication *date* in New York (the date a
    reader of the site saw): a datetime counts for its New York calendar day. ``sections`` keeps
    records whose ``section`` or any of whose ``categories`` matches one of the names, ignoring
    case. Partitions outside the date range are never opened.
    """
    archive = Archive(archive_root(path))
    first, last = site_date(since), site_date(until)
    wanted = _section_names(sections)
    for relative in archive.partitions():
        month = Path(relative).stem  # YYYY-MM, the New York month of publication
        if (first and month < first[:7]) or (last and month > last[:7]):
            continue
        try:
            records = archive.read_partition(relative)
        except ValueError as exc:  # a torn line, or bytes that are not UTF-8
            raise ValueError(f"{archive.path(relative)} is not valid JSON Lines ({exc}); "
                             f"`blade validate --output {archive.root} --repair` repairs "
                             "it") from exc
        for record in records:
            day = str(record.get("published") or "")[:10]  # New York offset: the local date
            if (first and day < first) or (last and day > last):
                continue
            if wanted is not None and not _in_sections(record, wanted):
                continue
            yield record


def optional_module(name: str, extra: str, needed_by: str) -> Any:
    """An optional dependency, or an ImportError that says which extra installs it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"{needed_by} needs {name}: pip install 'blade_spider[{extra}]'") \
            from exc


def hf_features() -> Any:
    """Hugging Face ``datasets.Features`` of a record, for
    ``load_dataset("json", data_files="output/articles/*/*.jsonl", features=hf_features())``.

    Without them ``datasets`` infers each file's types on its own and fails on the first file
    where a field that was null in an earlier file has a value. ``published``/``modified`` (and
    comment dates) are timestamps in America/New_York, so the instant and its EDT/EST offset
    are both kept. The types are the Parquet export's, except ``crawl.parser_layers``, a struct
    with one (nullable) string per record field, as it is in the JSON.
    """
    datasets = optional_module("datasets", "hf", "blade_spider.dataset.hf_features")
    pa = optional_module("pyarrow", "hf", "blade_spider.dataset.hf_features")

    schema = arrow_schema()
    crawl = schema.field("crawl").type
    layers = pa.field("parser_layers", pa.struct([(name, pa.string()) for name in COLUMNS]))
    fields = [layers if field.name == "parser_layers" else field
              for field in crawl if field.name != "extra"]
    index = schema.get_field_index("crawl")
    return datasets.Features.from_arrow_schema(
        schema.set(index, pa.field("crawl", pa.struct(fields))))


def require_pandas() -> Any:
    return optional_module("pandas", "pandas", "blade_spider.dataset.to_dataframe")


def to_dataframe(
    path: str | Path = "output",
    since: DateBound = None,
    until: DateBound = None,
    sections: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """The records of :func:`load_articles` as a DataFrame with analysis-ready dtypes.

    ``published``/``modified`` are ``datetime64[..., America/New_York]`` (``NaT`` when null),
    ``wp_post_id`` is nullable ``Int64``, ``comment_count`` and ``schema_version`` are ``int64``,
    text columns are pandas strings, and the list/dict columns (``authors``, ``body_blocks``,
    ``images``, ``comments``, ``crawl``, ...) hold the Python lists and dicts of the records.
    """
    pd = require_pandas()
    frame = pd.DataFrame(list(load_articles(path, since, until, sections)), columns=COLUMNS)
    for column in ("published", "modified"):
        instants = pd.to_datetime(frame[column], format="ISO8601", utc=True)
        frame[column] = instants.dt.tz_convert(SITE_TZ)
    frame["wp_post_id"] = frame["wp_post_id"].astype("Int64")
    for column in ("schema_version", "comment_count"):
        frame[column] = frame[column].astype("int64")
    return frame


def require_pyarrow() -> Any:
    return optional_module("pyarrow", "parquet", "the Parquet export")


def arrow_schema() -> Any:
    """The Parquet schema: one column per record field, in contract order.

    ``crawl.parser_layers`` is the one JSON string: its keys are free-form (whichever fields a
    layer gave), and Arrow maps are not readable by Hugging Face ``datasets``.
    """
    pa = require_pyarrow()
    text, local = pa.string(), pa.timestamp("us", tz=SITE_TZ.key)
    utc, integer = pa.timestamp("us", tz="UTC"), pa.int64()
    texts = pa.list_(text)
    types = {
        "schema_version": integer, "id": text, "wp_post_id": integer, "url": text,
        "headline": text, "subheadline": text, "authors": texts, "published": local,
        "modified": local, "published_raw": text, "section": text, "categories": texts,
        "tags": texts, "body": text,
        "body_blocks": pa.list_(pa.struct([("type", text), ("text", text)])),
        "images": pa.list_(pa.struct([("url", text), ("alt", text), ("caption", text),
                                      ("credit", text), ("featured", pa.bool_())])),
        "photo_caption": text, "photo_credit": text,
        "comments": pa.list_(pa.struct([("id", text), ("parent_id", text), ("author", text),
                                        ("published", local), ("text", text)])),
        "comment_count": integer, "language": text,
        "crawl": pa.struct([
            ("fetched_at", utc), ("http_status", integer), ("request_url", text),
            ("spider_version", text), ("template", text), ("parser_layers", text),
            ("content_sha256", text), ("etag", text), ("last_modified", text),
            ("date_precision", pa.struct([("published", text), ("modified", text)])),
            ("date_notes", texts), ("comments_note", text), ("gone_at", utc),
            ("gone_status", integer), ("pages", integer), ("comment_pages", integer),
            ("warc", pa.struct([("file", text), ("offset", integer), ("record_id", text)])),
            ("extra", text),
        ]),
    }
    return pa.schema([(name, types[name]) for name in COLUMNS])
