"""Python's cycle collector paused while a command holds a campaign in memory (issue 6).

A campaign of 100,000 rows is millions of objects (cells, rows, findings, entries,
wishes, donations, matches, the JSON document) that form no reference cycles. Left
running, the collector walks all of them again and again as they are made: about a
third of ``aid validate``'s checking, and of ``wishes match --json`` at 100,000 wishes
and donations (11.6 s, then 7.7 s with the pause in the library and around the CLI's
JSON document). Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; what survives it is moved to the oldest
    generation at once (freeze, then unfreeze), instead of the collector's next young
    pass walking all of it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # never thaw what the application froze itself
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
