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

from jsonschema import Draft202012Validator


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
