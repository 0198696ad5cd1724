"""Text every summary renderer shares: sizes as Keras writes them, weights, the totals block,
the title, and names made safe for a terminal."""

from __future__ import annotations

from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Weight
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
        f"{label}: {count:,} ({readable_size(count * BYTES_PER_PARAM)})"
        for label, count in (
            ("Total params", totals.params),
            ("Trainable params", totals.trainable_params),
            ("Non-trainable params", totals.non_trainable_params),
        )
    ]


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
