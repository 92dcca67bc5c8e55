try:
    from ._native import clamp_int, is_one_of
except ImportError:
    from .._fallback import clamp_int, is_one_of
