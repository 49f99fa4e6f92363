"""The process engine's fork server, startable before anything heavy is imported.

Workers fork from a server that has already imported pyarrow and the engine, so each
starts warm.  Starting the server costs as much as those imports (~0.5 s), so it starts early:
``engines.prepare`` starts it as soon as the CLI knows ``--engine processes`` (workers for every block), so that
it imports on the idle second core while this process imports the same modules and opens the
inputs; with ``--jobs N`` the process engine's pool starts it once the rules prove slow enough
to want workers.  Kept free of NumPy and pyarrow imports.
"""

from __future__ import annotations

import multiprocessing as mp

#: what the fork server imports once; ``_preload`` first, so that pyarrow skips its pandas import
PRELOAD = ["trainlint.engines._preload", "trainlint.engines.processes", "trainlint.sources",
           "pyarrow.csv", "pyarrow.json", "pyarrow.compute", "xxhash"]


def context():
    """The multiprocessing context for workers: forkserver where there is one, else spawn.

    forkserver: workers start clean (no inherited Arrow thread pools or locks) but cheaply."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start() -> None:
    """Start the fork server now (it imports in the background); a no-op where there is none."""
    if "forkserver" not in mp.get_all_start_methods():
        return
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()
