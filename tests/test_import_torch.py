"""`convcalc import` of PyTorch modules: what the tracer reads between modules (the real models,
torchvision's, are in tests/conformance/test_import_roundtrip.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch", reason="the PyTorch importer needs torch")

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.sources import Imported, convert

NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, index: str = "x[:, 0]") -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.token = nn.Parameter(torch.zeros(1, 1, 8))

    def forward(self, x):
        n, length, width = x.shape
        torch._assert(width == 8, "the width must be 8")
        x = torch.cat([self.token.expand(n, -1, -1), self.proj(x)], dim=1)
        return INDEX


def net():
    return Net()
"""


def traced(path: Path, source: str, shape: tuple[int, ...], factory: str = "net") -> Imported:
    """`source` saved at `path` and imported through its factory at the input `shape`, read
    without a problem."""
    path.write_text(source)
    result = convert(f"{path}:{factory}", options={"input_shape": shape})
    assert not result.problems, [p.text() for p in result.problems]
    return result


def spec_rows(text: str) -> list[str]:
    """The spec's layer lines, each comment two spaces after its call."""
    return [re.sub(r"\s+#", "  #", line.strip()[2:]) for line in text.splitlines() if line.startswith("  - ")]


def imported(tmp_path: Path, index: str, shape: tuple[int, ...] = (4, 8)) -> list[str]:
    result = traced(tmp_path / "net.py", NET.replace("INDEX", index), shape)
    return [line.split("#")[0].strip()[2:] for line in result.text.splitlines() if line.startswith("  - ")]


def test_a_class_token_an_assertion_and_x_0(tmp_path: Path) -> None:
    """torch._assert on sizes the trace knows is checked and leaves no layer; x[:, 0] is Select."""
    assert imported(tmp_path, "x[:, 0]") == [
        'Parameter((1, 1, 8), name="token")',
        'Expand(shape(input)[0], -1, -1, name="expand")',  # n: the batch, read from the input
        'Linear(8, 8, name="proj", inputs=["input"])',
        'Concat(1, name="cat", inputs=["expand", "proj"])',
        'Select(1, 0, name="getitem_3")',  # torch.fx's name: getitem to getitem_2 unpack x.shape
    ]


def test_an_expand_to_twice_the_batch_is_an_unknown_size(tmp_path: Path) -> None:
    """A few traces cannot tell `2 * n` from every function of n: only the batch itself is read
    from the input; a multiple of it stays an unknown size."""
    path = tmp_path / "twice.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Twice(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.token = nn.Parameter(torch.zeros(1, 8))\n\n"
        "    def forward(self, x):\n        return self.token.expand(2 * x.size(0), -1)\n"
    )
    lines = [line.split("#")[0].strip() for line in convert(f"{path}:Twice", options={"input_shape": (8,)}).text.splitlines()]
    assert '- Expand(None, -1, name="expand")' in lines


def test_an_assertion_the_input_fails_is_the_modules_refusal(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        imported(tmp_path, "x", shape=(4, 6))
    message = caught.value.diagnostic.text()  # ShapeProp runs the assertion before the importer reads it
    assert "CC001 running it on an input of shape (1, 4, 6) failed" in message and "the width must be 8" in message


def test_slices_are_slice_rows(tmp_path: Path) -> None:
    assert imported(tmp_path, "x[..., :2]")[-1] == 'Slice(-1, None, 2, name="getitem_3")'
    assert imported(tmp_path, "x[:, 1:, ::2]")[-2:] == [
        'Slice(1, 1, None, name="getitem_3")',
        'Slice(2, None, None, 2, name="getitem_3_1")',
    ]


def test_other_indexing_names_the_node(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"node 'getitem_3' .*indexing a tensor with \(Ellipsis, None\)"):
        imported(tmp_path, "x[..., None]")  # a new axis after the Ellipsis (x[:, None] is an Unsqueeze)


WINDOWS = """
import torch
import torch.nn.functional as F
from torch import nn


def windows(x, weight, bias, size: int):
    n, h, w, c = x.shape
    pad = (size - w % size) % size
    x = F.pad(x, (0, 0, 0, pad, 0, pad))
    if h + pad > size:  # a branch on sizes: plain torch.fx stops here
        x = torch.roll(x, shifts=(-1, -1), dims=(1, 2))
    mask = x.new_zeros((h + pad, w + pad))
    mask[:size, :size] = 1
    x = F.linear(x, weight, bias) + mask.unsqueeze(-1)
    return x[:, :h, :w, :]


torch.fx.wrap("windows")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.table = nn.Parameter(torch.zeros(9, 8))
        self.register_buffer("index", torch.zeros(4, dtype=torch.long))

    def forward(self, x):
        x = windows(x, self.proj.weight, self.proj.bias, 3)
        return BATCH x + self.table[self.index].view(2, 2, 8).sum((0, 1))


def net():
    return Net()
"""


def windowed(tmp_path: Path, batch: str = "") -> list[str]:
    result = traced(tmp_path / "windows.py", WINDOWS.replace("BATCH", batch), (5, 5, 8))
    assert "# folded: new_zeros, setitem, unsqueeze" in result.text  # the mask's calls, in its comment
    assert any(line.startswith("Constants: a Buffer commented 'folded:'") for line in result.draft.header)
    return [line.split("#")[0].strip()[2:] for line in result.text.splitlines() if line.startswith("  - ")]


def test_a_wrapped_function_is_traced_through_on_its_sizes(tmp_path: Path) -> None:
    """torch.fx.wrap's function traced through, its branch on sizes taken as the input takes it;
    F.linear with a module's weights is that Linear; the mask made from sizes one Buffer; a
    module's buffer a Buffer, indexing a parameter an Index."""
    assert windowed(tmp_path) == [
        'Pad(pad=(0, 0, 0, 1, 0, 1), name="pad")',
        'Roll(shifts=(-1, -1), dims=(1, 2), name="roll")',
        'Linear(8, 8, name="proj")',
        'Buffer((6, 6, 1), persistent=False, name="unsqueeze")',
        'Add(name="add_3", inputs=["proj", "unsqueeze"])',
        'Slice(1, None, 5, name="getitem_4")',
        'Slice(2, None, 5, name="getitem_4_1")',
        'Parameter((9, 8), name="table")',
        'Buffer((4,), dtype="int64", name="index")',
        'Index(name="getitem_5", inputs=["table", "index"])',
        'View(2, 2, 8, name="view")',
        'Sum((0, 1), name="sum_1")',
        'Add(name="add_4", inputs=["getitem_4_1", "sum_1"])',
    ]


def test_a_branch_on_the_batch_is_refused(tmp_path: Path) -> None:
    """Batch 1 alone takes the other branch here, and there computes another call (an Add)."""
    with pytest.raises(
        SpecError,
        match=r"a condition on 'gt\w*', which the trace cannot decide: it depends on the batch size "
        r"\(at batch 1 the module computes other calls\)",
    ):
        windowed(tmp_path, batch="x if x.size(0) > 1 else")
    with pytest.raises(SpecError, match=r"a condition on 'gt\w*', which the trace cannot decide: it depends on the batch size"):
        windowed(tmp_path, batch="x if x.size(0) > 2 else")  # batches 2 and 3 differ


POSITIONS = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.positions = nn.Embedding(16, 8)

    def forward(self, x):
        ids = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
        if x.shape[0] != ids.shape[0]:  # Hugging Face's masks: position ids of shape (1, T), to the batch
            ids = ids.expand(x.shape[0], -1)
        mask = (torch.diff(ids, prepend=ids[:, :1] - 1, dim=-1) != 1).cumsum(-1)  # its packed sequences, from them
        return x + self.positions(ids) * (mask[:, :, None] == 0)


def net():
    return Net()
"""


def test_a_branch_batch_1_alone_takes_to_the_same_calls_is_followed(tmp_path: Path) -> None:
    """`if batch != 1: ids = ids.expand(batch, -1)`: batches 2 and 3 expand, batch 1 does not,
    and the trace at batch 1 alone computes the same calls but that expand to the shape ids
    already has; so the branch batches 2 and 3 take is the module's at every batch. The ids and
    what is computed from them alone (the mask) are constants but for the batch: a Buffer
    expanded to the batch."""
    rows = spec_rows(traced(tmp_path / "positions.py", POSITIONS, (6, 8)).text)
    assert rows == [
        'Buffer((1, 6), persistent=False, dtype="int64", name="unsqueeze")  # folded: arange, unsqueeze',
        'Expand(shape(input)[0], -1, name="expand")  # (None, 6)',
        'Embedding(16, 8, name="positions")  # (None, 6, 8)',
        'Buffer((1, 6, 1), persistent=False, dtype="bool", name="eq")  # folded: arange, unsqueeze, expand, getitem x2, sub, '
        "diff, ne, cumsum, eq",
        'Expand(shape(input)[0], -1, -1, name="eq_expand")  # (None, 6, 1)',
        'Multiply(name="mul", inputs=["positions", "eq_expand"])  # (None, 6, 8)',
        'Add(name="add", inputs=["input", "mul"])  # (None, 6, 8)',
    ]


CONSTANTS_TO_THE_BATCH = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("types", torch.zeros(1, 1, 6))

    def forward(self, x):
        wide = self.types.expand(x.size(0), 4, 6)  # an axis of 1 made 4
        ahead = torch.arange(6, device=x.device).float().expand(3, x.size(0), 6)  # a new leading axis
        return wide, ahead


def net():
    return Net()
"""


def test_an_expand_of_constants_to_the_batch_writes_the_sizes_it_makes(tmp_path: Path) -> None:
    """`buffer.expand(batch, 4, 6)` of a (1, 1, 6) buffer, `t.expand(3, batch, 6)` of a (6,)
    tensor: -1 keeps an axis's size, so an axis the expand makes larger or adds is written as
    its size (torch refuses -1 for a new leading axis). Each output as torch's forward gives it."""
    result = traced(tmp_path / "types.py", CONSTANTS_TO_THE_BATCH, (6,))
    rows = [row.split("  #")[0] for row in spec_rows(result.text) if row.startswith("Expand")]
    assert rows == ['Expand(shape(input)[0], 4, -1, name="expand")', 'Expand(3, shape(input)[0], -1, name="expand_1")']
    for batch in (1, 2, 5):
        real = [tuple(t.shape) for t in _forward(tmp_path / "types.py", batch, 6)]
        assert [row.output_shape for row in summarize(result.text, batch=batch).rows if row.name.startswith("expand")] == real


def _forward(path: Path, batch: int, *shape: int) -> tuple[Any, ...]:
    """The module's own outputs at `batch`: torch, the oracle."""
    import importlib.util

    import torch

    loader = importlib.util.spec_from_file_location(path.stem, path)
    assert loader and loader.loader
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module.net()(torch.zeros(batch, *shape))


def test_a_slice_of_constants_by_the_batch_is_refused(tmp_path: Path) -> None:
    """`self.pe[: x.size(0)]` of a (4, 1, 6) table is (min(batch, 4), 1, 6): the batch itself at
    batches 1 to 3, which the traces see, and 4 at batch 5, which they do not (torch 2.13 gives
    (4, 1, 6) there). A Buffer expanded to the batch would be wrong past 4: refused in a line."""
    path = tmp_path / "table.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.register_buffer('pe', torch.zeros(4, 1, 6))\n\n"
        "    def forward(self, x):\n        return self.pe[: x.size(0)] * 2\n\n\ndef net():\n    return Net()\n"
    )
    with pytest.raises(SpecError, match=r"a slice whose bound is the batch's size, of constants"):
        convert(f"{path}:net", options={"input_shape": (1, 6)})


@pytest.mark.parametrize(("returned", "shape"), [("x + self.pe[: x.size(0)]", (1, 6)), ("x[:, : x.size(0)]", (4, 6))])
def test_a_slice_of_other_sizes_by_the_batch_is_refused(tmp_path: Path, returned: str, shape: tuple[int, ...]) -> None:
    """A slice whose bound is the batch, of a learned (4, 1, 6) table or along an axis that is
    not the batch's: the batch, unknown, was read as no bound and the slice dropped (the table's
    4 rows at batch 1, where torch 2.13 gives 1). Refused in a line; `x[: x.size(0)]`, the
    batch's own axis, whole at every batch, stays the tensor itself."""
    path = tmp_path / "table.py"
    source = (
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.pe = nn.Parameter(torch.zeros(4, 1, 6))\n\n"
        "    def forward(self, x):\n        return RETURNED\n\n\ndef net():\n    return Net()\n"
    )
    path.write_text(source.replace("RETURNED", returned))
    with pytest.raises(SpecError, match=r"a slice whose bound is the batch's size"):
        convert(f"{path}:net", options={"input_shape": shape})
    rows = spec_rows(traced(path, source.replace("RETURNED", "x[: x.size(0)] * 2"), shape).text)
    assert rows == [f'Multiply(2, name="mul")  # (None, {shape[0]}, {shape[1]})']


def test_len_and_loops_over_sizes_are_followed(tmp_path: Path) -> None:
    """len(x.shape) and a loop over sizes are decided by the trace, as the input's shape has them."""
    rows = imported(tmp_path, "x.flatten(1) * sum(1 for _ in x.shape[1:]) if len(x.shape) == 3 else x")
    assert rows[-2:] == ['Flatten(1, name="flatten")', 'Multiply(2, name="mul")']


PARTS = """
import torch
import torch.nn.functional as F
from torch import nn


class Conv(nn.Conv2d):  # another constructor, nn.Conv2d's forward
    def __init__(self, channels):
        super().__init__(channels, channels, 3, padding=1, bias=False)


def with_rank(x):
    return x, x.dim()


torch.fx.wrap("with_rank")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        widths = torch.tensor([4.0, 8.0]).round().int().tolist()  # values: not on the meta device
        self.conv = Conv(widths[0])
        self.head = nn.Conv2d(widths[0], widths[1], 1)

    def forward(self, x, mask=None, flip=False):  # arguments after the input traced at their defaults
        if mask is not None or flip:
            x = x.flip(1)
        x, rank = with_rank(self.conv(x))
        x = F.max_pool2d(x, 3, 2, 1, 1, True)  # kernel_size, stride, padding, dilation, ceil_mode
        return {"out": self.head(x), "last": x.split(2, 1)[-1]}


def net():
    return Net()
"""


def test_what_the_sweep_of_real_models_found(tmp_path: Path) -> None:
    """Found importing real models (torchvision's RegNet, Inception-v3, video ResNets, MViT and
    segmentation models): a constructor that reads a tensor's values is built on the CPU; a
    subclass of nn.Conv2d that keeps its forward is a Conv2d; F.max_pool2d (torch's
    `(*args, **kwargs)` dispatcher) has its arguments named as max_pool2d's; a torch.fx.wrap'd
    function may return a tuple; a dict of outputs gives its tensors, in order; the last of a
    split's pieces, [-1], is written as a spec reads it (Res2Net); the forward's arguments
    after the input are traced at their defaults (timm's ViT: `attn_mask=None`)."""
    result = traced(tmp_path / "parts.py", PARTS, (4, 9, 9))
    rows = spec_rows(result.text)
    assert rows == [
        'Conv2d(4, 4, 3, padding=1, bias=False, name="conv")  # (None, 4, 9, 9), a Conv, read as the nn.Conv2d it subclasses',
        'MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True, name="max_pool2d")  # (None, 4, 5, 5)',
        'Conv2d(4, 8, 1, name="head")  # (None, 8, 5, 5)',
        'Split(2, 1, name="split", inputs=["max_pool2d"])  # (None, 2, 5, 5), (None, 2, 5, 5)',
    ]
    assert 'outputs: ["head", "split[1]"]' in result.text  # [-1]: a spec counts from 0


NORMS = """
import math

import torch
import torch.nn.functional as F
from torch import nn


class BatchNormAct(nn.BatchNorm2d):  # timm's BatchNormAct2d: F.batch_norm, then its activation
    def __init__(self, channels):
        super().__init__(channels, eps=1e-3)
        self.act = nn.ReLU()

    def forward(self, x):
        torch._assert(x.ndim == 4, "expected a 4-D input")
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        return self.act(x)


class LayerNorm2d(nn.LayerNorm):  # timm's: channels last around F.layer_norm
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


class GroupNorm1(nn.GroupNorm):  # timm's PoolFormer norm
    def __init__(self, channels):
        super().__init__(1, channels)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)


class Conv2dSame(nn.Conv2d):  # timm's: "same" padding worked out from the sizes, then F.conv2d unpadded
    def forward(self, x):
        height = x.shape[-1]
        pad = max((math.ceil(height / self.stride[0]) - 1) * self.stride[0] + self.kernel_size[0] - height, 0)
        x = F.pad(x, [pad // 2, pad - pad // 2, pad // 2, pad - pad // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)


def net():
    return nn.Sequential(BatchNormAct(4), LayerNorm2d(4), GroupNorm1(4), Conv2dSame(4, 8, 3, stride=2, bias=False))
"""


def test_a_subclass_calling_its_function_with_its_weights_is_that_layer(tmp_path: Path) -> None:
    """timm's norms subclass torch.nn's and call F.batch_norm, F.layer_norm, F.group_norm with
    their own weights: each is its module's norm (its arguments read from it, its weights
    counted, no Parameter or Buffer rows); Conv2dSame's F.conv2d a Conv2d of the call's own
    arguments, its padding from math.ceil of sizes; x.ndim a value; the input taken first with
    parameters by a function is still the input, its batch unknown."""
    result = traced(tmp_path / "norms.py", NORMS, (4, 5, 5))
    rows = spec_rows(result.text)
    assert rows == [
        'BatchNorm2d(4, eps=0.001, name="0")  # (None, 4, 5, 5), F.batch_norm in the forward of a BatchNormAct',
        'ReLU(name="0_act")  # (None, 4, 5, 5)',
        'Permute(0, 2, 3, 1, name="permute")  # (None, 5, 5, 4)',
        'LayerNorm((4,), name="1")  # (None, 5, 5, 4), F.layer_norm in the forward of a LayerNorm2d',
        'Permute(0, 3, 1, 2, name="permute_1")  # (None, 4, 5, 5)',
        'GroupNorm(1, 4, name="2")  # (None, 4, 5, 5), F.group_norm in the forward of a GroupNorm1',
        'Pad(pad=(1, 1, 1, 1), name="pad")  # (None, 4, 7, 7)',
        'Conv2d(4, 8, 3, stride=2, bias=False, name="3")  # (None, 8, 3, 3)',
    ]
    assert summarize(result.text, "norms.yaml").totals.params == 3 * 8 + 8 * 4 * 9


def test_reshape_as_and_view_as_are_the_sizes_torch_worked_out(tmp_path: Path) -> None:
    """LeViT's `bn(x.flatten(0, 1)).reshape_as(x)`: a Reshape to the other tensor's sizes, the batch's unknown."""
    path = tmp_path / "as.py"
    path.write_text(
        "from torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(6, 6)\n\n    def forward(self, x):\n"
        "        return self.fc(x.flatten(0, 1)).reshape_as(x).view_as(x)\n"
    )
    result = convert(f"{path}:Net", options={"input_shape": (4, 6)})
    assert not result.problems, [p.text() for p in result.problems]
    rows = [line.split("#")[0].strip()[2:] for line in result.text.splitlines() if line.startswith("  - ")]
    assert rows[-2:] == ['Reshape(-1, 4, 6, name="reshape_as")', 'View(-1, 4, 6, name="view_as")']


def test_unbind_is_a_select_for_each_piece(tmp_path: Path) -> None:
    """timm's attention, `q, k, v = qkv.reshape(B, N, 3, C).permute(2, 0, 1, 3).unbind(0)`."""
    path = tmp_path / "unbind.py"
    path.write_text(
        "from torch import nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        q, k, v = x.reshape(x.shape[0], 4, 3, 2).permute(2, 0, 1, 3).unbind(0)\n        return q * k + v\n"
    )
    result = convert(f"{path}:Net", options={"input_shape": (4, 6)})
    assert not result.problems, [p.text() for p in result.problems]
    rows = [line.split("#")[0].strip()[2:] for line in result.text.splitlines() if line.startswith("  - ")]
    assert rows[2:] == [
        'Select(0, 0, name="unbind")',
        'Select(0, 1, name="unbind_1", inputs=["permute"])',
        'Select(0, 2, name="unbind_2", inputs=["permute"])',
        'Multiply(name="mul", inputs=["unbind", "unbind_1"])',
        'Add(name="add", inputs=["mul", "unbind_2"])',
    ]
    assert summarize(result.text, "unbind.yaml", batch=3).output_shape == (3, 4, 2)


def test_a_block_parameter_of_a_sequentials_layer_is_a_name(tmp_path: Path) -> None:
    """S3D's TemporalSeparableConv, an nn.Sequential whose convolutions' kernels differ between
    its instances: the second kernel's parameter is named after its layer, `kernel_size_2`
    (`2_kernel_size` is no name)."""
    path = tmp_path / "seq.py"
    path.write_text(
        "from torch import nn\n\n\nclass Separable(nn.Sequential):\n    def __init__(self, k, j):\n"
        "        super().__init__(nn.Conv2d(4, 4, k, padding=k // 2), nn.ReLU(), nn.Conv2d(4, 4, j, padding=j // 2))\n\n\n"
        "def net():\n    return nn.Sequential(Separable(3, 1), Separable(5, 3))\n"
    )
    result = convert(f"{path}:net", options={"input_shape": (4, 8, 8)})
    assert not result.problems and result.computed, [p.text() for p in result.problems]
    assert "kernel_size_2" in result.text and "2_kernel_size" not in result.text


REPEATS = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.spatial = nn.Parameter(torch.zeros(4, 8))  # MViT's positional encoding: tiled, interleaved
        self.temporal = nn.Parameter(torch.zeros(2, 8))

    def forward(self, x):
        position = torch.tile(self.spatial, (2, 1)) + torch.repeat_interleave(self.temporal, 4, dim=0)
        x = x + position
        a = x.repeat(1, 2, 1)
        b = x.tile(2, 1)
        c = x.repeat_interleave(2, dim=1, output_size=16)
        return torch.cat([a, b, c], dim=-1), x.repeat_interleave(3), x.repeat(3, 1, 1, 1)


def net():
    return Net()
"""


def test_repeat_tile_and_repeat_interleave_import_with_torchs_shapes(tmp_path: Path) -> None:
    """Each call is its stand-in with the arguments as written (the shapes in the comments are the
    ones torch's trace recorded; the importer checks convcalc's against them)."""
    result = traced(tmp_path / "repeats.py", REPEATS, (8, 8))
    lines = [line.strip()[2:] for line in result.text.splitlines() if re.match(r"  - (Repeat|Tile)", line)]
    assert [re.sub(r"\s+#", "  #", line) for line in lines] == [
        'Tile((2, 1), name="tile")  # (8, 8)',
        'RepeatInterleave(4, dim=0, name="repeat_interleave")  # (8, 8)',
        'Repeat(1, 2, 1, name="repeat")  # (None, 16, 8)',
        'Tile(2, 1, name="tile_1", inputs=["add_1"])  # (None, 16, 8)',
        'RepeatInterleave(2, dim=1, output_size=16, name="repeat_interleave_1", inputs=["add_1"])  # (None, 16, 8)',
        'RepeatInterleave(3, name="repeat_interleave_2", inputs=["add_1"])  # (None,)',
        'Repeat(3, 1, 1, 1, name="repeat_1", inputs=["add_1"])  # (3, None, 8, 8)',
    ]
    shapes = [row.output_shape for row in summarize(result.text).rows if row.type == "RepeatInterleave"]
    assert shapes == [(8, 8), (None, 16, 8), (None,)]


def test_a_tensor_of_repeats_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "counts.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Counts(nn.Module):\n"
        "    def forward(self, x):\n        return torch.repeat_interleave(x, torch.tensor([1, 2, 3, 2]), dim=1)\n"
    )
    with pytest.raises(SpecError, match="a tensor of repeats: its output's size depends on their values"):
        convert(f"{path}:Counts", options={"input_shape": (4,)})


BATCH_REPEATS = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, 8))
        self.mask = nn.Parameter(torch.zeros(2, 8))

    def forward(self, x):
        n = x.shape[0]
        tokens = torch.cat([self.token.repeat(n, 1, 1), x], dim=1)
        masks = torch.tile(self.mask, (n, 1, 1))
        return tokens, masks, x.repeat(1, x.size(1), 1)


def net():
    return Net()
"""


def test_a_repeat_by_the_batch_reads_it_from_the_input(tmp_path: Path) -> None:
    """`token.repeat(x.shape[0], 1, 1)` (a class token per sample): the count the traces show is
    the batch is written `shape(input)[0]`, so the spec runs at any batch; a count from a known
    size is a number."""
    result = traced(tmp_path / "tokens.py", BATCH_REPEATS, (4, 8))
    rows = [line.strip()[2:] for line in result.text.splitlines() if re.match(r"  - (Repeat|Tile)", line)]
    lines = [re.sub(r"\s+#", "  #", line) for line in rows]
    assert lines == [
        'Repeat(shape(input)[0], 1, 1, name="repeat")  # (None, 1, 8)',
        'Tile(shape(input)[0], 1, 1, name="tile")  # (None, 2, 8)',
        'Repeat(1, 4, 1, name="repeat_1", inputs=["input"])  # (None, 16, 8)',
    ]
    for batch in (None, 3):
        shapes = {row.name: row.output_shape for row in summarize(result.text, batch=batch).rows}
        assert (shapes["cat"], shapes["tile"]) == ((batch, 5, 8), (batch, 2, 8))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("self.token.repeat(2 * x.shape[0], 1, 1)", r"repeats \(None, 1, 1\): an axis repeated a number of times computed"),
        ("x.repeat(x.shape[0], 1, 1)", r"repeats \(None, 1, 1\): the batch's axis repeated a number of times computed"),
    ],
)
def test_a_repeat_by_another_count_from_the_batch_is_refused(tmp_path: Path, call: str, message: str) -> None:
    """A few traces (batches 1 to 3) cannot tell `2 * n` from every function of n; a batch repeated by the
    batch is its square: neither is a size a spec can write."""
    path = tmp_path / "counts.py"
    path.write_text(BATCH_REPEATS.replace("x.repeat(1, x.size(1), 1)", call))
    with pytest.raises(SpecError, match=message):
        convert(f"{path}:net", options={"input_shape": (4, 8)})


IN_PLACE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.temporal = nn.Parameter(torch.zeros(2, 8))  # MViT's positional encoding, summed in place
        self.spatial = nn.Parameter(torch.zeros(4, 8))
        self.proj = nn.Linear(8, 8)

    def forward(self, x):
        position = torch.repeat_interleave(self.temporal, 4, dim=0)
        position.add_(self.spatial.unsqueeze(0).expand(2, -1, -1).reshape(-1, 8))
        x = self.proj(x)
        x.add_(position)
        x.relu_()
        token, rest = torch.tensor_split(x, indices=(1,), dim=1)  # MViT parts its class token so
        return torch.cat([token, rest], dim=1), *x.tensor_split(5, dim=-1)


def net():
    return Net()
"""


def in_place_imported(tmp_path: Path) -> Imported:
    """IN_PLACE's network imported at (8, 8), read without a problem."""
    result = traced(tmp_path / "in_place.py", IN_PLACE, (8, 8))
    return result


def test_a_change_in_place_is_read_by_every_later_use(tmp_path: Path) -> None:
    """`position.add_(...)`, `x.add_(position)`, `x.relu_()`: torch.fx's later nodes take the
    tensor changed (`position`, `x`), not the call's result: each call is its layer, and what
    reads the tensor after it reads that layer (the positional sum reaches the output)."""
    result = in_place_imported(tmp_path)
    lines = [re.sub(r"\s+#.*", "", line.strip()[2:]) for line in result.text.splitlines() if re.match(r"  - (Add|ReLU)", line)]
    assert lines == [
        'Add(name="add_", inputs=["repeat_interleave", "reshape"])',
        'Add(name="add__1", inputs=["proj", "add_"])',
        'ReLU(name="relu_")',
    ]
    report = summarize(result.text, batch=3)
    assert report.totals.params == 2 * 8 + 4 * 8 + 8 * 8 + 8
    assert {row.name: row.output_shape for row in report.rows}["cat"] == (3, 8, 8)


def test_tensor_split_is_the_split_of_its_pieces(tmp_path: Path) -> None:
    """torch.tensor_split by indices or into sections: the `Split` of the sizes they make (eight
    into five: 2, 2, 2, 1, 1, pieces torch.split makes of no one size)."""
    result = in_place_imported(tmp_path)
    lines = [re.sub(r"\s+#", "  #", line.strip()[2:]) for line in result.text.splitlines() if re.match(r"  - Split", line)]
    assert lines == [
        'Split((1, 7), 1, name="tensor_split")  # (None, 1, 8), (None, 7, 8)',
        'Split((2, 2, 2, 1, 1), -1, name="tensor_split_1", inputs=["relu_"])  # '
        + ", ".join(["(None, 8, 2)"] * 3 + ["(None, 8, 1)"] * 2),
    ]


BIASES = """
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention_biases = nn.Parameter(torch.zeros(2, 3))  # timm's LeViT: a learned table
        self.register_buffer("attention_bias_idxs", torch.zeros(4, 4, dtype=torch.long), persistent=False)
        self.cache = {}

    def biases(self, device):
        key = str(device)  # a cache per device, as timm keeps one in eval mode
        if key not in self.cache:
            self.cache[key] = self.attention_biases[:, self.attention_bias_idxs]
        return self.cache[key]

    def forward(self, x):
        return (x @ x.transpose(-2, -1)) + self.biases(x.device)


def net():
    return Attention()
"""


def test_a_table_gathered_by_a_buffer_is_an_index_along_its_dim(tmp_path: Path) -> None:
    """`attention_biases[:, attention_bias_idxs]` (LeViT, EfficientFormer): `Index(dim=1)` of the
    table and the buffer, (heads, N, N); `x.device` is read for a cache's key, no row."""
    result = traced(tmp_path / "biases.py", BIASES, (2, 4, 5))
    assert 'Index(dim=1, name="getitem", inputs=["attention_biases", "attention_bias_idxs"])' in result.text
    report = summarize(result.text, batch=3)
    assert (report.output_shape, report.totals.params) == ((3, 2, 4, 4), 6)


def test_a_tensor_index_beside_other_indices_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "biases.py"
    path.write_text(BIASES.replace("[:, self.attention_bias_idxs]", "[1:, self.attention_bias_idxs]"))
    with pytest.raises(SpecError, match=r"indexing with a tensor beside other indices \(convcalc reads one tensor index"):
        convert(f"{path}:net", options={"input_shape": (2, 4, 5)})


def test_an_imported_module_is_checked_in_the_eval_mode_it_was_traced_in(tmp_path: Path) -> None:
    """DeepLabV3's image pooling: a BatchNorm2d on (N, 256, 1, 1). The module was traced after
    model.eval(), where torch runs it at batch 1 on its running statistics: the spec says
    `mode: eval` and takes `--batch 1`; written by hand (training mode) it refuses, as torch does."""
    path = tmp_path / "pooling.py"
    path.write_text(
        "from torch import nn\n\n\ndef net():\n"
        "    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(3, 8, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())\n"
    )
    result = convert(f"{path}:net", options={"input_shape": (3, 8, 8)})
    assert "\nmode: eval\n" in result.text
    assert summarize(result.text, batch=1).output_shape == (1, 8, 1, 1)
    with pytest.raises(SpecError, match="more than one value per channel to normalize when training"):
        summarize(result.text.replace("\nmode: eval\n", "\n"), batch=1)


def test_new_axes_an_int_of_a_size_and_an_assignment_into_a_tensor(tmp_path: Path) -> None:
    """MViT-V2's `rel_h_q[:, :, None]` is an Unsqueeze and its `int(2 * max(q_h, k_h) - 1)` of
    sizes read from a shape a number; its `attn[:, :, 1:, 1:] += rel_pos` is refused in a line."""
    path = tmp_path / "axes.py"
    path.write_text(
        "from torch import nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        half = int(x.shape[2] / 2)\n        return x[:, None, :, :half]\n"
    )
    result = convert(f"{path}:Net", options={"input_shape": (3, 8)})
    assert [line.strip()[2:].split("  #")[0].strip() for line in result.text.splitlines() if line.startswith("  - ")] == [
        'Unsqueeze(1, name="getitem_1")',
        'Slice(3, None, 4, name="getitem_1_1")',
    ]
    assert summarize(result.text, batch=2).output_shape == (2, 1, 3, 4)
    assigned = tmp_path / "assigned.py"
    assigned.write_text(path.read_text().replace("return x[:, None, :, :half]", "x[:, 1:] += 1\n        return x"))
    rows = spec_rows(convert(f"{assigned}:Net", options={"input_shape": (3, 8)}).text)
    assert [row.split("  #")[0] for row in rows[-3:]] == [  # a number added into a slice: x plus the change, padded
        'Subtract(name="setitem_change", inputs=["add", "getitem_1"])',
        'Pad((0, 0, 1, 0), name="setitem_pad")',
        'Add(name="setitem", inputs=["input", "setitem_pad"])',
    ]


SLICED = """
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rel = nn.Linear(4, 4)

    def forward(self, x):  # (n, 5, 4): a class token, then 4 positions
        attn = x @ x.transpose(-2, -1)
        attn[:, 1:, 1:] += self.rel(x[:, 1:])  # MViT-V2's relative positions, added past the token
        return attn.softmax(-1)


def net():
    return Attention()
"""


def test_an_addition_into_a_slice_is_a_pad_and_an_add(tmp_path: Path) -> None:
    """`attn[:, 1:, 1:] += rel` (fx: a slice, an add, a setitem) is attn plus rel padded with zeros
    to attn's shape; the softmax after it reads the sum, as torch's later reads of attn do."""
    result = traced(tmp_path / "sliced.py", SLICED, (5, 4))
    lines = spec_rows(result.text)
    assert lines[-3:] == [
        'Pad((1, 0, 1, 0), name="setitem_pad")  # (None, 5, 5)',  # rel's output: the layer before it
        'Add(name="setitem", inputs=["matmul", "setitem_pad"])  # (None, 5, 5)',
        'Softmax(-1, name="softmax")  # (None, 5, 5)',
    ]
    assert summarize(result.text, batch=3).output_shape == (3, 5, 5)


ASSIGNED = """
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token
        self.rel_h = nn.Parameter(torch.zeros(2, 2, 8))

    def forward(self, x):  # (n, 2, token + 4, 8): heads, a class token or not, 2 x 2 positions
        attn = x @ x.transpose(-2, -1)
        n, t = x.shape[0], self.token
        rel = torch.einsum("byhwc,hkc->byhwk", x[:, :, t:].reshape(n, 2, 2, 2, 8), self.rel_h)
        attn[:, :, t:, t:] = (attn[:, :, t:, t:].view(n, -1, 2, 2, 2, 2) + rel.unsqueeze(-1)).view(n, -1, 4, 4)
        return attn.softmax(-1)


def net(token=1):
    return Attention(token)


def whole():
    return Attention(0)
"""


@pytest.mark.parametrize("factory", ["net", "whole"])
def test_an_assignment_of_what_a_slice_becomes_is_its_change_padded(tmp_path: Path, factory: str) -> None:
    """timm's MViT-V2: `attn[:, :, t:, t:] = (attn[:, :, t:, t:].view(...) + rel).view(...)` is attn
    plus the change, the new value less the slice, padded with zeros to attn's shape (a Subtract,
    a Pad and an Add); with no class token every position is replaced and attn is the new value.
    The softmax after it reads the result, at any batch, as torch's later reads of attn do."""
    shape = (2, 5 if factory == "net" else 4, 8)
    result = traced(tmp_path / "assigned.py", ASSIGNED, shape, factory)
    rows = spec_rows(result.text)
    if factory == "net":
        assert rows[-4:] == [
            'Subtract(name="setitem_change", inputs=["view_1", "getitem_2_1"])  # (None, 2, 4, 4)',
            'Pad((1, 0, 1, 0), name="setitem_pad")  # (None, 2, 5, 5)',
            'Add(name="setitem", inputs=["matmul", "setitem_pad"])  # (None, 2, 5, 5)',
            'Softmax(-1, name="softmax")  # (None, 2, 5, 5)',
        ]
    else:
        assert rows[-2:] == [
            'View(-1, 2, 4, 4, name="view_1")  # (None, 2, 4, 4)',
            'Softmax(-1, name="softmax")  # (None, 2, 4, 4)',
        ]
        assert not any("setitem" in row for row in rows)
    namespace: dict[str, Any] = {}
    exec(ASSIGNED, namespace)
    torch = namespace["torch"]
    expected = namespace[factory]()(torch.zeros(3, *shape)).shape
    assert summarize(result.text, batch=3).output_shape == tuple(expected)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("attn[:, 1:, 1:] = self.rel(x[:, 1:])", r"node 'setitem' .*an assignment into a slice .* or one that does not read it"),
        ("attn[:, ::2, 1:] += self.rel(x[:, ::2])", r"node 'setitem' .*an addition into a slice .* cannot write as a Pad"),
        ("attn[:, 1:, 1:] += self.rel(x[:, :1])", r"node 'setitem' .*an addition into a slice .* cannot write as a Pad"),
    ],
)
def test_other_assignments_into_part_of_a_tensor_are_refused(tmp_path: Path, assignment: str, message: str) -> None:
    """A plain assignment, a slice with a step, a value broadcast to the slice: no Pad and Add
    writes them, each refused in a line that names the node."""
    path = tmp_path / "sliced.py"
    path.write_text(SLICED.replace("attn[:, 1:, 1:] += self.rel(x[:, 1:])", assignment))
    with pytest.raises(SpecError, match=message):
        convert(f"{path}:net", options={"input_shape": (5, 4)})


SHARED = """
import torch
from torch import nn
from torch.nn import functional as F


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.proj = nn.Conv1d(8, 8, 1)
        self.register_buffer("blur", torch.ones(8, 1, 3) / 3)

    def forward(self, x):  # (n, 8, 4)
        grid = torch.zeros(4, device=self.proj.weight.device, dtype=self.proj.weight.dtype)  # XCiT asks so
        x = self.proj(x) + grid
        x = self.fc(torch.relu(self.fc(x.transpose(1, 2))))  # one module called twice (CoaT's shared encodings)
        return BLUR


def net():
    return Net()
"""


def test_a_module_called_twice_counts_its_weights_once(tmp_path: Path) -> None:
    """The second call of `fc` shares the first's weights (torch counts a module's parameters
    once); `proj.weight`, asked only for its device and dtype, is no Parameter row beside the
    Conv1d that counts it: 8 * 8 + 8 twice, not four times."""
    result = traced(tmp_path / "shared.py", SHARED.replace("BLUR", "x"), (8, 4))
    rows = [re.sub(r"\s+#.*", "", line.strip()[2:]) for line in result.text.splitlines() if line.startswith("  - ")]
    assert [row for row in rows if row.startswith(("Linear", "Conv1d", "Parameter"))] == [
        'Conv1d(8, 8, 1, name="proj")',
        'Linear(8, 8, name="fc")',
        'Linear(8, 8, name="fc_1", shares="fc")',
    ]
    assert summarize(result.text).totals.params == 2 * (8 * 8 + 8)


def test_a_convolution_with_a_buffer_for_weights_is_refused(tmp_path: Path) -> None:
    """`F.conv1d(x, self.blur, groups=8)` (TResNet's anti-aliasing, timm's blur pooling): a
    fixed filter torch does not count, which a Conv1d row would count as parameters."""
    path = tmp_path / "shared.py"
    path.write_text(SHARED.replace("BLUR", "F.conv1d(x.transpose(1, 2), self.blur, padding=1, groups=8)"))
    with pytest.raises(SpecError, match=r"F.conv1d with the buffer 'blur' as its weights \(a fixed filter, not parameters\)"):
        convert(f"{path}:net", options={"input_shape": (8, 4)})


CALLS = """
import torch
from torch import nn
from torch.nn import functional as F


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.context = nn.Linear(4, 1)

    def forward(self, x):  # (n, 8, 4)
        weights = self.context(x)  # (n, 8, 1)
        spread = weights.expand_as(x)  # MobileViT-V2's context vector, to the input's shape
        spread = torch.addcmul(x, spread, x.norm(p=2, dim=1, keepdim=True), value=0.5)  # ConvNeXt-V2's GRN
        both = torch.stack([x, spread], dim=-1)  # SKNet's branches: (n, 8, 4, 2)
        patches = F.unfold(x.unsqueeze(1), kernel_size=2)  # (n, 4, 21)
        return both, F.fold(patches, output_size=(8, 4), kernel_size=2)  # VOLO's outlook attention folds back


def net():
    return Net()
"""


def test_expand_as_norm_addcmul_stack_and_the_functional_fold(tmp_path: Path) -> None:
    """`expand_as` is the Expand to the sizes torch worked out (the batch read from the input);
    `x.norm` the Norm reduction; torch.addcmul a Multiply of its two tensors (and of its value)
    and an Add; torch.stack the Concat of its tensors unsqueezed at dim; F.fold and F.unfold the
    nn.Fold and nn.Unfold of the same arguments."""
    result = traced(tmp_path / "calls.py", CALLS, (8, 4))
    rows = spec_rows(result.text)
    assert rows[1:] == [
        'Expand(shape(input)[0], 8, 4, name="expand_as")  # (None, 8, 4)',
        'Norm(p=2, dim=1, keepdim=True, name="norm", inputs=["input"])  # (None, 1, 4)',
        'Multiply(name="addcmul_mul", inputs=["expand_as", "norm"])',
        'Multiply(0.5, name="addcmul_scale")',
        'Add(name="addcmul", inputs=["input", "addcmul_scale"])  # (None, 8, 4)',
        'Unsqueeze(3, name="stack_unsqueeze", inputs=["input"])  # (None, 8, 4, 1)',
        'Unsqueeze(3, name="stack_unsqueeze_1", inputs=["addcmul"])  # (None, 8, 4, 1)',
        'Concat(3, name="stack", inputs=["stack_unsqueeze", "stack_unsqueeze_1"])  # (None, 8, 4, 2)',
        'Unsqueeze(1, name="unsqueeze", inputs=["input"])  # (None, 1, 8, 4)',
        'Unfold(2, name="unfold")  # (None, 4, 21)',
        'Fold((8, 4), 2, name="fold")  # (None, 1, 8, 4)',
    ]
    shapes = {row.name: row.output_shape for row in summarize(result.text, batch=3).rows}
    assert (shapes["stack"], shapes["fold"]) == ((3, 8, 4, 2), (3, 1, 8, 4))


LIKE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.scale = nn.Parameter(torch.ones(8))

    def forward(self, x):  # (n, 4, 8)
        start = self.fc(torch.ones_like(x))  # a constant as large as the input, at any batch
        mask = torch.full_like(x, True, dtype=torch.bool)
        fixed = torch.zeros_like(self.scale)  # of a parameter: a constant of its shape
        return start + torch.zeros_like(x) * mask + fixed


def net():
    return Net()
"""


def test_a_tensor_made_like_the_input_is_as_large_as_the_input(tmp_path: Path) -> None:
    """torch.zeros_like / ones_like / full_like of a tensor computed from the input is a FullLike
    of it, whose batch is the input's: folded into a Buffer, it was the traced batch of 1 at
    every --batch (the model's output at batch 3 was (1, 4, 8)); of a parameter it stays a Buffer."""
    result = traced(tmp_path / "like.py", LIKE, (4, 8))
    rows = spec_rows(result.text)
    assert rows[:2] == ['FullLike(1, name="ones_like")  # (None, 4, 8)', 'Linear(8, 8, name="fc")  # (None, 4, 8)']
    assert 'FullLike(True, name="full_like", inputs=["input"])  # (None, 4, 8)' in rows
    assert 'FullLike(0, name="zeros_like_1", inputs=["input"])  # (None, 4, 8)' in rows
    assert 'Buffer((8,), persistent=False, name="zeros_like")  # folded: zeros_like' in rows
    namespace: dict[str, object] = {}
    exec(LIKE, namespace)
    torch = namespace["torch"]
    expected = namespace["net"]()(torch.zeros(3, 4, 8)).shape  # type: ignore[attr-defined,operator]
    assert summarize(result.text, batch=3).output_shape == tuple(expected) == (3, 4, 8)


def test_an_empty_tensor_like_the_input_is_refused(tmp_path: Path) -> None:
    """torch.empty_like of a tensor from the input: its values are whatever memory held, which no
    stand-in says; one line, not a Buffer of the traced batch."""
    (tmp_path / "empty.py").write_text(LIKE.replace("torch.ones_like(x)", "torch.empty_like(x)"))
    with pytest.raises(SpecError, match="'empty_like' is a call convcalc does not map to a layer"):
        convert(f"{tmp_path / 'empty.py'}:net", options={"input_shape": (4, 8)})


TIED = """
import torch
from torch import nn
from torch.nn import functional as F


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        width = int(torch.tensor([8]).tolist()[0]) if CPU else 8  # a value read: built on the CPU
        self.fc = nn.Linear(8, width)
        self.pos = nn.Embedding(4, 8)
        self.other = nn.Linear(8, 8)
        TIE

    def forward(self, x):  # (n, 8)
        return FORWARD


def net():
    return Net()
"""


@pytest.mark.parametrize(
    ("tie", "forward", "cpu"),
    [
        ("self.other.weight, self.other.bias = self.fc.weight, self.fc.bias", "self.other(self.fc(x))", False),
        ("self.other.weight, self.other.bias = self.fc.weight, self.fc.bias", "self.other(self.fc(x))", True),
        ("", "x @ self.fc.weight + self.fc(x)", False),  # a Parameter row first, then the Linear
        ("", "self.fc(x) + self.fc.bias", False),
        ("", "self.fc(x).unsqueeze(1) + F.linear(self.pos.weight, self.fc.weight)", False),  # pos is F.linear's input
        ("", "self.fc(x) @ self.other.weight + x @ self.other.weight", False),  # one Parameter row, no layer shares it
    ],
)
def test_a_tensor_read_by_several_rows_is_counted_once(tmp_path: Path, tie: str, forward: str, cpu: bool) -> None:
    """torch counts each parameter tensor once, whichever modules hold it (weights tied by
    assignment, also in a module built on the CPU, whose move to the meta device unties them)
    and whichever calls read it: the later row shares the first's (fails before: 144, 144, 136, 80)."""
    source = TIED.replace("TIE", tie or "pass").replace("FORWARD", forward).replace("CPU", str(cpu))
    result = traced(tmp_path / "tied.py", source, (8,))
    used = 8 * 8 + 8 + (4 * 8 if "pos" in forward else 0) + (8 * 8 if "@ self.other" in forward else 0)
    assert summarize(result.text).totals.params == used
    shared = [line.split("(")[0].strip(" -") for line in result.text.splitlines() if "shares=" in line]
    assert shared == ([] if "@ self.other" in forward else [shared[0]]) and "Matmul" not in shared


@pytest.mark.parametrize(
    ("tie", "forward", "message"),
    [
        ("self.other.weight = self.fc.weight", "self.other(self.fc(x))", r"node 'other' .*weights shared in part with 'fc'"),
        ("", "F.linear(self.fc(x), self.fc.weight, self.other.bias) + self.other(x)", r"node 'linear' .*in part with 'fc'"),
    ],
)
def test_weights_shared_in_part_are_refused(tmp_path: Path, tie: str, forward: str, message: str) -> None:
    """A Linear whose weight is another's and whose bias is its own: `shares` marks every weight
    of a shape the other layer has (engine._shared), which would leave the bias uncounted
    (fails before: counted twice, 144 and 216 for torch's 80 and 144)."""
    path = tmp_path / "tied.py"
    path.write_text(TIED.replace("TIE", tie).replace("FORWARD", forward).replace("CPU", "False"))
    with pytest.raises(SpecError, match=message):
        convert(f"{path}:net", options={"input_shape": (8,)})


AGAIN = """
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return x + self.fc(torch.relu(self.fc(x)))  # called twice in each of the repeated blocks


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.blocks = nn.Sequential(Block(), Block(), Block())

    def forward(self, x):  # (n, 8)
        return FORWARD


def net():
    return Net()
"""


@pytest.mark.parametrize(
    "forward",
    [
        "self.fc(self.blocks(self.fc(x)).unsqueeze(1).expand(-1, 3, -1))",  # fc on 2-D, then on 3-D
        "torch.stack([self.fc(x), x]).flatten(0, 1)",  # stacked along the batch: (2, n, 8), then (2n, 8)
        "torch.stack([self.blocks(x)], dim=-1)",  # one tensor
    ],
)
def test_calls_again_and_stacks_are_torch_s_counts_and_shapes(tmp_path: Path, forward: str) -> None:
    """Suspects of the review that hold: a module called on inputs of different ranks, modules
    called twice inside repeated blocks, a stack along the batch or of one tensor: the imported
    spec's parameters and output at batch 3 are torch's."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "again.py"
    result = traced(path, AGAIN.replace("FORWARD", forward), (8,))
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    model = namespace["net"]()  # type: ignore[operator]
    called: list[object] = []  # the modules the forward calls: torch's count of the weights used
    for module in model.modules():
        module.register_forward_hook(lambda module, *_: called.append(module))
    output = model(torch.zeros(3, 8))
    used = {id(p): p.numel() for module in called for p in module.parameters(recurse=False)}  # type: ignore[attr-defined]
    report = summarize(result.text, batch=3)
    assert (report.totals.params, report.output_shape) == (sum(used.values()), tuple(output.shape))


ROPE = """
import torch
from torch import nn


class Rope(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.freqs = nn.Parameter(torch.zeros(4, 16))  # timm's mixed RoPE: learned frequencies

    def forward(self, x):  # (n, 4, 8)
        sin, cos = self.freqs.chunk(2, -1)  # two outputs of parameters alone: (4, 8) each, no batch
        rotated = torch.stack([-x[..., 1::2], x[..., ::2]], -1).reshape(x.shape)
        return x * cos.cos() + rotated * sin.sin()


def net():
    return Rope()
"""


def test_rotary_embeddings_neg_sin_cos_and_a_chunk_of_parameters(tmp_path: Path) -> None:
    """`-x` is Neg, `t.sin()` and `t.cos()` Sin and Cos; a chunk of a learned table has no batch,
    and the shapes the import records for its pieces say so (else the import reports them
    differing from convcalc's, as it did for timm's mixed-RoPE ViT)."""
    result = traced(tmp_path / "rope.py", ROPE, (4, 8))
    rows = spec_rows(result.text)
    assert 'Chunk(2, -1, name="chunk")  # (4, 8), (4, 8)' in rows
    assert [row.split("(")[0] for row in rows if row.startswith(("Neg", "Sin", "Cos"))] == ["Neg", "Cos", "Sin"]
    assert summarize(result.text, batch=3).output_shape == (3, 4, 8)


CONCATENATED_BIAS = """
import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(8, 24, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(8))
        self.register_buffer("k_bias", torch.zeros(8), persistent=False)
        self.v_bias = nn.Parameter(torch.zeros(8))

    def forward(self, x):
        qkv_bias = torch.cat((self.q_bias, self.k_bias, self.v_bias))
        return F.linear(x, weight=self.qkv.weight, bias=qkv_bias)


def net():
    return Attention()
"""


def test_a_linear_bias_the_forward_concatenates_is_an_add_after_the_product(tmp_path: Path) -> None:
    """BEiT, EVA and Swin-V2 (timm) pass F.linear a bias concatenated from two parameters and a
    zero buffer: the Linear of the module's weight alone, then an Add of the concatenation, each
    parameter counted once (torch: 8 * 24 + 8 + 8)."""
    result = traced(tmp_path / "qkv.py", CONCATENATED_BIAS, (4, 8))
    assert spec_rows(result.text) == [
        'Parameter((8,), name="q_bias")',
        'Parameter((8,), name="v_bias")',
        'Buffer((8,), persistent=False, name="k_bias")',
        'Concat(0, name="cat", inputs=["q_bias", "k_bias", "v_bias"])  # (24,)',
        'Linear(8, 24, bias=False, name="qkv", inputs=["input"])  # (None, 4, 24)',
        'Add(name="linear_bias", inputs=["qkv", "cat"])  # (None, 4, 24)',
    ]
    assert summarize(result.text, "qkv.yaml").totals.params == 8 * 24 + 8 + 8


POWERS = """
import math

import torch
from torch import nn


class StarReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.scale * torch.relu(x) ** 2


class Net(nn.Module):
    def forward(self, x):
        side = int(math.sqrt(x.shape[1]))
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        x = torch.pow(x, exponent=3).sqrt() + torch.pow(x, torch.square(x))
        return x.reshape(-1, side, side, 8)


def net():
    return nn.Sequential(StarReLU(), Net())


def number_to_a_power():
    class Two(nn.Module):
        def forward(self, x):
            return 2 ** x

    return Two()
"""


def test_powers_and_square_roots_are_element_wise_and_math_sqrt_of_a_size_a_value(tmp_path: Path) -> None:
    """CAFormer's StarReLU squares (`x ** 2`), an RMS norm written out squares and takes
    torch.rsqrt, NesT takes math.sqrt of its token count (a size: no row); a tensor exponent
    broadcasts as Multiply's inputs do; torch.square is Pow(2)."""
    result = traced(tmp_path / "powers.py", POWERS, (4, 8))
    assert spec_rows(result.text) == [
        'Parameter((1,), name="0_scale")',
        'ReLU(name="relu", inputs=["input"])  # (None, 4, 8)',
        'Pow(2, name="pow_1")  # (None, 4, 8)',
        'Multiply(name="mul", inputs=["0_scale", "pow_1"])  # (None, 4, 8)',
        'Pow(2, name="pow_2")  # (None, 4, 8)',
        'Mean(-1, keepdim=True, name="mean")  # (None, 4, 1)',
        'Add(1e-06, name="add")  # (None, 4, 1)',
        'Rsqrt(name="rsqrt")  # (None, 4, 1)',
        'Multiply(name="mul_1", inputs=["mul", "rsqrt"])  # (None, 4, 8)',
        'Pow(exponent=3, name="pow_3")  # (None, 4, 8)',
        'Sqrt(name="sqrt_1")  # (None, 4, 8)',
        'Pow(2, name="square", inputs=["mul_1"])  # (None, 4, 8)',
        'Pow(name="pow_4", inputs=["mul_1", "square"])  # (None, 4, 8)',
        'Add(name="add_1", inputs=["sqrt_1", "pow_4"])  # (None, 4, 8)',
        'Reshape(-1, 2, 2, 8, name="reshape")  # (None, 2, 2, 8)',
    ]
    with pytest.raises(SpecError, match=r"a number raised to a tensor's power \(2 \*\* x\)"):
        traced(tmp_path / "powers.py", POWERS, (4, 8), factory="number_to_a_power")


STANDARDIZED = """
import torch
import torch.nn.functional as F
from torch import nn


class ScaledStdConv2d(nn.Conv2d):  # timm's (NFNet), as its forward computes its weight
    def __init__(self, cin, cout, k, stride=1, padding=0, bias=True):
        super().__init__(cin, cout, k, stride=stride, padding=padding, bias=bias)
        self.scale = self.weight[0].numel() ** -0.5
        self.gain = nn.Parameter(torch.ones(cout, 1, 1, 1))

    def forward(self, x):
        weight = F.batch_norm(
            self.weight.reshape(1, self.out_channels, -1), None, None,
            weight=(self.gain * self.scale).view(-1), training=True, momentum=0., eps=1e-6,
        ).reshape_as(self.weight)
        return F.conv2d(x, weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class StdConv2d(nn.Conv2d):  # timm's (BiT)
    def forward(self, x):
        weight = F.batch_norm(
            self.weight.reshape(1, self.out_channels, -1), None, None, training=True, momentum=0., eps=1e-8
        ).reshape_as(self.weight)
        return F.conv2d(x, weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class SkipInit(nn.Module):  # DM-NFNet's: a gain multiplied into x in place
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return x.mul_(self.gain)


def net():
    return nn.Sequential(ScaledStdConv2d(3, 8, 3, stride=2, padding=1), StdConv2d(8, 4, 1, bias=False), SkipInit())


def eval_statistics():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mean", torch.zeros(3))
            self.register_buffer("var", torch.ones(3))

        def forward(self, x):
            return F.batch_norm(x, self.mean, self.var)

    return Net()
"""


def test_a_convolution_of_a_weight_the_forward_standardizes(tmp_path: Path) -> None:
    """NFNet's ScaledStdConv2d and BiT's StdConv2d normalize each filter (F.batch_norm of the
    batch's statistics on the weight, scaled by a gain) and convolve with it (F.conv2d): the
    parameters are Parameter rows (torch's count: each once), the computation rows on them, the
    BatchNorm and Convolution stand-ins take them as inputs; DM-NFNet's `x.mul_(self.gain)` reads
    its gain as a Parameter."""
    result = traced(tmp_path / "standardized.py", STANDARDIZED, (3, 8, 8))
    assert spec_rows(result.text) == [
        'Parameter((8, 3, 3, 3), name="0_weight")',
        'Reshape(1, 8, 27, name="reshape")  # (1, 8, 27)',
        'Parameter((8, 1, 1, 1), name="0_gain")',
        'Multiply(0.19245008972987526, name="mul")  # (8, 1, 1, 1)',
        'View(8, name="view")  # (8,)',
        'BatchNorm(training=True, momentum=0.0, eps=1e-06, name="batch_norm", inputs=["reshape", "view"])  # (1, 8, 27)',
        'Reshape(8, 3, 3, 3, name="reshape_as")  # (8, 3, 3, 3)',
        'Parameter((8,), name="0_bias")',
        'Convolution(stride=2, padding=1, name="conv2d", inputs=["input", "reshape_as", "0_bias"])  # (None, 8, 4, 4)',
        'Parameter((4, 8, 1, 1), name="1_weight")',
        'Reshape(1, 4, 8, name="reshape_1")  # (1, 4, 8)',
        'BatchNorm(training=True, momentum=0.0, eps=1e-08, name="batch_norm_1")  # (1, 4, 8)',
        'Reshape(4, 8, 1, 1, name="reshape_as_1")  # (4, 8, 1, 1)',
        'Convolution(name="conv2d_1", inputs=["conv2d", "reshape_as_1"])  # (None, 4, 4, 4)',
        'Parameter((), name="2_gain")',
        'Multiply(name="mul_", inputs=["conv2d_1", "2_gain"])  # (None, 4, 4, 4)',
    ]
    report = summarize(result.text, "standardized.yaml")
    assert report.totals.params == 8 * 27 + 8 + 8 + 4 * 8 + 1
    with pytest.raises(SpecError, match=r"F\.batch_norm with running statistics but no norm module's weight"):
        traced(tmp_path / "standardized.py", STANDARDIZED, (3, 4), factory="eval_statistics")


HALOS = """
import torch
from torch import nn


class Halo(nn.Module):  # timm's HaloAttn takes each block's halo so
    def forward(self, x):
        kv = x.unfold(2, 6, 4).unfold(3, 6, 4)
        return kv.reshape(-1, 4, 9, 36)


def net():
    return Halo()
"""


def test_tensor_unfold_is_a_window_per_step_along_a_dim(tmp_path: Path) -> None:
    """HaloNet's x.unfold(dimension, size, step) (Tensor's, not F.unfold): TensorUnfold, the
    dim counting windows, a new last dim holding each."""
    result = traced(tmp_path / "halos.py", HALOS, (4, 14, 14))
    assert spec_rows(result.text) == [
        'TensorUnfold(2, 6, 4, name="unfold")  # (None, 4, 3, 14, 6)',
        'TensorUnfold(3, 6, 4, name="unfold_1")  # (None, 4, 3, 3, 6, 6)',
        'Reshape(-1, 4, 9, 36, name="reshape")  # (None, 4, 9, 36)',
    ]


EXTREMES = """
import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        values, indices = x.min(dim=-1, keepdim=True)
        return x.max(1)[0] + values.squeeze(-1) + indices.squeeze(-1) + torch.max(x)


def net():
    return Net()


def pairwise():
    class Larger(nn.Module):
        def forward(self, x):
            return torch.max(x, x + 1)

    return Larger()
"""


def test_max_and_min_over_a_dim_are_values_and_indices(tmp_path: Path) -> None:
    """VOLO's `aux.max(1)[0]`: Max(1), its first output the values; the indices `name[1]`; over
    every dim a 0-d tensor; torch.max of two tensors is refused in a line."""
    result = traced(tmp_path / "extremes.py", EXTREMES, (6, 6))
    rows = spec_rows(result.text)
    assert rows[:2] == [
        'Min(dim=-1, keepdim=True, name="min_1")  # (None, 6, 1), (None, 6, 1)',
        'Max(1, name="max_1", inputs=["input"])  # (None, 6), (None, 6)',
    ]
    assert 'Squeeze(-1, name="squeeze_1", inputs=["min_1[1]"])  # (None, 6)' in rows
    assert 'Max(name="max_2", inputs=["input"])  # ()' in rows
    with pytest.raises(SpecError, match=r"torch.max of two tensors"):
        traced(tmp_path / "extremes.py", EXTREMES, (6, 6), factory="pairwise")


def test_a_tensor_made_from_the_batchs_size_is_a_buffer_expanded_to_the_batch(tmp_path: Path) -> None:
    """EdgeNeXt's positional encoding starts from torch.zeros(B, H, W): constants but for the
    batch, which the traces show is its axis 0; one Buffer of its shape at batch 1, expanded to
    the input's batch. An axis another function of the batch (2 * B) is refused in a line."""
    source = (
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        return x + torch.zeros((x.shape[0], 4)).to(x.device)\n\n\ndef net():\n    return Net()\n"
    )
    assert spec_rows(traced(tmp_path / "zeros.py", source, (4,)).text) == [
        'Buffer((1, 4), persistent=False, name="to")  # folded: zeros, to',
        'Expand(shape(input)[0], -1, name="to_expand")  # (None, 4)',
        'Add(name="add", inputs=["input", "to_expand"])  # (None, 4)',
    ]
    doubled = source.replace("x + torch.zeros((x.shape[0], 4))", "x.repeat(2, 1) + torch.zeros((2 * x.shape[0], 4))")
    with pytest.raises(SpecError, match=r"a tensor made from sizes alone whose axis 0 is \[2, 4, 6\] at batches \[1, 2, 3\]"):
        traced(tmp_path / "doubled.py", doubled, (4,))


RMS_NORMS = """
import torch
import torch.nn.functional as F
from torch import nn


class RmsNorm(nn.Module):  # timm's: an nn.Module of its own, no torch.nn norm's subclass
    def __init__(self, channels, eps=1e-6):
        super().__init__()
        self.normalized_shape, self.eps = (channels,), eps
        self.weight = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)


class Plain(nn.Module):
    def forward(self, x):
        return F.rms_norm(x, (8,))


class PlainLayerNorm(nn.Module):  # timm's Qwen3-VL ViT: no weight, no bias
    def forward(self, x):
        return F.layer_norm(x, (8,), eps=1e-6) + F.layer_norm(x, [4, 8])


def net():
    return nn.Sequential(RmsNorm(8), Plain(), PlainLayerNorm())
"""


def test_f_rms_norm_is_the_rms_norm_of_the_calls_arguments(tmp_path: Path) -> None:
    """F.rms_norm with a module's own weight (timm's RmsNorm, ViT-XP's and AIMv2's norms) is
    nn.RMSNorm of the call's shape and eps, its weight counted, named by that module; without a
    weight, elementwise_affine=False. F.layer_norm without weight and bias (it was refused) is
    nn.LayerNorm with elementwise_affine=False: no weights, as torch counts none."""
    result = traced(tmp_path / "rms.py", RMS_NORMS, (4, 8))
    assert spec_rows(result.text) == [
        'RMSNorm(8, eps=1e-06, name="0")  # (None, 4, 8)',
        'RMSNorm(8, elementwise_affine=False, name="rms_norm_1")  # (None, 4, 8)',
        'LayerNorm(8, eps=1e-06, elementwise_affine=False, name="layer_norm")  # (None, 4, 8)',
        'LayerNorm((4, 8), elementwise_affine=False, name="layer_norm_1", inputs=["rms_norm_1"])  # (None, 4, 8)',
        'Add(name="add", inputs=["layer_norm", "layer_norm_1"])  # (None, 4, 8)',
    ]
    assert summarize(result.text, "rms.yaml").totals.params == 8


HUGGING_FACE = """
import functools

import torch
from torch import nn


def with_defaults(forward):
    \"\"\"As Hugging Face's decorators (check_model_inputs...) do: write into the forward's kwargs.\"\"\"

    @functools.wraps(forward)
    def wrapper(self, *args, **kwargs):
        kwargs.setdefault("scale", 2.0)
        return forward(self, *args, **kwargs)

    return wrapper


class Conv1D(nn.Module):
    \"\"\"GPT-2's projection: a Linear whose weight is stored (in, out), applied by torch.addmm.\"\"\"

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight).view(size_out)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = Conv1D(8, 8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        return self.norm(x + self.proj(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(100, 8)
        self.types = nn.Embedding(2, 8)
        self.register_buffer("type_ids", torch.zeros(1, 16, dtype=torch.long), persistent=False)
        self.layers = nn.ModuleList([Layer(), Layer()])
        self.pooler = nn.Linear(8, 8)

    @with_defaults
    def forward(self, input_ids, attention_mask=None, **kwargs):
        types = self.type_ids.expand(input_ids.shape[0], -1)  # BERT's token types, a buffer to the batch
        x = self.words(input_ids) + self.types(types)
        x = x / torch.full([], x.size(-1) ** 0.5, dtype=x.dtype) * kwargs["scale"]  # GPT-2's scale, a tensor of a size
        for layer in self.layers:
            x = layer(x)
        return {"last_hidden_state": x, "pooler_output": self.pooler(x[:, 0])}


def net():
    return Net()
"""


def test_a_language_model_written_as_hugging_face_writes_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Token ids, which nn.Embedding reads and a float input fails, are traced as int64; a forward
    taking `**kwargs` that its decorator writes into is traced through a forward of one input; a
    buffer expanded to the batch is traced, not run; torch.addmm of a module's bias, the input
    and its weight is that module's Linear (its weight stored transposed: as many parameters);
    the outputs are the last block instance and the pooler, and nothing is printed on the way."""
    result = traced(tmp_path / "hf.py", HUGGING_FACE, (16,))
    rows = spec_rows(result.text)
    assert rows[:4] == [  # the token types, constants but for the batch, written where first read
        'Embedding(100, 8, name="words")  # (None, 16, 8)',
        'Buffer((1, 16), persistent=False, dtype="int64", name="type_ids")',
        'Expand(shape(input)[0], -1, name="expand")  # (None, 16)',
        'Embedding(2, 8, name="types")  # (None, 16, 8)',
    ]
    assert 'Linear(8, 8, name="proj")' in result.text  # the Conv1D's addmm, in the Layer block
    assert result.text.splitlines()[-1] == 'outputs: ["layers_1", "pooler"]'
    namespace: dict[str, Any] = {}
    exec(HUGGING_FACE, namespace)
    model = namespace["net"]()
    torch = namespace["torch"]
    out = model(torch.zeros(3, 16, dtype=torch.long))
    report = summarize(result.text, batch=3)
    assert report.totals.params == sum(p.numel() for p in model.parameters()) == 100 * 8 + 2 * 8 + 2 * (8 * 8 + 8 + 16) + 72
    assert [o.shape for o in report.outputs] == [tuple(out["last_hidden_state"].shape), tuple(out["pooler_output"].shape)]
    assert capsys.readouterr().err == ""


def test_a_module_that_fails_on_its_input_says_where_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """torch's shape propagation prints the failing node's traceback itself: convcalc's one line
    names the node and the error, and nothing else reaches the terminal."""
    path = tmp_path / "bad.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n"
    )
    with pytest.raises(
        SpecError,
        match=r"input of shape \(1, 3, 5\) failed at node 'fc': RuntimeError: a and b must have same reduction dim",
    ):
        convert(f"{path}:Net", options={"input_shape": (3, 5)})
    assert capsys.readouterr().err == ""


CACHED = """
import torch
from torch import nn


class Cache:  # Hugging Face's DynamicCache: keys grown by concatenation from an empty tensor
    def __init__(self):
        self.keys = None

    def update(self, keys):
        if self.keys is None:
            self.keys = torch.tensor([], dtype=keys.dtype, device=keys.device)
        self.keys = torch.cat([self.keys, keys], dim=-2)
        return self.keys


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.key = nn.Linear(8, 8)

    def forward(self, x, **kwargs):
        cache = Cache()
        keys = cache.update(self.key(x))
        return {"last_hidden_state": x @ keys.transpose(1, 2), "cache": cache}


def net():
    return Net()
"""


def test_a_cache_the_module_returns_is_left_out_and_said(tmp_path: Path) -> None:
    """A decoder's key-value cache (use_cache=True) is an object, no tensor: left out of the
    outputs, the header naming it; torch.cat skips the 1-D empty tensor the cache starts from,
    as torch does (a cat of one tensor is that tensor)."""
    result = traced(tmp_path / "cached.py", CACHED, (6, 8))
    assert spec_rows(result.text) == [
        'Linear(8, 8, name="key")  # (None, 6, 8)',
        'Transpose(1, 2, name="transpose")  # (None, 8, 6)',
        'Matmul(name="matmul", inputs=["input", "transpose"])  # (None, 6, 6)',
    ]
    assert "Outputs: the module's cache (a Cache) left out, as it holds no tensor a spec's outputs name" in result.text


ROBERTA = """
import torch
from torch import nn


class Net(nn.Module):  # RoBERTa's embeddings: positions counted over the tokens that are not padding
    def __init__(self) -> None:
        super().__init__()
        self.words = nn.Embedding(100, 8, padding_idx=1)
        self.positions = nn.Embedding(40, 8, padding_idx=1)
        self.types = nn.Embedding(2, 8)
        self.register_buffer("type_ids", torch.zeros(1, 40, dtype=torch.long), persistent=False)

    def forward(self, input_ids):
        mask = input_ids.ne(1).int()
        positions = (torch.cumsum(mask, dim=1).type_as(mask) + 0) * mask
        positions = positions.long() + 1
        types = torch.gather(self.type_ids.expand(positions.shape[0], -1), dim=1, index=positions)
        return self.words(input_ids) + self.positions(positions) + self.types(types)


def net():
    return Net()
"""


def test_position_ids_counted_from_the_token_ids_are_read(tmp_path: Path) -> None:
    """RoBERTa's position ids: `input_ids.ne(padding_idx)` a NotEqual, its casts (.int(), .long(),
    .type_as) no rows, torch.cumsum a Cumsum, torch.gather a Gather; each keeps the token ids'
    shape, and the spec's output is the module's at batch 1 and 3."""
    result = traced(tmp_path / "roberta.py", ROBERTA, (16,))
    assert spec_rows(result.text)[:8] == [
        'NotEqual(1, name="ne")  # (None, 16)',
        'Cumsum(dim=1, name="cumsum")  # (None, 16)',
        'Add(0, name="add")  # (None, 16)',
        'Multiply(name="mul", inputs=["add", "ne"])  # (None, 16)',
        'Add(1, name="add_1")  # (None, 16)',
        'Buffer((1, 40), persistent=False, dtype="int64", name="type_ids")',
        'Expand(shape(input)[0], -1, name="expand")  # (None, 40)',
        'Gather(dim=1, name="gather", inputs=["expand", "add_1"])  # (None, 16)',
    ]
    namespace: dict[str, Any] = {}
    exec(ROBERTA, namespace)
    model, torch = namespace["net"](), namespace["torch"]
    for batch in (1, 3):
        with torch.no_grad():
            out = model(torch.full((batch, 16), 5))
        assert summarize(result.text, "roberta.yaml", batch=batch).output_shape == tuple(out.shape)
