"""Keep freed memory for reuse: two glibc malloc settings, made when ember is imported.

A training step frees and allocates the same large arrays every step (activations,
gradients, temporaries). By default glibc serves large arrays with fresh ``mmap``s and
hands the freed top of its heap back to the OS, so the next step page-faults every page in
again: on this project's machines about 1.5 us per 4 KiB page, 360 faults (0.55 ms, 40% of
the step) per step of the MLP in ``bench/train.py``. With arrays up to 32 MiB served from
the heap (``M_MMAP_THRESHOLD``) and up to 64 MiB of free heap top kept
(``M_TRIM_THRESHOLD``), those pages are reused instead and the faults drop to zero.

The cost is at most 64 MiB of freed memory kept resident after a peak. Only glibc (Linux)
is touched; set ``EMBER_MALLOC_TUNING=0`` in the environment to leave malloc alone. NumPy
tunes memory itself in the same spirit (it asks for huge pages for large arrays on Linux).
"""
import os
import sys

__all__ = ["tune"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h
_MMAP_THRESHOLD = 32 << 20  # bytes: arrays below this come from the heap, not from fresh mmaps
_TRIM_THRESHOLD = 64 << 20  # bytes of free memory at the top of the heap kept, not returned

tuned = False


def tune():
    """Set glibc's mmap and trim thresholds (once; a no-op elsewhere or when opted out)."""
    global tuned
    if tuned or not sys.platform.startswith("linux") or os.environ.get("EMBER_MALLOC_TUNING", "1") == "0":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        if hasattr(libc, "gnu_get_libc_version"):  # glibc, not musl (whose mallopt does nothing)
            tuned = bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and \
                bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError):  # no C library to talk to: nothing to tune
        pass
