"""The `dataraum` script's entry point: `--version` answers before the CLI's imports
(SQLAlchemy, pydantic settings, rich, typer), everything else goes to `cli.entry`."""

from __future__ import annotations

import sys


def entry() -> int | None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from dataraum_context import __version__

        sys.stdout.write(f"dataraum {__version__}\n")
        return 0
    from dataraum_context.pipeline.startup import begin_startup

    begin_startup()  # no garbage collection while start-up builds (pipeline/startup.py)
    from dataraum_context.cli import entry as cli_entry

    return cli_entry()
