"""The closure fast paths equal the textbook closure, on random relations.

`Rel.plus` has two fast paths (a one-pass top-down closure when every edge
goes to a higher index, as po, rf and hb do; otherwise Warshall a row at a
time over bit masks); `star`, `acyclic`, and `Diag`'s closures are built on
them. The explorer's `_cycle_region` (which events can lie on a new cycle) is
a reachability closure of its own. Each is checked against the definition,
iterated to a fixpoint over explicit pairs: R+ is the least T with R <= T and
T;R <= T. Relations are drawn with cycles, self-loops, forward-only edges
(the one-pass path) and no edges at all.
"""
from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from memorder.engines.explorer import Explorer
from memorder.model.relations import Rel, Set

from conftest import examples


def closure(pairs: set) -> set:
    """R+, by iterating T := T | T;R until nothing changes."""
    total = set(pairs)
    while True:
        step = {(a, c) for a, b in total for b2, c in pairs if b == b2}
        if step <= total:
            return total
        total |= step


def as_rel(pairs: set, n: int) -> Rel:
    rows = [0] * n
    for a, b in pairs:
        rows[a] |= 1 << b
    return Rel(tuple(rows), n)


def pairs_of(r: Rel) -> set:
    assert len(r.rows) == r.n
    return set(r.pairs())


@st.composite
def relations(draw, min_n=0, max_n=8):
    """(pairs, n): any relation, a forward-only one, one with a cycle forced in, or none."""
    n = draw(st.integers(min_n, max_n))
    shape = draw(st.sampled_from(["any", "forward", "cycle", "empty"]))
    if n == 0 or shape == "empty":
        return set(), n
    every = [(a, b) for a in range(n) for b in range(n)]
    if shape == "forward":
        every = [(a, b) for a, b in every if a < b]
    pairs = set(draw(st.lists(st.sampled_from(every), max_size=2 * n))) if every else set()
    if shape == "cycle":  # a cycle through distinct events (a self-loop when it has one)
        ring = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        pairs |= set(zip(ring, ring[1:] + ring[:1]))
    return pairs, n


SETTINGS = settings(max_examples=examples(500))


@SETTINGS
@given(relations())
def test_plus_is_the_transitive_closure(relation):
    pairs, n = relation
    assert pairs_of(as_rel(pairs, n).plus()) == closure(pairs)


@SETTINGS
@given(relations())
def test_star_and_opt_add_exactly_the_identity(relation):
    pairs, n = relation
    ident = {(i, i) for i in range(n)}
    r = as_rel(pairs, n)
    assert pairs_of(r.star()) == closure(pairs) | ident
    assert pairs_of(r.opt()) == pairs | ident


@SETTINGS
@given(relations())
def test_acyclic_and_irreflexive_are_the_definitions(relation):
    pairs, n = relation
    r = as_rel(pairs, n)
    assert r.irreflexive() == all(a != b for a, b in pairs)
    assert r.acyclic() == all(a != b for a, b in closure(pairs))
    assert r.is_empty() == (not pairs)


@SETTINGS
@given(st.integers(0, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, (1 << n) - 1))))
def test_closures_of_a_set_identity(case):
    n, mask = case
    diag = Set(mask, n).id()
    members = {(i, i) for i in range(n) if mask >> i & 1}
    assert pairs_of(diag.plus()) == members  # [S]+ = [S]
    assert pairs_of(diag.star()) == {(i, i) for i in range(n)}
    assert pairs_of(diag.opt()) == {(i, i) for i in range(n)}
    assert diag.acyclic() == (mask == 0)


@SETTINGS
@given(relations(min_n=1), st.data())
def test_cycle_region_is_the_events_on_paths_back_to_the_group(relation, data):
    pairs, n = relation
    group = data.draw(st.integers(1, (1 << n) - 1), label="group")
    succ = {i: [b for a, b in pairs if a == i] for i in range(n)}
    region = Explorer._cycle_region(SimpleNamespace(_successors=lambda i: iter(succ[i])), group)
    plus = closure(pairs)
    members = {i for i in range(n) if group >> i & 1}
    want = members | {i for i in range(n)
                      if any((g, i) in plus for g in members) and any((i, g) in plus for g in members)}
    assert region == sum(1 << i for i in want)
