"""WorkShares: a suggestion's per-work credit kept as arrays, read as a mapping like the dict it replaces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.model.credit import WorkShares, contributor_credit, contributor_credit_fast


def _shares() -> WorkShares:
    return WorkShares(np.array([3, 7, 42], dtype=np.int64), np.array([0.5, 0.25, 0.125]))


def test_reads_like_the_dict_in_ascending_work_order() -> None:
    s = _shares()
    d = {3: 0.5, 7: 0.25, 42: 0.125}
    assert list(s) == [3, 7, 42] and len(s) == 3 and bool(s)
    assert list(s.items()) == list(d.items()) and list(s.values()) == list(d.values())
    assert s[7] == 0.25 and 42 in s and 8 not in s and s.get(8) is None
    assert s == d and d == s and s != {3: 0.5, 7: 0.25}
    assert json.dumps({str(k): v for k, v in sorted(s.items())}) == json.dumps({str(k): v for k, v in sorted(d.items())})
    with pytest.raises(KeyError):
        s[8]
    assert not WorkShares(np.zeros(0, dtype=np.int64), np.zeros(0))


def test_iterating_and_spreading_do_not_build_the_dict() -> None:
    s = _shares()
    list(s.items())
    sum(s.values())
    table = (np.array([3, 7, 42]), np.array([0, 1, 3]), np.array([1, 2, 1]),
             np.array([[0, 10000], [0, 5000], [1, 5000], [1, 10000]]), ["Ada", "Ben"])
    fast = contributor_credit_fast(s, table)
    assert s._dict is None  # the look-up dict is built on demand only
    splits = {3: [("Ada", 10000)], 7: [("Ada", 5000), ("Ben", 5000)], 42: [("Ben", 10000)]}
    assert fast == contributor_credit(dict(s.items()), splits) == contributor_credit_fast(dict(s.items()), table)


def test_equality_between_shares() -> None:
    s = WorkShares(np.array([3, 7, 42]), np.array([0.5, 0.25, 0.125]))
    assert s == _shares()
    assert s != WorkShares(np.array([3, 7, 42]), np.array([0.5, 0.25, 0.25]))
    with pytest.raises(TypeError):
        hash(s)


def test_shares_over_the_catalogue_ids_spread_without_a_search_and_alike() -> None:
    universe = np.array([3, 7, 9, 42], dtype=np.int64)
    row = np.array([0.5, 0.25, 0.0, 0.125])
    s = WorkShares.of(universe, row)
    assert list(s.items()) == [(3, 0.5), (7, 0.25), (42, 0.125)] and s.positions.tolist() == [0, 1, 3]
    table = (universe, np.array([0, 1, 3, 4]), np.array([1, 2, 1, 1]),
             np.array([[0, 10000], [0, 5000], [1, 5000], [1, 10000], [0, 10000]]), ["Ada", "Ben"])
    by_position = contributor_credit_fast(s, table)  # the table's ids are the universe: positions used
    other = (universe.copy(),) + table[1:]  # an equal array, not the same one: searched
    assert by_position == contributor_credit_fast(s, other) == contributor_credit_fast(dict(s.items()), table)
    assert by_position == {"Ada": 0.5 + 0.125 + 0.125, "Ben": 0.125}  # 7 half each, 42 all Ada


def test_contributor_sums_are_the_bincount_sums_bit_for_bit():
    """The compiled pass adds each work's splits in the order np.bincount did (the array version it
    replaced): the same floats, on tables with several contributors per work and names shared across works."""
    import numpy as np

    from app.core.model.generation.genkernels import contributor_sums

    rng = np.random.default_rng(7)
    for _ in range(50):
        works, names = int(rng.integers(1, 800)), int(rng.integers(1, 40))
        count = rng.integers(1, 5, works).astype(np.int64)
        first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        splits = np.stack([rng.integers(0, names, count.sum()), rng.integers(1, 10000, count.sum())], axis=1)
        k = np.sort(rng.choice(works, int(rng.integers(1, works + 1)), replace=False)).astype(np.int64)
        shares = rng.random(len(k))
        sizes = count[k]
        pos = np.repeat(first[k] - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        expected = np.bincount(splits[pos, 0], np.repeat(shares, sizes) * splits[pos, 1] / 10000.0, minlength=names)
        sums, used = contributor_sums(k, shares, first, count, splits.astype(np.int64), names)
        assert np.array_equal(sums, expected)
        assert np.array_equal(used, np.isin(np.arange(names), splits[pos, 0]))
