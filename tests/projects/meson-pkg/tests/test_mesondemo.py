import collections

import pytest

import mesondemo


def test_count_items():
    assert mesondemo.count_items({"a": 1, 2: 3, "b": 4}) == (2, 1)
    assert mesondemo.count_items({}) == (0, 0)
    with pytest.raises(TypeError):
        mesondemo.count_items([])


def test_describe():
    assert mesondemo.describe(1) == "int"
    assert mesondemo.describe(collections.OrderedDict()) == "collections.OrderedDict"
    assert mesondemo.describe(mesondemo) == "module"


def test_join_bytes():
    assert mesondemo.join_bytes(b", ", [b"a", b"b", bytearray(b"c")]) == b"a, b, c"
    assert mesondemo.join_bytes(b"", iter([])) == b""
    with pytest.raises(TypeError):
        mesondemo.join_bytes(b"-", [b"a", "b"])
    with pytest.raises(TypeError):
        mesondemo.join_bytes("-", [b"a"])
