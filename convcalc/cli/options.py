"""Command-line parameters as data, for the commands that start without click.

`summary` and `check` are what a user and a pre-commit hook run again and again, and importing
click costs about as much as all of convcalc's own work on ResNet-50 (bench/run.py). So each
declares its parameters as a PARAMETERS tuple of these records, with no click in its module:
convcalc.cli.app builds the click command from them (its --help, its errors, its completion),
and convcalc.cli.fast reads an ordinary command line with them without importing click, handing
anything it does not read exactly as click would to click (tests/test_fast_cli.py compares the
two on generated command lines). The options other commands share are declared here too.
"""

from __future__ import annotations

from typing import Any

from convcalc.record import Record


class Argument(Record):
    """A positional parameter: one value (None when left out), or `many` (a tuple)."""

    __slots__ = ("name", "many", "required")

    def __init__(self, name: str, many: bool = False, required: bool = False) -> None:
        self.name = name
        self.many = many
        self.required = required


class Option(Record):
    """A `--flag` parameter: a boolean switch, or a value (text, one of `choices`, or an integer
    of at least `minimum`), its last occurrence kept unless `multiple` (a tuple of all)."""

    __slots__ = ("flag", "name", "switch", "choices", "minimum", "default", "multiple", "metavar", "help")

    def __init__(
        self,
        flag: str,
        name: str,
        *,
        switch: bool = False,
        choices: tuple[str, ...] = (),
        minimum: int | None = None,
        default: str | None = None,
        multiple: bool = False,
        metavar: str | None = None,
        help: str | None = None,
    ) -> None:
        self.flag = flag
        self.name = name
        self.switch = switch
        self.choices = choices
        self.minimum = minimum
        self.default = default
        self.multiple = multiple
        self.metavar = metavar
        self.help = help

    def unset(self) -> Any:
        """The value when the option is not given, as click passes it."""
        if self.switch or self.multiple:
            return False if self.switch else ()
        return None if self.default is None else self.convert(self.default)  # click converts its default too

    def convert(self, text: str) -> Any:
        """The value of `text`, or None where click would refuse it (or might read it otherwise:
        only plain decimal digits are read as integers)."""
        if self.choices:
            return text if text in self.choices else None
        if self.minimum is not None:
            if not (text.isascii() and text.isdigit()) or int(text) < self.minimum:
                return None
            return int(text)
        return text


Parameter = Argument | Option

COLOR = Option(
    "--color",
    "color",
    choices=("auto", "always", "never"),
    default="auto",
    help="Colour and box drawing; auto follows the terminal, NO_COLOR and FORCE_COLOR.",
)
FRAMEWORK = Option("--framework", "framework", choices=("keras", "pytorch"), default="keras", help="With --layer.")
INPUT = Option("--input", "input_shape", metavar="DIMS", help="Input shape without batch, e.g. 28,28,1 (with --layer).")
LAYER = Option("--layer", "layers", multiple=True, metavar="CALL", help='A layer such as "Conv2D(32, 3)"; repeat in order.')
FLAG_LAYERS = (FRAMEWORK, INPUT, LAYER)
"""--framework, --input and --layer: a network written on the command line instead of a SPEC."""
SET = Option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=SIZE",
    help="Give a symbol of the input (input: [H, W, 3]) a size, e.g. --set H=224; repeat for each.",
)
