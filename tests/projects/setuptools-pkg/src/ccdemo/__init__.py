"""Small dict and number helpers, in C when the extensions are built, in Python otherwise."""

try:
    from ._speedups import lookup, pop_many
except ImportError:  # no compiler at install time: the pure-Python versions below
    from ._fallback import lookup, pop_many

from .sub import clamp_int, is_one_of

__all__ = ["lookup", "pop_many", "clamp_int", "is_one_of"]
