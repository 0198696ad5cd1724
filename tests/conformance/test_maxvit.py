"""docs/examples/torchvision/maxvit_t.yaml against torchvision's own maxvit_t
(torchvision/models/maxvit.py), when torchvision imports (oracle.import_module stubs its C
extension):

- row for row (modules.py): every module the model runs, under its path, with each call's output
  shape, and every torch function its forwards call between them, in order, with their shapes and
  keyword arguments (torch.chunk, the reshapes and permutes of WindowPartition, WindowDepartition
  and the heads, torch.einsum, the gather of the relative position bias, F.softmax's dim); no call
  is left over;
- every parameter and buffer by its path (the keys of state_dict), 30,919,624 parameters, the
  figure torchvision publishes with its weights;
- MACs as fvcore counts them, operator by operator; fvcore reads each einsum's cost as numpy
  prints it (4 significant digits), so the einsums are compared rounded as numpy rounds them.

The model is built on the meta device for the first two; fvcore traces a CPU copy whose memory
is left as it comes (to_empty), the index buffers zeroed.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the conformance suite needs torch (pip install torch)")

from modules import compare, trace  # noqa: E402
from oracle import import_module  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.analysis.costs import costs  # noqa: E402
from convcalc.report import Report  # noqa: E402

pytestmark = pytest.mark.conformance
SPEC = Path(__file__).parents[2] / "docs" / "examples" / "torchvision" / "maxvit_t.yaml"
OPERATORS = {"Conv2d": "conv", "BatchNorm2d": "batch_norm", "AdaptiveAvgPool2d": "adaptive_avg_pool2d"}
OPERATORS |= {"LayerNorm": "layer_norm", "Linear": "linear", "Einsum": "einsum"}
"""fvcore's name for the operator each counted row runs."""


def models() -> Any:
    try:
        return import_module("torchvision.models")
    except Exception as exc:  # any import failure: torchvision is optional
        pytest.skip(f"torchvision does not import here: {exc}")


def maxvit_t() -> Any:
    with torch.device("meta"):
        return models().maxvit_t().eval()


def report(batch: int) -> Report:
    text = SPEC.read_text().replace("input: [3, 224, 224]\n", f"input: [3, 224, 224]\nbatch: {batch}\n")
    return summarize(text, str(SPEC))


def test_every_row_is_a_module_torchvision_runs_or_a_call_of_its_forwards() -> None:
    assert compare(report(2), trace(maxvit_t(), torch.zeros(2, 3, 224, 224, device="meta"))) == {}


def test_parameters_and_buffers_by_path_and_the_published_count() -> None:
    model = maxvit_t()
    ours = report(2)
    parameters = {
        f"{row.name}.{weight.name}" if row.type != "Parameter" else row.name: weight.shape
        for row in ours.rows
        for weight in row.weights
    }
    assert parameters == {name: tuple(p.shape) for name, p in model.named_parameters()}
    buffers = {
        f"{row.name}.{name}"
        for row in ours.rows
        if row.type == "BatchNorm2d"
        for name in ("running_mean", "running_var", "num_batches_tracked")
    }
    buffers |= {row.name for row in ours.rows if row.type == "Buffer"}
    assert buffers == {name for name, _ in model.named_buffers()}
    published = models().MaxVit_T_Weights.IMAGENET1K_V1.meta["num_params"]
    assert ours.totals.params == sum(p.numel() for p in model.parameters()) == published == 30_919_624


def printed(macs: int) -> int:
    """An einsum's MACs as fvcore reads them: numpy's cost (2 x MACs) printed to 4 digits, halved."""
    return math.floor(float(f"{2 * macs:.3e}") / 2)


def test_macs_are_fvcores_operator_by_operator() -> None:
    pytest.importorskip("fvcore", reason="the MACs conformance needs fvcore (pip install fvcore)")
    from fvcore.nn import FlopCountAnalysis

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    model = maxvit_t().to_empty(device="cpu")
    with torch.no_grad():
        for buffer in model.buffers():
            buffer.zero_()  # the gather's indices: any row will do
    analysis = FlopCountAnalysis(model, (torch.zeros(1, 3, 224, 224),))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    ours = report(1)
    types = {row.name: row.type for row in ours.rows}
    counted: dict[str, int] = defaultdict(int)
    for layer in costs(ours).layers:
        if layer.macs:
            operator = OPERATORS[types[layer.name]]
            counted[operator] += printed(layer.macs) if operator == "einsum" else layer.macs
    assert counted == {name: int(count) for name, count in analysis.by_operator().items()}
    total = costs(ours).macs
    assert total is not None and abs(total - analysis.total()) < 1e-6 * total  # fvcore's einsums rounded
