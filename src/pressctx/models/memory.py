"""Handing memory back to the system after large, short-lived allocations (glibc only).

glibc keeps freed heap pages for reuse unless asked to trim them. Loading a model parses a
large tokenizer file and copies tensors; each scoring call allocates activations and
tokenizer outputs. Without trimming, a process with the multilingual model grows by about
100 MB after loading and 170 MB more over the first hundred articles, pages it no longer
uses (benchmarks/compare_bases.py measures both). Elsewhere than on glibc these are no-ops.
"""
from __future__ import annotations

import ctypes
import gc

__all__ = ["trim_heap", "release_free_heap"]

try:
    _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc
    _MALLOC_TRIM = None


def trim_heap() -> None:
    """Return the C heap's free pages to the system (cheap: measured well under a millisecond
    per call beside a scoring batch)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def release_free_heap() -> None:
    """Collect Python garbage, then :func:`trim_heap` (after loading a model; gc is too slow per call)."""
    gc.collect()
    trim_heap()
