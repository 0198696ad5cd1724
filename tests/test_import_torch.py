"""`convcalc import` of PyTorch modules: what the tracer reads between modules (the real models,
torchvision's, are in tests/conformance/test_import_roundtrip.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the PyTorch importer needs torch")

from convcalc.errors import SpecError
from convcalc.sources import convert

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


def imported(tmp_path: Path, index: str, shape: tuple[int, ...] = (4, 8)) -> list[str]:
    path = tmp_path / "net.py"
    path.write_text(NET.replace("INDEX", index))
    result = convert(f"{path}:net", options={"input_shape": shape})
    assert not result.problems, [p.text() for p in result.problems]
    return [line.split("#")[0].strip()[2:] for line in result.text.splitlines() if line.startswith("  - ")]


def test_a_class_token_an_assertion_and_x_0(tmp_path: Path) -> None:
    """torch._assert on sizes the trace knows is checked and leaves no layer; x[:, 0] is Select."""
    assert imported(tmp_path, "x[:, 0]") == [
        'Parameter((1, 1, 8), name="token")',
        'Expand(None, -1, -1, name="expand")',  # n: the batch, unknown
        'Linear(8, 8, name="proj", inputs=["input"])',
        'Concat(1, name="cat", inputs=["expand", "proj"])',
        'Select(1, 0, name="getitem_3")',  # torch.fx's name: getitem to getitem_2 unpack x.shape
    ]


def test_an_assertion_the_input_fails_is_the_modules_refusal(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        imported(tmp_path, "x", shape=(4, 6))
    message = caught.value.diagnostic.text()  # ShapeProp runs the assertion before the importer reads it
    assert "CC001 running it on an input of shape (1, 4, 6) failed" in message and "the width must be 8" in message


def test_other_indexing_names_the_node(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"node 'getitem_3' .*indexing a tensor with \(Ellipsis, slice\(None, 2, None\)\)"):
        imported(tmp_path, "x[..., :2]")
