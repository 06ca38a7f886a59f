"""CSS selectors answered from a per-page element index.

Why: the layers ask about forty CSS questions of every page, and libxml2 answers a class, id or
attribute selector by testing every element of the document, once per comma-separated branch
(20–40 µs a pass even on a small page). Walking the tree once to index its elements by tag,
class and id (tags and attributes on first use) turns each question into a dict lookup plus a
check of the few candidates.

Selectors are parsed by cssselect (the parser behind parsel's ``.css()``). The index answers
type, class, id, attribute and ``:contains()`` selectors joined by descendant or child
combinators; anything else (other pseudo-classes, sibling combinators, pseudo-elements) is handed
to parsel's own CSS-to-XPath translation, so every answer is what ``Selector.css()`` gives: the same
elements in document order, the scope element itself included. ``tests/test_select.py`` checks
that on every fixture page for every selector the layers use.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import count

from cssselect import parse
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Function, Hash, Tree
from lxml import etree
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
#: Attribute names an XPath attribute step can spell (``itemprop``, ``data-x``; not ``xml:lang``).
_XPATH_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
#: Attribute operators the index answers, as predicates on (attribute value, selector value).
_ATTRIBUTE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "exists": lambda have, want: True,
    "=": lambda have, want: have == want,
    "~=": lambda have, want: bool(want) and want in have.split(),
    "^=": lambda have, want: bool(want) and have.startswith(want),
    "$=": lambda have, want: bool(want) and have.endswith(want),
    "*=": lambda have, want: bool(want) and want in have,
}


@dataclass(frozen=True)
class Compound:
    """One compound selector (``h1.entry-title[itemprop]``): every test an element must pass."""

    tag: str | None
    element_id: str | None
    classes: tuple[str, ...]
    attributes: tuple[tuple[str, str, str], ...]  # (name, operator, value)

    texts: tuple[str, ...] = ()  # ``:contains()`` arguments

    @property
    def selective(self) -> bool:
        """Whether the index can name its few candidates (an id, class or attribute test)."""
        return bool(self.element_id or self.classes or self.attributes)

    def matches(self, el: etree._Element, classes_of: dict[etree._Element, list[str]]) -> bool:
        """Whether ``el`` passes every test (``classes_of``: the index's class tokens)."""
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.element_id is not None and el.get("id") != self.element_id:
            return False
        if self.classes:
            have = classes_of.get(el)
            if have is None:
                return False
            for css_class in self.classes:  # a loop: a generator costs more than two tests
                if css_class not in have:
                    return False
        for name, operator, value in self.attributes:
            found = el.get(name)
            if found is None or not _ATTRIBUTE_TESTS[operator](found, value):
                return False
        if self.texts:  # a leaf (a script, say) has its text alone: no join to build
            text = "".join(el.itertext()) if len(el) else el.text or ""
            return all(t in text for t in self.texts)
        return True


#: A branch of a selector, rightmost compound first: ``[(compound, combinator-to-its-left)]``.
Branch = tuple[tuple[Compound, str | None], ...]


class Unsupported(Exception):
    """The selector needs more than the index offers; parsel's XPath answers it instead."""


def _compound(tree: Tree) -> Compound:
    tag, element_id, classes, attributes, texts = None, None, [], [], []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            classes.append(tree.class_name)
        elif isinstance(tree, Hash):
            element_id = tree.id
        elif isinstance(tree, Attrib) and tree.operator in _ATTRIBUTE_TESTS and not tree.namespace:
            value = tree.value.value if tree.value is not None else ""
            attributes.append((tree.attrib.lower(), tree.operator, value))
        elif (isinstance(tree, Function) and tree.name == "contains"
              and len(tree.arguments) == 1 and tree.arguments[0].type in ("STRING", "IDENT")):
            texts.append(tree.arguments[0].value)
        else:
            raise Unsupported(repr(tree))
        tree = tree.selector
    if tree.namespace:
        raise Unsupported(repr(tree))
    if tree.element not in (None, "*"):
        tag = tree.element.lower()
    return Compound(tag, element_id, tuple(classes), tuple(attributes), tuple(texts))


def _branch(tree: Tree) -> Branch:
    parts: list[tuple[Compound, str | None]] = []
    combinator = None
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            raise Unsupported(repr(tree))
        parts.append((_compound(tree.subselector), tree.combinator))
        tree = tree.selector
    parts.append((_compound(tree), combinator))
    return tuple(parts)


@lru_cache(maxsize=512)
def compile_css(query: str) -> tuple[Branch, ...] | etree.XPath:
    """The query's branches for the index, or the compiled XPath parsel would run."""
    try:
        selectors = parse(query)
        if any(s.pseudo_element is not None for s in selectors):
            raise Unsupported(query)
        return tuple(_branch(s.parsed_tree) for s in selectors)
    except Unsupported:
        return etree.XPath(_TRANSLATOR.css_to_xpath(query))


@lru_cache(maxsize=64)
def _attribute_values(name: str) -> etree.XPath:
    """The compiled ``descendant-or-self::*/@name`` (one per attribute name asked about)."""
    return etree.XPath(f"descendant-or-self::*/@{name}")


def last_descendant(el: etree._Element) -> etree._Element:
    """The last element of ``el``'s subtree in document order (``el`` itself if it has none)."""
    while True:
        last = next(el.iterchildren(etree.Element, reversed=True), None)
        if last is None:
            return el
        el = last


class ElementIndex:
    """Every element of one tree by tag, class and id, with its document order; by attribute
    name on first use (most pages are asked about a few attributes only)."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.elements = list(root.iter(etree.Element))
        self.position: dict[etree._Element, int] = dict(zip(self.elements, count()))
        self.by_tag: defaultdict[str, list[etree._Element]] = defaultdict(list)
        self.by_class: defaultdict[str, list[etree._Element]] = defaultdict(list)
        self.by_id: defaultdict[str, list[etree._Element]] = defaultdict(list)
        #: Each element's class tokens, as ``str.split`` gives them: a list, not a set, since a
        #: class list holds two or three tokens and a set costs more to build than it saves.
        self.classes_of: dict[etree._Element, list[str]] = {}
        self._by_attribute: dict[str, list[etree._Element]] = {}
        self._ends: dict[etree._Element, int] = {}
        # One pass over the elements the index holds anyway: a page is asked about ten or so
        # tags, and each ``iter(tag)`` walk of the tree costs as much as all the tags together.
        by_tag, by_class, by_id = self.by_tag, self.by_class, self.by_id
        classes_of = self.classes_of
        for el in self.elements:
            by_tag[el.tag].append(el)
            # Bytes names: lxml encodes and checks a ``str`` name on every call.
            classes = el.get(b"class")
            if classes is not None:
                tokens = classes_of[el] = classes.split()
                for token in tokens:
                    listed = by_class[token]
                    if not listed or listed[-1] is not el:  # ``class="a a"`` lists it once
                        listed.append(el)
            element_id = el.get(b"id")
            if element_id is not None:
                by_id[element_id].append(el)

    def tagged(self, tag: str) -> list[etree._Element]:
        """Every ``tag`` element in document order."""
        return self.by_tag.get(tag, [])

    def with_attribute(self, name: str) -> list[etree._Element]:
        """Every element that has the attribute ``name``, in document order: found by libxml2
        on the attribute axis, like classes and ids (twice as fast as asking every element),
        unless XPath cannot spell the name."""
        if name not in self._by_attribute:
            self._by_attribute[name] = (
                [value.getparent() for value in _attribute_values(name)(self.root)]
                if _XPATH_NAME.match(name) else
                [el for el in self.elements if el.get(name) is not None])
        return self._by_attribute[name]

    def end_of(self, el: etree._Element) -> int:
        """Position of the last element of ``el``'s subtree."""
        if el not in self._ends:
            self._ends[el] = self.position[last_descendant(el)]
        return self._ends[el]

    def _candidates(self, compound: Compound) -> Iterable[etree._Element]:
        if compound.element_id is not None:
            return self.by_id.get(compound.element_id, ())
        if len(compound.classes) == 1:
            return self.by_class.get(compound.classes[0], ())
        if compound.classes:
            return min((self.by_class.get(c, []) for c in compound.classes), key=len)
        if compound.tag is not None:
            return self.tagged(compound.tag)
        if compound.attributes:
            return self.with_attribute(compound.attributes[0][0])
        return self.elements

    def _matches_left(self, el: etree._Element, branch: Branch, step: int,
                      top: etree._Element | None) -> bool:
        """Whether ``el``'s ancestors (up to ``top``, the scope) satisfy ``branch[step:]``."""
        if step == len(branch):
            return True
        combinator = branch[step - 1][1]
        compound = branch[step][0]
        for ancestor in el.iterancestors():
            if top is not None and self.position[ancestor] < self.position[top]:
                return False
            if (compound.matches(ancestor, self.classes_of)
                    and self._matches_left(ancestor, branch, step + 1, top)):
                return True
            if combinator == ">":
                return False
        return False

    def select(self, query: str, scope: etree._Element | None = None) -> list[etree._Element]:
        """``scope``'s descendants-or-self matching the CSS ``query``, in document order."""
        compiled = compile_css(query)
        if isinstance(compiled, etree.XPath):
            return [el for el in compiled(self.root if scope is None else scope)
                    if isinstance(el, etree._Element)]
        position, classes_of = self.position, self.classes_of
        low, high = 0, len(self.elements)
        top = None if scope is None or scope is self.root else scope
        if top is not None:
            low, high = position[top], self.end_of(top)
        found: list[etree._Element] = []
        ordered = len(compiled) == 1  # one branch whose candidates come in document order
        for branch in compiled:
            rightmost = branch[0][0]
            deep = len(branch) > 1
            candidates = self._branch_candidates(branch)
            ordered = ordered and not isinstance(candidates, set)
            for el in candidates:
                if (low <= position[el] <= high and rightmost.matches(el, classes_of)
                        and (not deep or self._matches_left(el, branch, 1, top))):
                    found.append(el)
        if ordered or len(found) < 2:
            return found
        return sorted(set(found), key=position.__getitem__)

    def _branch_candidates(self, branch: Branch) -> Iterable[etree._Element]:
        """Elements that may match ``branch``: from the index for its rightmost compound, or,
        when that is a bare type selector (``.author-name a``), the descendants of the elements
        its leftmost compound picks out of the index."""
        rightmost, leftmost = branch[0][0], branch[-1][0]
        if len(branch) == 1:
            return self._candidates(rightmost)
        for compound, _ in branch:
            if compound.selective and not self._candidates(compound):
                return ()
        if rightmost.selective or not leftmost.selective:
            return self._candidates(rightmost)
        tag = rightmost.tag or etree.Element
        return {el for anchor in self._candidates(leftmost)
                if leftmost.matches(anchor, self.classes_of)
                for el in anchor.iterdescendants(tag)}
