"""Text and bytes helpers, in C when built, in Python otherwise."""

try:
    from ._core import count_items, describe
except ImportError:
    from ._fallback import count_items, describe

from .ext import join_bytes

__all__ = ["count_items", "describe", "join_bytes"]
