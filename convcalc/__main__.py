"""`python -m convcalc` and the `convcalc` console script (pyproject.toml points here).

The cyclic garbage collector is off before anything else is imported: a run makes many objects
and no garbage cycles, and collecting while click and PyYAML load alone costs ~1 ms of every
command (bench/run.py). Here, not in convcalc/__init__.py, so a program that imports convcalc
keeps its collector; cli.entry() switches it off too, for whoever calls it some other way.
"""

import gc

gc.disable()

from convcalc.cli import entry  # noqa: E402 - after the collector is off

if __name__ == "__main__":
    entry()
