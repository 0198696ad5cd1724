"""specs/pytorch-swin_t.yaml and docs/examples/torchvision/swin_v2_t.yaml against torchvision's own
swin_t and swin_v2_t (torchvision/models/swin_transformer.py), when torchvision imports (its model
definitions are plain Python; its C extension is stubbed out, oracle.import_module):

- row for row (modules.py): every module the model runs, under its path, with each call's output
  shape, and every torch function its forwards call between them, in order, with their shapes and
  keyword arguments (torch.roll's shifts and dims, F.softmax's dim, F.dropout's p); the one thing
  the spec writes otherwise is the shifted-window attention mask, a constant of the sizes that
  torchvision builds anew in each forward and the spec holds as a Buffer (and, in V2, the copy of
  qkv's bias each forward makes to zero its key third: no new shape);
- every parameter and buffer by its path (the keys of state_dict), 28,288,354 and 28,351,570
  parameters, the figures torchvision publishes with their weights;
- MACs as fvcore counts them on the real model.

The model is built on the meta device (shapes without data) for the first two; fvcore traces a
CPU copy whose memory is left as it comes (to_empty), the index buffers zeroed.
"""

from __future__ import annotations

import logging
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
ROOT = Path(__file__).parents[2]
SPEC = ROOT / "specs" / "pytorch-swin_t.yaml"
MASK = ["new_zeros", "view", "permute", "reshape", "unsqueeze", "unsqueeze", "sub", "ne", "masked_fill", "__eq__", "masked_fill"]
"""shifted_window_attention's mask: x.new_zeros((pad_H, pad_W)), filled by slices (__setitem__),
viewed into windows, attn_mask.unsqueeze(1) - attn_mask.unsqueeze(2), then masked_fill twice."""
BIAS = ["clone", "numel", "__getitem__", "zero_"]
"""V2's qkv_bias.clone(), length = qkv_bias.numel() // 3, qkv_bias[length : 2 * length].zero_()."""


class Swin:
    """A spec, the torchvision factory it writes, the calls each attention makes that no row
    stands for (before the mask's), its published weights and fvcore's MACs (batch 1)."""

    def __init__(self, spec: Path, factory: str, bias: list[str], weights: str, params: int, macs: int) -> None:
        self.spec, self.factory, self.bias, self.weights, self.params, self.macs = spec, factory, bias, weights, params, macs

    def __repr__(self) -> str:
        return self.factory


V1 = Swin(SPEC, "swin_t", [], "Swin_T_Weights", 28_288_354, 4_509_232_128)
V2 = Swin(ROOT / "docs/examples/torchvision/swin_v2_t.yaml", "swin_v2_t", BIAS, "Swin_V2_T_Weights", 28_351_570, 4_955_812_608)
BOTH = pytest.mark.parametrize("swin", [V1, V2], ids=repr)


def models() -> Any:
    try:
        return import_module("torchvision.models")
    except Exception as exc:  # any import failure: torchvision is optional
        pytest.skip(f"torchvision does not import here: {exc}")


def model(swin: Swin = V1, device: str = "meta") -> Any:
    with torch.device(device):
        return getattr(models(), swin.factory)().eval()


def report(batch: int | None = 2, text: str | None = None, swin: Swin = V1) -> Report:
    text = swin.spec.read_text() if text is None else text
    return summarize(text.replace("input: [3, 224, 224]\n", f"input: [3, 224, 224]\nbatch: {batch}\n"), str(swin.spec))


def compared(text: str | None = None, swin: Swin = V1) -> tuple[Report, dict[str, Any]]:
    found = trace(model(swin), torch.zeros(2, 3, 224, 224, device="meta"))
    ours = report(2, text, swin)
    return ours, compare(ours, found)


@BOTH
def test_every_row_is_a_module_torchvision_runs_or_a_call_of_its_forwards(swin: Swin) -> None:
    ours, left = compared(swin=swin)
    rows = {row.name: row for row in ours.rows}
    masks = {name.removesuffix(".attn_mask") for name, row in rows.items() if name.endswith(".attn.attn_mask")}
    # stage 4's second block asks for a shift, but its 7 x 7 maps are one window: no roll, no mask
    assert masks == {f"features.{stage}.attn" for stage in ("1.1", "3.1", "5.1", "5.3", "5.5")}
    attentions = {name for name in rows if name.endswith(".attn") or ".attn." in name}
    assert set(left) == (masks if not swin.bias else {name.split(".attn")[0] + ".attn" for name in attentions})
    for scope, calls in left.items():
        assert [call.name for call in calls] == swin.bias + (MASK if scope in masks else []), scope
        if scope in masks:
            assert calls[-1].shape == rows[f"{scope}.attn_mask"].output_shape


def test_the_comparison_sees_a_missing_call_and_a_wrong_shape() -> None:
    text = SPEC.read_text()
    unrolled = text.replace(
        "- Roll((-shift[0], -shift[1]), (1, 2), when=shifted)", "- Roll((-shift[0], -shift[1]), (1, 2), when=False)"
    )
    assert unrolled != text
    _, left = compared(unrolled)
    assert [call.name for call in left["features.1.1.attn"]] == ["roll", *MASK]
    unpermuted = text.replace(
        "- Permute(0, 1, 3, 2, 4, 5)\n      - Reshape(-1, N, dim)", "- Permute(0, 1, 2, 3, 4, 5)\n      - Reshape(-1, N, dim)"
    )
    assert unpermuted != text  # the windows' values in another order: every shape after it is the same
    with pytest.raises(AssertionError, match="no such call left"):
        compared(unpermuted)


@BOTH
def test_parameters_and_buffers_by_path_and_the_published_count(swin: Swin) -> None:
    built = model(swin)
    ours = report(swin=swin)
    parameters = {
        f"{row.name}.{weight.name}" if row.type != "Parameter" else row.name: weight.shape
        for row in ours.rows
        for weight in row.weights
    }
    assert parameters == {name: tuple(p.shape) for name, p in built.named_parameters()}
    persistent = {row.name: row.output_shape for row in ours.rows if row.type == "Buffer" and row.arguments["persistent"]}
    assert persistent == {name: tuple(b.shape) for name, b in built.named_buffers()}
    assert set(built.state_dict()) == set(parameters) | set(persistent)
    published = getattr(models(), swin.weights).IMAGENET1K_V1.meta["num_params"]
    assert ours.totals.params == sum(p.numel() for p in built.parameters()) == published == swin.params


@BOTH
def test_macs_are_fvcores(swin: Swin) -> None:
    """fvcore counts the convolution, every F.linear (qkv and proj included, V2's cpb_mlp over its
    table), the two matmuls of each attention, layer norms and the average pool; roll, pad, slices,
    softmax, GELU, the additions, the mask, and V2's normalize, clamp, exp and sigmoid nothing:
    convcalc's rules give the same total."""
    pytest.importorskip("fvcore", reason="the MACs conformance needs fvcore (pip install fvcore)")
    from fvcore.nn import FlopCountAnalysis

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    built = model(swin).to_empty(device="cpu")
    with torch.no_grad():
        for buffer in built.buffers():
            buffer.zero_()  # the gather's indices: any row will do
    analysis = FlopCountAnalysis(built, (torch.zeros(1, 3, 224, 224),))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    assert set(analysis.by_operator()) == {"conv", "linear", "matmul", "layer_norm", "adaptive_avg_pool2d"}
    assert costs(report(1, swin=swin)).macs == analysis.total() == swin.macs
    # with the batch unknown, per sample: the windows' reshapes fold the batch (B * nW), which
    # counted as one sample would count one window
    assert costs(summarize(swin.spec.read_text(), str(swin.spec))).macs == swin.macs
