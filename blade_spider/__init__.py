"""blade_spider: a Scrapy crawler and structured JSON Lines archive of the Washington Blade."""

__version__ = "0.1.0"

#: Version of the record contract (docs/DATASET.md). Bump it when a field is renamed or repurposed.
SCHEMA_VERSION = 1
