"""What researchers import: the archive as records or a typed DataFrame (a stable entry point).

The code lives in :mod:`blade_spider.archive.dataset`, beside the archive it reads; this module
is the public name documented in the README and the dataset card, kept whatever the tree's shape.
"""

from blade_spider.archive.dataset import (
    COLUMNS,
    SITE_TZ,
    archive_root,
    hf_features,
    load_articles,
    to_dataframe,
)

__all__ = ["COLUMNS", "SITE_TZ", "archive_root", "hf_features", "load_articles", "to_dataframe"]
