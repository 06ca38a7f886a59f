"""Does a test fail when an extraction rule is taken away? A small mutation run.

Each mutation deletes one word from one of the rule word lists (byline role words, photo credit
words, ad labels, ...) or changes one constant (how far above a date-line text the date line may
sit), in a temporary copy of the project; the extraction tests then run against that copy
(``pytest -x -q``). A mutation that makes a test fail is *killed*: some test defends the rule. One
that leaves the tests green *survived*: nothing shows the rule is needed, so it wants a test
(``tests/test_rules.py``) or should go.

    python bench/mutation.py                  # every mutation, a table and the survivors
    python bench/mutation.py --group role     # only the byline role words
    python bench/mutation.py --list           # what would be run

The word lists are read from the modules themselves, so a word added later is mutated too. Exit
status 1 when a mutation survived (or could not be applied: the source moved; update the table).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The tests that defend extraction rules (fast: a few seconds per run).
TESTS = ("tests/test_rules.py", "tests/test_processors.py", "tests/test_extraction_fixtures.py",
         "tests/test_fast_paths.py")


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` (a regular expression, first match inside the definition of ``name``)
    by ``new`` in ``path``."""

    group: str
    label: str
    path: str
    name: str
    old: str
    new: str = ""

    def apply(self, source: str) -> str | None:
        """The mutated source, or None when the definition or the text is not found."""
        start = re.search(rf"^{re.escape(self.name)}\b.*?=", source, re.MULTILINE)
        if start is None:
            return None
        end = source.find("\n\n", start.start())
        end = len(source) if end < 0 else end
        region = source[start.start():end]
        changed, count = re.subn(self.old, self.new, region, count=1)
        if not count:
            return None
        return source[:start.start()] + changed + source[end:]


def alternatives(pattern: re.Pattern[str]) -> list[str]:
    """The words of the largest ``(?:a|b|c)`` group of a compiled word-list pattern."""
    groups = re.findall(r"\(\?:([^()]*)\)", pattern.pattern)
    return max(groups, key=lambda g: g.count("|")).split("|") if groups else []


def drop_alternative(group: str, path: str, name: str, word: str) -> Mutation:
    """Delete ``word`` from a regex alternation written in raw strings."""
    escaped = re.escape(word)
    return Mutation(group, f"{name} without {word!r}", path, name,
                    rf"(?<=[(:|\"]){escaped}\||\|{escaped}(?=\))")


def drop_string(group: str, path: str, name: str, text: str) -> Mutation:
    """Delete one string literal (and its comma) from a set or tuple literal."""
    return Mutation(group, f"{name} without {text!r}", path, name,
                    rf"\"{re.escape(text)}\",\s*")


def drop_pair(group: str, path: str, name: str, first: str) -> Mutation:
    """Delete the ``("first", "...")`` entry of a tuple of pairs."""
    return Mutation(group, f"{name} without {first!r}", path, name,
                    rf"\(\"{re.escape(first)}\", \"[^\"]*\"\),\s*")


def set_constant(group: str, path: str, name: str, old: str, new: str) -> Mutation:
    return Mutation(group, f"{name} = {new} (not {old})", path, name,
                    rf"(?<==\s){re.escape(old)}\b", new)


def mutations() -> Iterator[Mutation]:
    from blade_spider.extract import blocks, classify
    from blade_spider.extract.layers import blade
    from blade_spider.record import bylines, captions

    bylines_py = "blade_spider/record/bylines.py"
    for word in alternatives(bylines._ROLE_WORDS):
        yield drop_alternative("role", bylines_py, "_ROLE_WORDS", word)
    for word in alternatives(bylines._SUFFIX):
        yield drop_alternative("suffix", bylines_py, "_SUFFIX", word)
    captions_py = "blade_spider/record/captions.py"
    for word in alternatives(captions._CREDIT_WORDS):
        yield drop_alternative("credit", captions_py, "_CREDIT_WORDS", word)
    blocks_py = "blade_spider/extract/blocks.py"
    for label in sorted(blocks.AD_LABELS):
        yield drop_string("ad-label", blocks_py, "AD_LABELS", label)
    plugin_words = set(alternatives(re.compile(f"(?:{blocks.AD_PLUGIN_CLASSES})")))
    for word in alternatives(blocks.CHROME_PATTERN):
        if word not in plugin_words:  # those are spliced in from AD_PLUGIN_CLASSES
            yield drop_alternative("chrome", blocks_py, "CHROME_PATTERN", word)
    classify_py = "blade_spider/extract/classify.py"
    for css_class, _ in classify.NOT_ARTICLE_CLASSES:
        yield drop_pair("not-article", classify_py, "NOT_ARTICLE_CLASSES", css_class)
    blade_py = "blade_spider/extract/layers/blade.py"
    depth = str(blade._DATELINE_DEPTH)
    for smaller in range(1, blade._DATELINE_DEPTH):
        yield set_constant("dateline", blade_py, "_DATELINE_DEPTH", depth, str(smaller))
    longest = str(blade._MAX_DATELINE)
    yield set_constant("dateline", blade_py, "_MAX_DATELINE", longest,
                       str(blade._MAX_DATELINE // 3))


def copy_project(into: Path) -> None:
    """The package and the tests (what pytest needs), not the archive or git history."""
    for part in ("blade_spider", "tests"):
        shutil.copytree(ROOT / part, into / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "scrapy.cfg"):
        shutil.copy2(ROOT / name, into / name)


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> int:
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               *tests], cwd=copy, env=env, capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return -1
    return done.returncode


def verdict(code: int) -> str:
    """pytest's exit status: 0 all passed, 1 a test failed; anything else is not a verdict."""
    return {0: "survived", 1: "killed", -1: "timeout"}.get(code, f"error ({code})")


def run(chosen: list[Mutation], tests: tuple[str, ...], timeout: float,
        say: Callable[[str], None] = print) -> dict[Mutation, str]:
    outcome: dict[Mutation, str] = {}
    with tempfile.TemporaryDirectory(prefix="blade-mutation-") as tmp:
        copy = Path(tmp)
        copy_project(copy)
        baseline = run_tests(copy, tests, timeout)
        if baseline != 0:
            raise SystemExit(f"the tests fail before any mutation ({verdict(baseline)})")
        for mutation in chosen:
            target = copy / mutation.path
            original = target.read_text(encoding="utf-8")
            mutated = mutation.apply(original)
            if mutated is None:
                outcome[mutation] = "not applied"
            else:
                target.write_text(mutated, encoding="utf-8")
                started = time.perf_counter()
                try:
                    outcome[mutation] = verdict(run_tests(copy, tests, timeout))
                finally:
                    target.write_text(original, encoding="utf-8")
                say(f"{outcome[mutation]:<9} {mutation.group:<9} {mutation.label}  "
                    f"({time.perf_counter() - started:.1f} s)")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", action="append", help="only these groups (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per test run")
    args = parser.parse_args(argv)
    chosen = [m for m in mutations() if not args.group or m.group in args.group]
    if args.list:
        for mutation in chosen:
            print(f"{mutation.group:<9} {mutation.label}")
        return 0
    outcome = run(chosen, tuple(t for t in TESTS if (ROOT / t).exists()), args.timeout)
    counts: dict[str, int] = {}
    for result in outcome.values():
        counts[result] = counts.get(result, 0) + 1
    print("\n" + ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
          + f" of {len(outcome)} mutations")
    bad = [m for m, result in outcome.items() if result != "killed"]
    for mutation in bad:
        print(f"  {outcome[mutation]}: {mutation.label} ({mutation.path})")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
