"""Giving freed memory back to the system between a long run's phases.

Python frees objects into its own allocator and glibc's, Arrow into its memory pool (mimalloc); all
three keep what they freed for reuse. DuckDB allocates through an allocator of its own, so whatever
the load's Python phase freed sat unused beside the warehouse build: at 10,000 documents 96 of the
157 MB the streaming pass left behind came back this way (bench/RESULTS.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


def give_back() -> None:
    """Collect garbage, then return the free memory of Arrow's pool and of glibc's heap."""
    gc.collect()
    import pyarrow  # imported on use: the callers have it loaded already

    pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``; None on a C library without it (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
