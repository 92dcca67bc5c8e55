"""Pure-Python versions of the C helpers, with the same results and errors."""

_MISSING = object()


def lookup(mapping, key, default=None):
    if not isinstance(mapping, dict):
        raise TypeError("lookup() expects a dict")
    return mapping.get(key, default)


def pop_many(mapping, keys):
    if not isinstance(mapping, dict):
        raise TypeError("pop_many() expects a dict")
    popped = 0
    for key in keys:
        if mapping.pop(key, _MISSING) is not _MISSING:
            popped += 1
    return popped


def clamp_int(value, low, high):
    if not isinstance(value, int):
        raise TypeError("clamp_int() expects an int")
    if not -(2**31) <= value < 2**31:
        raise OverflowError("Python int too large to convert to C int")
    return max(low, min(high, value))


def is_one_of(text, names):
    if not isinstance(text, str):
        raise TypeError("is_one_of() expects a str")
    return any(text == name for name in names)
