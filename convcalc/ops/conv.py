"""Output lengths of convolutions and poolings along one axis.

One set of formulas serves 1-D, 2-D and 3-D (applied per axis), plain and transposed, Keras
and PyTorch: the frameworks differ only in how padding is named, which the callers translate.
"""

from __future__ import annotations

from typing import overload

from convcalc.errors import LayerError

Padding = int | str  # an explicit amount per side, or "valid" / "same" / "causal"


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """The span a dilated kernel covers.

    >>> effective_kernel(3, dilation=2)
    5
    """
    return dilation * (kernel - 1) + 1


@overload
def conv_output_length(length: int, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1) -> int: ...
@overload
def conv_output_length(
    length: int | None, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> int | None: ...
def conv_output_length(length: int | None, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1) -> int | None:
    """Output length of a convolution (or Keras pooling) window sliding over `length` positions.

    Explicit padding (PyTorch's Conv docs, "Shape" section): floor((L + 2p - d(k-1) - 1) / s) + 1.
    "valid" is p = 0; "same" and "causal" give ceil(L / s) (Keras's compute_conv_output_shape;
    PyTorch allows "same" only for s = 1). Unknown lengths stay unknown; a window that does not
    fit is a LayerError. PyTorch's pooling, whose ceil_mode may fit a window larger than the
    input, is ops/pool.py's pool_output_length.

    >>> conv_output_length(28, 3)
    26
    >>> conv_output_length(28, 3, stride=2, padding="same")
    14
    """
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    pad = 0 if padding == "valid" else int(padding)
    span = length + 2 * pad - effective_kernel(kernel, dilation)
    if span < 0:
        raise LayerError(
            f"the kernel spans {effective_kernel(kernel, dilation)} (dilation included), "
            f"more than the padded input ({length + 2 * pad})",
            hint="use a smaller kernel, more padding, or padding='same'",
            code="CC200",
        )
    return span // stride + 1


@overload
def transposed_output_length(
    length: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int: ...
@overload
def transposed_output_length(
    length: int | None, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int | None: ...
def transposed_output_length(
    length: int | None, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int | None:
    """Output length of a transposed convolution with explicit padding (PyTorch's
    ConvTranspose docs): (L - 1)s - 2p + d(k - 1) + output_padding + 1.

    >>> transposed_output_length(7, 4, stride=2, padding=1)
    14
    """
    if length is None:
        return None
    out = (length - 1) * stride - 2 * padding + effective_kernel(kernel, dilation) + output_padding
    if out <= 0:
        raise LayerError(f"the output length would be {out}", hint="reduce padding", code="CC200")
    return out


@overload
def keras_transposed_output_length(
    length: int, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1
) -> int: ...
@overload
def keras_transposed_output_length(
    length: int | None, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1
) -> int | None: ...
def keras_transposed_output_length(
    length: int | None, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1
) -> int | None:
    """Keras's rule (backend_utils._get_output_shape_given_tf_padding): without output_padding,
    "valid" gives (L - 1)s + max(k', s) and "same" gives L * s; with it, "valid" pads nothing
    and "same" pads k' // 2 per side, k' the dilated kernel.

    >>> keras_transposed_output_length(7, 3, 2, "valid", None)
    15
    >>> keras_transposed_output_length(7, 3, 2, "same", None)
    14
    >>> keras_transposed_output_length(7, 3, 2, "same", 1)
    14
    """
    if length is None:
        return None
    span = effective_kernel(kernel, dilation)
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return (length - 1) * stride + span + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + span % 2 + output_padding


@overload
def padding_sides(length: int, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1) -> tuple[int, int]: ...
@overload
def padding_sides(
    length: int | None, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> tuple[int, int] | None: ...
def padding_sides(
    length: int | None, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> tuple[int, int] | None:
    """How many positions a convolution or pooling window pads before and after the axis.

    An explicit amount p pads (p, p); "valid" nothing; "causal" (Keras Conv1D,
    conv1d.py _compute_causal_padding) all d(k - 1) before; "same" pads
    max((ceil(L / s) - 1)s + k' - L, 0) in total, the odd position after, as Keras does on
    every backend (keras/src/backend/torch/nn.py _compute_padding_length, TensorFlow's rule)
    and as PyTorch's padding="same" (stride 1 only: d(k - 1) in total) does. With stride > 1
    "same" depends on L: None when L is unknown.

    >>> padding_sides(26, 3, padding="same"), padding_sides(26, 4, padding="same")
    ((1, 1), (1, 2))
    >>> padding_sides(224, 3, stride=2, padding="same")  # total (112 - 1) * 2 + 3 - 224 = 1
    (0, 1)
    >>> padding_sides(None, 3, stride=2, padding="same") is None
    True
    >>> padding_sides(9, 3, padding="causal", dilation=2), padding_sides(9, 3, padding=2)
    ((4, 0), (2, 2))
    """
    span = effective_kernel(kernel, dilation)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    if padding == "same":
        if stride == 1:
            total = span - 1
        elif length is None:
            return None
        else:  # (ceil(L/s) - 1)*s + k' - L, at least 0; written without a comparison, so that a
            # formula of the input's symbols (convcalc.symbolic) stays one: the excess is > -s
            excess = stride * ((length + stride - 1) // stride) - length + span - stride
            total = excess if span >= stride else excess * ((excess + stride) // stride)
        return total // 2, total - total // 2
    return int(padding), int(padding)
