"""Fields are declared once, on the Article item, and each layer declares its readers.

A reader for a name that is not a layered field fails when its class is defined; every layered
field has a reader; the JSON Schema, the loader's processors and the item agree on the fields;
and the record package never imports the extraction package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from blade_spider.extract import COMMON_LAYERS, layers_for, template_layers
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.page import Page
from blade_spider.record import loaders
from blade_spider.record.items import ARTICLE_FIELDS, LAYERED_FIELDS
from blade_spider.record.schema import article_schema
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE


def _page() -> Page:
    return Page(HtmlResponse("http://127.0.0.1/2020/01/01/x/", encoding="utf-8",
                             body=b"<html><body><h1>Title</h1></body></html>"))


def test_a_reader_for_an_unknown_field_fails_when_the_class_is_defined() -> None:
    with pytest.raises(ValueError, match="headlin"):
        class Misspelt(Layer):
            @reader("headlin")
            def headline(self) -> str:
                return "never asked"


def test_a_derived_field_has_no_reader() -> None:
    """``body`` is built from ``body_blocks`` by the loader: no layer may answer it."""
    with pytest.raises(ValueError, match="body"):
        reader("body")


def test_two_readers_of_one_field_in_one_layer_fail() -> None:
    with pytest.raises(TypeError, match="headline"):
        class Twice(Layer):
            @reader("headline")
            def title(self) -> str:
                return "a"

            @reader("headline")
            def heading(self) -> str:
                return "b"


def test_every_layered_field_has_a_reader() -> None:
    layers = (*template_layers(WASHINGTON_BLADE), *COMMON_LAYERS)
    read = {field for layer in layers for field in layer.readers}
    assert read == set(LAYERED_FIELDS)


def test_a_layer_is_asked_only_for_what_it_reads() -> None:
    class Headline(Layer):
        @reader("headline")
        def title(self) -> str:
            return "From the reader"

        def section(self) -> str:  # a field's name, but no reader: never asked
            return "not asked"

    layer = Headline(_page())
    assert layer.get("headline") == "From the reader"
    assert layer.get("section") is None


def test_a_subclass_overrides_a_reader_by_name_and_adds_its_own() -> None:
    class Base(Layer):
        @reader("headline")
        def headline(self) -> str:
            return "base"

    class Redesign(Base):
        def headline(self) -> str:
            return "redesign"

        @reader("section")
        def section(self) -> str:
            return "News"

    layer = Redesign(_page())
    assert (layer.get("headline"), layer.get("section")) == ("redesign", "News")
    assert Base(_page()).get("section") is None


def test_layers_keep_their_priority() -> None:
    names = [type(layer).__name__ for layer in layers_for(_page())]
    # No template and no stock content container: the bounded body goes first.
    assert names == ["BoundsLayer", "WordPressLayer", "MetadataLayer", "RestLayer",
                     "HeaderLayer", "GenericLayer", "DiscoveryLayer", "DiscoveredDateLayer",
                     "PermalinkLayer"]


def test_schema_properties_are_the_item_fields() -> None:
    schema = article_schema()
    assert tuple(schema["properties"]) == ARTICLE_FIELDS
    assert tuple(schema["required"]) == ARTICLE_FIELDS


def test_loader_processors_name_item_fields() -> None:
    names = {name.rsplit("_", 1)[0] for name in vars(loaders.ArticleLoader)
             if name.endswith(("_in", "_out")) and not name.startswith("default_")}
    assert names and names <= set(ARTICLE_FIELDS)


def test_the_record_package_never_imports_the_extraction_package() -> None:
    record = Path(loaders.__file__).parent
    imported = set()
    for path in record.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not {m for m in imported if m.startswith("blade_spider.extract")}
