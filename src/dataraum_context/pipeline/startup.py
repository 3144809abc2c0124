"""Start-up of a `dataraum` process: the cyclic garbage collector waits until it is over.

Start-up imports some hundreds of modules, builds the ORM mappers and the Hamilton graph:
several hundred thousand long-lived objects and next to no garbage. The collector still
walks them all, again and again as they grow (full collections of 20-140 ms each, ~0.35 s
of the ~1.7 s from launch to a run's first stage; bench/PIPELINE.md, "Issue 14: start-up").

`pause_collector()` (the `dataraum` script, before its imports) turns the collector off;
`startup_done()` (the runner right before the first stage it executes; the CLI at once for
the commands that run no stage) moves everything start-up built into the permanent
generation (`gc.freeze`: later collections skip it) and turns the collector on again.
A process that never called `pause_collector()` (the Python API in someone's program, the
tests) is left alone: `startup_done()` does nothing there.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Turn the cyclic garbage collector off until `startup_done()` (if it is on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def startup_done() -> None:
    """Freeze what start-up built and turn the collector on again (only after `pause_collector`)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
