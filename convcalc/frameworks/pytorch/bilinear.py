"""torch.nn.Bilinear (torch/nn/modules/linear.py; aten's bilinear in Linear.cpp): y = x1^T A x2 + b
over the last dimension of two inputs, (*, in1_features) and (*, in2_features) -> (*, out_features).

Its weight is (out_features, in1_features, in2_features), its bias (out_features,). The inputs
must have one rank and the same leading dimensions ("bilinear(): input batch dimensions do not
match at dim 1: got 7 and 6"). MACs: 0, as fvcore counts it: aten::bilinear has no handler.
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Family, LayerType
from convcalc.frameworks.pytorch.layers import bias, declared, last_axis, torch_type
from convcalc.ops import macs
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args


def bilinear(args: Args, shapes: tuple[Shape, ...]) -> Built:
    out = args.int("out_features", 1)
    if len(shapes) != 2:
        raise LayerError(f"Bilinear takes the inputs [input1, input2], found {len(shapes)}", argument="inputs", code="CC200")
    first, second = shapes
    if len(first) != len(second):
        raise LayerError(
            f"the inputs {format_shape(first)} and {format_shape(second)} must have the same number of dimensions",
            argument="inputs",
            code="CC200",
        )
    for dim, (a, b) in enumerate(zip(first[:-1], second[:-1])):
        if None not in (a, b) and a != b:
            raise LayerError(
                f"the inputs {format_shape(first)} and {format_shape(second)} differ at dim {dim} ({a} and {b})",
                hint="all but the last dimension must match",
                argument="inputs",
                code="CC200",
            )
    in1 = declared(args, "in1_features", first[-1])
    in2 = declared(args, "in2_features", second[-1])
    lead = tuple(b if a is None else a for a, b in zip(first[:-1], second[:-1]))
    return Built((*lead, out), (Weight("weight", (out, in1, in2)), *bias(args, out)))


TYPES: list[LayerType] = [
    torch_type("Bilinear", bilinear, Family.DENSE, merges=True, variant="bilinear", axes=last_axis, macs=macs.zero)
]
