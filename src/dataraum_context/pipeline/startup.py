"""Start-up of a `dataraum` process: the cyclic garbage collector waits until it is over,
and Hamilton loads no plugins.

Start-up imports some hundreds of modules, builds the ORM mappers and the Hamilton graph:
several hundred thousand long-lived objects and next to no garbage. The collector still
walks them all, again and again as they grow (full collections of 20-140 ms each, ~0.35 s
of the ~1.7 s from launch to a run's first stage; bench/PIPELINE.md, "Issue 14: start-up").

`begin_startup()` (the `dataraum` script, before its imports) turns the collector off;
`startup_done()` (the runner right before the first stage it executes; the CLI at once for
the commands that run no stage) moves everything start-up built into the permanent
generation (`gc.freeze`: later collections skip it) and turns the collector on again.
A process that never called `begin_startup()` (the Python API in someone's program, the
tests) is left alone: `startup_done()` does nothing there.

`begin_startup()` also turns off Hamilton's plugin autoloading (`HAMILTON_AUTOLOAD_EXTENSIONS=0`,
Hamilton's documented switch; a `~/.hamilton.conf` that sets it still wins): at its first
import Hamilton would otherwise import its yaml, numpy, pandas and pydantic plugins (data
loaders and savers, DataFrame column types, `@check_output` validators; ~40 ms), none of
which the flow uses. A program that uses the Python API keeps Hamilton's default.
"""

from __future__ import annotations

import gc
import os

_paused = False
HAMILTON_AUTOLOAD = "HAMILTON_AUTOLOAD_EXTENSIONS"


def begin_startup() -> None:
    """Turn the cyclic garbage collector off until `startup_done()` (if it is on), and
    Hamilton's plugin autoloading off (unless the environment already says)."""
    global _paused
    os.environ.setdefault(HAMILTON_AUTOLOAD, "0")
    if gc.isenabled():
        gc.disable()
        _paused = True


def startup_done() -> None:
    """Freeze what start-up built and turn the collector on again (only after `begin_startup`)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
