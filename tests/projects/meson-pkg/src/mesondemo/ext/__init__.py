try:
    from ._bytes import join_bytes
except ImportError:
    from .._fallback import join_bytes
