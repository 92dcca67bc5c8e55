"""Pure-Python versions of the C helpers."""


def count_items(mapping):
    """How many keys of a dict are str and how many are not, as (str_keys, other_keys)."""
    if not isinstance(mapping, dict):
        raise TypeError("count_items() expects a dict")
    strs = sum(1 for k in mapping if isinstance(k, str))
    return strs, len(mapping) - strs


def describe(obj):
    """The object's type's fully qualified name."""
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def join_bytes(sep, parts):
    if not isinstance(sep, bytes):
        raise TypeError("join_bytes() expects bytes as the separator")
    return sep.join(parts)
