"""Output lengths of pooling windows, adaptive pooling and resampling along one axis.

Applied per axis, so one formula serves 1-D, 2-D and 3-D. Unknown lengths (None) stay unknown.
"""

from __future__ import annotations

import math
from typing import overload

from convcalc.errors import LayerError
from convcalc.ops.conv import effective_kernel


@overload
def pool_output_length(
    length: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int: ...
@overload
def pool_output_length(
    length: int | None, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int | None: ...
def pool_output_length(
    length: int | None, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int | None:
    """Output length of a pooling window, exactly as PyTorch's `pooling_output_shape`
    (aten/src/ATen/native/Pool.h) computes it:
    floor((L + 2p - d(k-1) - 1 + (s-1 if ceil_mode)) / s) + 1, minus one when ceil_mode would
    start the last window in the right padding.

    Unlike a convolution, a window larger than the input is allowed when ceil_mode rounds
    the count up to one (MaxPool1d(3, ceil_mode=True) on 2 positions gives 1); a count
    below one is a LayerError.

    >>> pool_output_length(7, 2, 2), pool_output_length(7, 2, 2, ceil_mode=True)
    (3, 4)
    >>> pool_output_length(112, 3, 2, padding=1)
    56
    >>> pool_output_length(5, 2, 2, padding=1, ceil_mode=True)  # not 4: that window would start in the padding
    3
    >>> pool_output_length(2, 3, 3, ceil_mode=True)
    1
    """
    if length is None:
        return None
    span = effective_kernel(kernel, dilation)
    out = (length + 2 * padding - span + ((stride - 1) if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    if out < 1:
        raise LayerError(
            f"the pooling window spans {span} (dilation included), more than the padded input "
            f"({length + 2 * padding}): the output length would be {out}",
            hint="use a smaller kernel_size, more padding, or ceil_mode=True",
            code="CC200",
        )
    return out


def adaptive_output_length(length: int | None, size: int | None) -> int | None:
    """Adaptive pooling produces exactly the requested size whatever the input; a size of
    None keeps the input's (torch.nn.AdaptiveAvgPool2d docs: "None ... will be the same as
    that of the input").

    >>> adaptive_output_length(7, 1), adaptive_output_length(7, None), adaptive_output_length(2, 5)
    (1, 7, 5)
    """
    return length if size is None else size


def scaled_length(length: int | None, scale: float) -> int | None:
    """Resampling by a scale factor: floor(L * scale), computed in double precision as
    PyTorch's upsample `compute_output_size` does (aten/src/ATen/native/UpSample.cpp).

    >>> scaled_length(7, 2), scaled_length(7, 1.5), scaled_length(7, 1.1)
    (14, 10, 7)
    """
    if length is None:
        return None
    value = length * float(scale)
    if not math.isfinite(value) or value >= 2**63:
        raise LayerError(f"the scaled size {length} x {scale} is too large for a tensor dimension", code="CC200")
    return math.floor(value)
