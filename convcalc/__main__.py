"""`python -m convcalc` and the `convcalc` console script (pyproject.toml points at `entry`).

The cyclic garbage collector is off before anything else is imported: a run makes many objects
and no garbage cycles, and collecting while PyYAML (and click, for a command that needs it)
loads costs ~1 ms of every command (bench/run.py). Here, not in convcalc/__init__.py, so a
program that imports convcalc keeps its collector.
"""

import gc

gc.disable()

import os  # noqa: E402 - after the collector is off
import sys  # noqa: E402
from typing import NoReturn  # noqa: E402


def entry() -> NoReturn:
    """The console script: run the command (without click where cli/fast.py can), then end the
    process as soon as its output is flushed. The interpreter's teardown (freeing every object,
    unloading every module) is work a user of a calculator waits for and gains nothing from:
    ~6 ms after a small network, a second after 100,000 layers (bench/run.py)."""
    gc.disable()  # for good: the process ends with the command, and it makes no garbage cycles
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a box or a bar still gets the text
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        from convcalc.cli import fast

        if not fast.run(sys.argv[1:]):
            from convcalc.cli.app import main

            main()
        status = 0
    except SystemExit as exc:  # click always ends a standalone run this way
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `convcalc summary ... | head`: the reader has what it wanted
        pass
    os._exit(status)


if __name__ == "__main__":
    entry()
