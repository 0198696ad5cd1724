"""Problems with a location, so every error can point at the offending spot in the spec."""

from __future__ import annotations

from collections.abc import Iterable

from convcalc.record import Record


class Location(Record):
    """Where something came from: 1-based line and column in a file (or `<stdin>`, `--layer 2`)."""

    __slots__ = ("path", "line", "column")

    path: str
    line: int
    column: int

    def __init__(self, path: str, line: int = 0, column: int = 0) -> None:
        self.path = path
        self.line = line
        self.column = column

    def shifted(self, columns: int) -> Location:
        return Location(self.path, self.line, self.column + columns)

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path


class Diagnostic(Record):
    """One problem found in a spec: the unit that `check` reports and the CLI prints."""

    __slots__ = ("location", "code", "message", "hint", "layer", "node")

    location: Location
    code: str
    message: str
    hint: str
    layer: str  # how the message names the layer: `conv2d_1 (Conv2D)`
    node: str  # the full name of the layer it is about, for tools (`solve` reads it)

    def __init__(self, location: Location, code: str, message: str, hint: str = "", layer: str = "", node: str = "") -> None:
        self.location = location
        self.code = code
        self.message = message
        self.hint = hint
        self.layer = layer
        self.node = node

    def text(self) -> str:
        where = f"layer {self.layer}: " if self.layer else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.location}: {self.code} {where}{self.message}{hint}"


# Stable problem codes: tools and people may match on them, so they never change meaning.
CODES = {
    "CC001": "the spec file cannot be read (missing, a directory, not UTF-8, empty); for `import`, the model file",
    "CC002": "the YAML is malformed; for `import`, the model file's zip, JSON or cfg",
    "CC003": "the spec's structure is wrong (a key, its type, its value)",
    "CC004": "export cannot write the spec as asked (the other framework's code, a construct the framework cannot hold)",
    "CC101": "unknown layer type",
    "CC102": "a layer call that is not a literal call expression",
    "CC103": "an argument the layer does not take",
    "CC104": "a required argument is missing, or too many positional arguments",
    "CC105": "an argument of the wrong type or value",
    "CC200": "the layer's arithmetic is impossible for its input",
    "CC201": "a declared size disagrees with the incoming shape; for `import`, a shape the source states",
    "CC301": "expect.output_shape differs from the computed output shape",
    "CC302": "expect.params (or trainable/non-trainable) differs from the computed count",
    "CC303": "the parameter count exceeds expect.max_params",
    "CC304": "expect.domain differs from the input sizes the network accepts",
}


class SpecError(Exception):
    """A spec that cannot be computed. Carries a Diagnostic; the CLI maps it to exit code 2."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.text())
        self.diagnostic = diagnostic

    @classmethod
    def at(cls, location: Location, code: str, message: str, hint: str = "", layer: str = "") -> SpecError:
        """The error for a problem at `location`: `raise SpecError.at(where, "CC003", "...")`."""
        return cls(Diagnostic(location, code, message, hint, layer))


class LayerError(Exception):
    """Raised by layer arithmetic, which knows no locations; the engine adds the layer's location.

    `argument` names the keyword the problem is about (or, for a positional argument, its
    index), so the engine can point at it.
    """

    def __init__(self, message: str, hint: str = "", argument: int | str = "", code: str = "CC200", offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.argument = argument
        self.code = code
        self.offset = offset  # for text the error is about: the column of the problem within it


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """A hint naming the closest known word, or an empty string when nothing is close."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def short(value: object, limit: int = 60) -> str:
    """repr() for a message, cut to `limit` characters: a hostile value must not flood the terminal.

    >>> short("x" * 100, 10)
    "'xxxxxx..."
    """
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int beyond Python's str() digit limit; a nested list too deep
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
