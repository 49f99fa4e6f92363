"""Handing freed heap memory back to the operating system."""

from __future__ import annotations


def return_freed_memory() -> None:
    """Hand the heap that large frees left (NumPy arrays of a few MB come from glibc's heap once
    its mmap threshold has risen, and freed heap stays with the process) back to the OS, so peak
    RSS counts what is in use.  A no-op where the C library has no malloc_trim."""
    import ctypes

    try:  # the name, not ctypes.util.find_library, which runs ldconfig in a subprocess
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
