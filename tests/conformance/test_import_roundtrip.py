"""`convcalc import` round trips through ONNX and torch: the torchvision models the bundled specs
describe, exported with torch.onnx (with and without constant folding; torch.export's exporter
too) and traced with torch.fx, imported, and each spec's report compared with the real model,
module by module (by its path: class, output shape, parameters) and in total.

Constant folding folds each BatchNorm into the convolution before it: the imported spec says
which (a comment on each such convolution, a header line), and its counts are the folded
network's: the BatchNorm's weights gone, a bias on the convolution.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the round trips need torch (pip install torch)")
pytest.importorskip("onnx", reason="the ONNX round trips need onnx (pip install onnx onnxscript)")

from oracle import TORCHVISION_STUBS, import_module  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.sources import convert  # noqa: E402

pytestmark = pytest.mark.conformance
SPECS = Path(__file__).parents[2] / "specs"
MODELS = ["resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2"]
"""torchvision's names for the networks of specs/pytorch-*.yaml."""
FOLDED = ["resnet18", "mobilenet_v2"]
"""The models whose folded export is checked: VGG16 and AlexNet have no batch norm to fold, and
ResNet-50's folds as ResNet-18's do (one of the family keeps the suite's time down)."""
SHAPE = (3, 224, 224)

Facts = tuple[str, tuple[int, ...], dict[str, tuple[int, ...]]]


def torchvision_models() -> Any:
    try:
        return import_module("torchvision.models")
    except ImportError:
        pytest.skip("torchvision is not installed (pip install torchvision --no-deps)")


def leaf_facts(model: Any) -> dict[str, Facts]:
    """Every leaf module with parameters, by path: class, output shape (batch 1), parameter shapes."""
    found: dict[str, Facts] = {}

    def hook(path: str) -> Any:
        def record(module: Any, _inputs: object, output: Any) -> None:
            params = {name: tuple(p.shape) for name, p in module.named_parameters(recurse=False)}
            found.setdefault(path, (type(module).__name__, tuple(output.shape), params))

        return record

    for path, module in model.named_modules():
        if not any(True for _ in module.children()) and any(True for _ in module.parameters(recurse=False)):
            module.register_forward_hook(hook(path))
    with torch.no_grad():
        model(torch.zeros(1, *SHAPE))
    return found


@pytest.fixture(scope="module", params=MODELS)
def real(request: pytest.FixtureRequest) -> tuple[str, Any, dict[str, Facts]]:
    torch.manual_seed(0)
    model = getattr(torchvision_models(), request.param)().eval()
    for name, buffer in model.named_buffers():  # trained statistics: no two batch norms alike
        if name.endswith(("running_mean", "running_var")):
            buffer.uniform_(0.5, 1.5)
    return request.param, model, leaf_facts(model)


def rows_by_name(text: str) -> tuple[Any, dict[str, Any]]:
    report = summarize(text, "imported.yaml")
    return report, {row.name.replace(".", "_"): row for row in report.rows}


@pytest.fixture
def scratch(tmp_path: Path) -> Any:
    """Where an export is written: memory where there is a tmpfs (VGG16's file is 550 MB)."""
    import shutil
    import tempfile

    shm = Path("/dev/shm")
    directory = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    yield directory
    if directory != tmp_path:
        shutil.rmtree(directory, ignore_errors=True)


def onnx_import(model: Any, path: Path, **options: Any) -> Any:
    torch.onnx.export(model, (torch.zeros(1, *SHAPE),), str(path), **options)
    imported = convert(str(path))
    assert not imported.problems, [p.text() for p in imported.problems]  # every shape ONNX gives is convcalc's
    return imported


def test_onnx_without_folding_is_the_model(real: Any, scratch: Path) -> None:
    name, model, facts = real
    imported = onnx_import(model, scratch / f"{name}.onnx", dynamo=False, do_constant_folding=False)
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    bundled = summarize((SPECS / f"pytorch-{name}.yaml").read_text(), f"pytorch-{name}.yaml")
    assert report.totals.params == bundled.totals.params
    for path, (cls, shape, params) in facts.items():
        row = rows[path.replace(".", "_")]
        assert (row.type, row.output_shape, {w.name: w.shape for w in row.weights}) == (cls, shape, params), path


def folded_counts(model: Any, facts: dict[str, Facts]) -> tuple[set[str], int]:
    """The convolutions a BatchNorm follows (those without a bias, in torchvision's models) and
    the folded network's parameter count."""
    folded = {path for path, (cls, _, params) in facts.items() if cls == "Conv2d" and "bias" not in params}
    total = 0
    for path, (cls, shape, params) in facts.items():
        if cls == "BatchNorm2d":
            continue
        total += sum(math.prod(dims) for dims in params.values()) + (shape[1] if path in folded else 0)
    return folded, total


def assert_folded(imported: Any, model: Any, facts: dict[str, Facts]) -> None:
    report, rows = rows_by_name(imported.text)
    folded, total = folded_counts(model, facts)
    said = {str(layer.name) for layer in imported.draft.layers if "folded" in layer.comment}
    assert said == {path.replace(".", "_") for path in folded}
    assert report.totals.params == total
    if folded:
        assert any(f"{len(folded)} convolutions" in line for line in imported.draft.header)
    for path, (cls, shape, params) in facts.items():
        if cls == "BatchNorm2d":
            assert path.replace(".", "_") not in rows
            continue
        row = rows[path.replace(".", "_")]
        assert (row.type, row.output_shape) == (cls, shape), path
        expected = dict(params, bias=(shape[1],)) if path in folded else params
        assert {w.name: w.shape for w in row.weights} == expected, path


def test_onnx_with_folding_says_what_was_folded(real: Any, scratch: Path) -> None:
    name, model, facts = real
    if name not in FOLDED:
        pytest.skip(f"{name}: folding is checked on {' and '.join(FOLDED)} (FOLDED says why)")
    imported = onnx_import(model, scratch / f"{name}.onnx", dynamo=False, do_constant_folding=True)
    assert_folded(imported, model, facts)


@pytest.mark.parametrize("name", ["resnet18"])
def test_onnx_from_torch_export(name: str, scratch: Path) -> None:
    """torch.onnx's default exporter (torch.export, then onnxscript's optimizer): names from
    its name scopes, every BatchNorm folded and named in the convolution's comment."""
    pytest.importorskip("onnxscript", reason="torch.onnx.export(dynamo=True) needs onnxscript")
    torch.manual_seed(0)
    model = getattr(torchvision_models(), name)().eval()
    with torch.no_grad():
        for parameter in model.parameters():  # no zero bias for the optimizer to drop
            parameter.uniform_(0.5, 1.5)
    facts = leaf_facts(model)
    imported = onnx_import(model, scratch / f"{name}.onnx", dynamo=True, verbose=False)
    assert_folded(imported, model, facts)
    comments = {str(layer.name): layer.comment for layer in imported.draft.layers}
    assert comments["layer1_0_conv1"].endswith("layer1.0.bn1 folded in")


@pytest.fixture(scope="module")
def factories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file naming torchvision's factories, as a user would write one."""
    torchvision_models()
    path = tmp_path_factory.mktemp("factories") / "models.py"
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    path.write_text(f"import sys\nimport types\n\n{stubs}\nfrom torchvision.models import {', '.join(MODELS)}  # noqa\n")
    return path


def test_torch_trace_is_the_model(real: Any, factories: Path) -> None:
    name, model, facts = real
    imported = convert(f"{factories}:{name}", options={"input_shape": SHAPE})
    assert not imported.problems, [p.text() for p in imported.problems]
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    for path, (cls, shape, params) in facts.items():
        row = rows[path.replace(".", "_")]
        assert (row.type, row.output_shape, {w.name: w.shape for w in row.weights}) == (cls, (None, *shape[1:]), params), path
    if name.startswith("resnet"):
        block = "BasicBlock" if name == "resnet18" else "Bottleneck"
        assert {b.name for b in imported.draft.blocks} >= {block, f"{block}_2"}
