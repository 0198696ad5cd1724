"""Text every summary renderer shares: sizes as Keras writes them, weights, the totals block,
the title, and names made safe for a terminal."""

from __future__ import annotations

from collections.abc import Callable

from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Weight, at_hint, is_number
from convcalc.report import BYTES_PER_PARAM, Report

KB_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_size(size: float) -> str:
    """Bytes as Keras's summary writes them (keras/src/utils/summary_utils.py), 1024-based.

    >>> readable_size(214400)
    '209.38 KB'
    >>> readable_size(0)
    '0.00 B'
    """
    for unit in KB_UNITS[:-1]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {KB_UNITS[-1]}"


def hint_text(report: Report) -> str:
    """The sizes a symbolic report was computed at: `H = 224, W = 224`."""
    hints = report.symbolic.hints if report.symbolic is not None else {}
    return ", ".join(f"{name} = {value}" for name, value in hints.items())


def hinted(value: int, readable: Callable[[int], str], report: Report) -> str:
    """A figure made readable; a formula of the input's symbols by its value at the sizes the
    report was computed at (`36.87G at H = 224, W = 224`)."""
    if is_number(value) or report.symbolic is None:
        return readable(value)
    return f"{readable(int(at_hint(value) or 0))} at {hint_text(report)}"


def weight_text(weight: Weight) -> str:
    """`kernel (3, 3, 1, 32)`, marked when Keras counts it as non-trainable."""
    mark = " (non-trainable)" if not weight.trainable else ""
    if weight.shared:
        mark += " (shared)"
    return f"{weight.name} {format_shape(weight.shape)}{mark}"


def params_lines(report: Report) -> list[str]:
    """The totals block, worded as Keras's model.summary() words it."""
    totals = report.totals
    return [
        f"{label}: {count:,} ({hinted(count * BYTES_PER_PARAM, readable_size, report)})"
        for label, count in (
            ("Total params", totals.params),
            ("Trainable params", totals.trainable_params),
            ("Non-trainable params", totals.non_trainable_params),
        )
    ] + symbol_lines(report)


def symbol_lines(report: Report) -> list[str]:
    """Under the totals of a report whose input sizes are symbols: the sizes the network
    accepts, the smallest, one it rejects and why, what the spec assumes, and where the
    formulas hold when that is narrower than the accepted sizes (the guards the run took)."""
    symbolic = report.symbolic
    if symbolic is None:
        return []
    domain = symbolic.domain
    lines = [f"Symbols: {', '.join(symbolic.symbols)} (figures in numbers at {hint_text(report)})"]
    if domain.smallest is None:
        lines.append("Accepted sizes: none" if domain.proven else "Accepted sizes: not found")
    else:
        smallest = ", ".join(f"{k} = {v}" for k, v in domain.smallest.items())
        proven = "" if domain.proven else " (where these formulas hold; not proven to be every accepted size)"
        lines.append(f"Accepted sizes: {domain.text}{proven}")
        lines.append(f"Smallest accepted: {smallest}")
    values, problem = symbolic.rejected if symbolic.rejected is not None else ({}, None)
    if problem is not None:
        shown = ", ".join(f"{k} = {v}" for k, v in values.items())
        where = f"{problem.layer}: " if problem.layer else ""
        lines.append(f"Rejected, e.g. {shown}: {where}{problem.message}")
    if symbolic.assumed:
        lines.append(f"Assumed: {', '.join(a.text for a in symbolic.assumed)}")
    if domain.region and domain.region != domain.text and domain.region != "any size":
        lines.append(f"Formulas hold for: {domain.region}")
    return lines


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), *range(127, 160))}


def printable(text: str) -> str:
    r"""Text with control characters escaped (C0, DEL and C1: U+009B is a CSI to terminals that
    take 8-bit controls): a name from a spec must not drive the terminal (an ESC sequence in a
    layer name could retitle the window or clear the screen).

    >>> printable("conv\x1b]0;x\x07"), printable("dense\x9b2J")
    ('conv\\x1b]0;x\\x07', 'dense\\x9b2J')
    """
    return text.translate(_CONTROL)


def title(report: Report) -> str:
    default = "functional" if report.branched else "sequential"
    return printable(f'Model: "{report.name or default}" ({report.framework})')
