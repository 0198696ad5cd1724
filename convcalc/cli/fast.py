"""`convcalc summary` and `convcalc check` without importing click.

Importing click costs about 24 ms of a 75 ms `summary --format json` of ResNet-50, as much as
all of convcalc's own work (bench/run.py), and these two commands are the ones run again and
again (by hand, in a shell pipeline, by a pre-commit hook). A command line made only of the
command's own options and arguments, each written one of the ways click reads it, is read here
with the command's PARAMETERS (cli/options.py) into the values click would pass. Anything else
(--help, a typo, a value click would refuse, `--`, shell completion, and Windows, where click
expands the command line's wildcards) goes to click, which stays the authority:
tests/test_fast_cli.py compares the two on generated command lines, and their output.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from convcalc.cli import COMMANDS, UsageProblem, echo, symbolic_abort
from convcalc.cli.options import Argument, Option, Parameter

FAST = ("summary", "check")
"""The commands whose modules declare PARAMETERS and import no click."""


def values(parameters: tuple[Parameter, ...], arguments: list[str]) -> dict[str, Any] | None:
    """The values click would pass the command for `arguments`, or None where this reading is
    not sure to be click's (an unknown option, a refused value, a token it reads its own way).

    >>> from convcalc.cli.summary import PARAMETERS
    >>> read = values(PARAMETERS, ["lenet5", "--format=json", "--batch", "8", "--set", "H=4"])
    >>> read["spec"], read["fmt"], read["batch"], read["settings"], read["macs_column"]
    ('lenet5', 'json', 8, ('H=4',), False)
    >>> values(PARAMETERS, ["lenet5", "--formt", "json"]) is None
    True
    """
    options = {p.flag: p for p in parameters if isinstance(p, Option)}
    assert sum(isinstance(p, Argument) for p in parameters) <= 1, "click shares positionals out its own way among several"
    read: dict[str, Any] = {p.name: p.unset() for p in parameters if isinstance(p, Option)}
    positional: list[str] = []
    tokens = iter(arguments)
    for token in tokens:
        if token[:1] != "-" or token == "-":
            positional.append(token)
            continue
        flag, equals, text = token.partition("=")
        option = options.get(flag)
        if option is None:  # --help, --, a short option, a typo: click's to answer
            return None
        if option.switch:
            if equals:
                return None
            read[option.name] = True
            continue
        given = text if equals else next(tokens, None)
        if given is None:
            return None
        value = option.convert(given)
        if value is None:
            return None
        read[option.name] = (*read[option.name], value) if option.multiple else value
    for argument in (p for p in parameters if isinstance(p, Argument)):
        if argument.many:
            if argument.required and not positional:
                return None
            read[argument.name], positional = tuple(positional), []
        else:
            read[argument.name] = positional.pop(0) if positional else None
            if argument.required and read[argument.name] is None:
                return None
    return None if positional else read


def run(argv: list[str]) -> bool:
    """Run the command line `argv` (without the program's name) if it is one this module reads;
    False, having written nothing, when it is click's. Ends as click's standalone mode ends a
    command: SystemExit with its status."""
    if not argv or argv[0] not in FAST or os.name == "nt":  # on Windows click expands *, ~ and %VAR% itself
        return False
    if any(name[:1] == "_" and name.endswith("_COMPLETE") for name in os.environ):  # shell completion
        return False
    try:
        module = importlib.import_module(f"convcalc.cli.{COMMANDS[argv[0]]}")
        read = values(module.PARAMETERS, argv[1:])
        if read is None:
            return False
        getattr(module, argv[0])(**read)
    except UsageProblem:  # raised before anything is read or written: click writes it, with the usage
        return False
    except TypeError as exc:
        symbolic_abort(exc, argv[0])
    except (EOFError, KeyboardInterrupt):  # as click's standalone mode: a line to close the ^C, then this
        echo("", err=True)
        echo("Aborted!", err=True)
        sys.exit(1)
    except BrokenPipeError:  # as click's standalone mode: the reader has gone
        sys.exit(1)
    return True
