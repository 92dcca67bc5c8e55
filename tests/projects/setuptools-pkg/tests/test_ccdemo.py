"""ccdemo's own tests: the same expectations whichever implementation is imported."""

import pytest

import ccdemo


def test_lookup_finds_and_defaults():
    d = {"a": 1, ("t",): 2}
    assert ccdemo.lookup(d, "a") == 1
    assert ccdemo.lookup(d, ("t",)) == 2
    assert ccdemo.lookup(d, "missing") is None
    assert ccdemo.lookup(d, "missing", 7) == 7


def test_lookup_rejects_non_dicts_and_unhashable_keys():
    with pytest.raises(TypeError):
        ccdemo.lookup([1], 0)
    with pytest.raises(TypeError):
        ccdemo.lookup({}, [])


def test_pop_many_counts_what_it_removed():
    # Keys made at run time (not immortal small ints) so that a leaked key shows in
    # sys.gettotalrefcount() under `capi-compat matrix --leaks`.
    one, two, three, five = (2**70 + i for i in (1, 2, 3, 5))
    d = {one: "a", two: "b", three: "c"}
    assert ccdemo.pop_many(d, [one, three, five]) == 2
    assert d == {two: "b"}
    assert ccdemo.pop_many(d, iter([])) == 0


def test_clamp_int():
    assert ccdemo.clamp_int(5, 0, 3) == 3
    assert ccdemo.clamp_int(-5, 0, 3) == 0
    assert ccdemo.clamp_int(2, 0, 3) == 2
    assert ccdemo.clamp_int(-(2**31), -(2**31), 0) == -(2**31)
    with pytest.raises(OverflowError):
        ccdemo.clamp_int(2**31, 0, 3)
    with pytest.raises(TypeError):
        ccdemo.clamp_int("1", 0, 3)


def test_is_one_of():
    assert ccdemo.is_one_of("b", ("a", "b"))
    assert not ccdemo.is_one_of("c", ["a", "b"])
    assert ccdemo.is_one_of("\u00e9t\u00e9", ["\u00e9t\u00e9"])
    assert not ccdemo.is_one_of("a\0b", ["a"])
    with pytest.raises(TypeError):
        ccdemo.is_one_of(1, ["a"])
