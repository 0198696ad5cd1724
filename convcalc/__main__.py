from convcalc.cli import entry

entry()
