"""The record's JSON Schema (draft 2020-12), shipped in the package.

The pipeline validates every record against it before anything is written, the tests validate
every fixture record, ``blade validate`` checks the whole archive, and the crawl writes a copy to
``output/schema.json`` for researchers.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator

from blade_spider import SCHEMA_VERSION

IMAGE_KEYS = ("url", "alt", "caption", "credit", "featured")
COMMENT_KEYS = ("id", "parent_id", "author", "published", "text")
BLOCK_KEYS = ("type", "text")


@cache
def article_schema() -> dict[str, Any]:
    text = resources.files("blade_spider.record").joinpath("article.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@cache
def validator() -> Draft202012Validator:
    schema = article_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, as ``path: message`` lines (empty when valid)."""
    errors = sorted(validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(record)'}: {e.message}"
            for e in errors]


def normalised(item: Any) -> dict[str, Any]:
    """A record (an Article, or the dict validation made of it) in the contract's key order, so
    output is stable byte for byte: the crawl's pipeline and ``blade reparse`` both write this."""
    record = item if isinstance(item, dict) else ItemAdapter(item).asdict()
    record["schema_version"] = SCHEMA_VERSION
    record["body_blocks"] = [{k: b[k] for k in BLOCK_KEYS} for b in record["body_blocks"]]
    record["images"] = [{k: i[k] for k in IMAGE_KEYS} for i in record["images"]]
    record["comments"] = [{k: c[k] for k in COMMENT_KEYS} for c in record["comments"]]
    record["crawl"] = dict(sorted(record["crawl"].items()))
    return {k: record[k] for k in article_schema()["properties"]}
