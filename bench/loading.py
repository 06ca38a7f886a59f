"""Figure 5: loading the archive — ``load_articles`` and ``to_dataframe`` against plain
``pandas.read_json(lines=True)`` on the same files.

Two pandas baselines, both untouched defaults as a researcher would type them: per file
(``pd.concat`` of ``read_json`` on every ``articles/YYYY/YYYY-MM.jsonl``, what one does with the
archive's directory) and concatenated (the same bytes joined into one file beforehand, outside the
timing: the fastest pandas can do). The target compares ``to_dataframe`` with the per-file
baseline, which reads exactly the files ``to_dataframe`` reads; the concatenated one is shown so
nobody has to guess how much the file count costs pandas.

Each figure is the median of several rounds after one untimed warm-up round, so every contender
reads from a warm page cache (the archive was just written).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from common import WORK, median, timed_rounds


@dataclass
class Loading:
    records: int
    files: int
    archive_bytes: int
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def ratio(self, name: str, baseline: str = "pandas.read_json per file + concat") -> float:
        return self.seconds[name] / self.seconds[baseline]


def run(archive: Path, rounds: int) -> Loading:
    import pandas as pd

    from blade_spider.dataset import load_articles, to_dataframe

    files = sorted(archive.glob("articles/*/*.jsonl"))
    joined = WORK / "all-articles.jsonl"
    with joined.open("wb") as sink:
        for path in files:
            sink.write(path.read_bytes())
    result = Loading(0, len(files), sum(p.stat().st_size for p in files))

    def per_file() -> pd.DataFrame:
        return pd.concat([pd.read_json(path, lines=True) for path in files], ignore_index=True)

    contenders = {
        "load_articles (list of dicts)": lambda: list(load_articles(archive)),
        "to_dataframe": lambda: to_dataframe(archive),
        "pandas.read_json per file + concat": per_file,
        "pandas.read_json one concatenated file": lambda: pd.read_json(joined, lines=True),
    }
    for name, load in contenders.items():
        result.rows[name] = len(load())  # warm-up, and proof they all read the same records
        result.seconds[name] = median(timed_rounds(load, rounds))
    result.records = result.rows["to_dataframe"]
    joined.unlink()
    return result
