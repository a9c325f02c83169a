"""Helpers for batch work over millions of rows (a region's year of fees, a month's liability)."""

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector. A batch makes millions of small objects, none in a
    reference cycle, and the collector would walk them again and again: a third of the time of
    bench/fees_bench.py. Reference counting still frees everything as usual."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
