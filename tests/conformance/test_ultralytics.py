"""Ultralytics model YAML files, imported by convcalc, against the `ultralytics` package's own
DetectionModel built from the same file (the files are the ones the package ships).

For every module of the real model (`model.named_modules()`): its parameter count is the sum
of the spec's rows under its path, and its output at 640 x 640 (a forward hook) is the shape of
the last of those rows, the module's output. The activation Conv shares among all its instances
(one module called everywhere) is left out: its hook fires with every shape. Ultralytics'
GFLOPs are thop's count x 2 (utils/torch_utils.py get_flops); thop counts each convolution as
fvcore and convcalc do (every Conv2d here is compared), a batch norm 4 per element where convcalc
counts 2, a nearest up-sampling 0 where convcalc counts 1, and the attention's matrix products
as convcalc does: so thop's total is convcalc's MACs + its batch-norm MACs - its up-sampling MACs.
The files' own comments print the scale's parameters and GFLOPs, checked too.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

from convcalc.analysis.costs import layer_macs
from convcalc.engine import run
from convcalc.sources import convert
from convcalc.spec.loading import load_text

torch = pytest.importorskip("torch")
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/convcalc-ultralytics")  # its settings file, not the user's
tasks = pytest.importorskip("ultralytics.nn.tasks", reason="ultralytics is not installed")
thop = pytest.importorskip("thop", reason="ultralytics-thop is not installed")

import yaml  # noqa: E402

MODELS = Path(tasks.__file__).parent.parent / "cfg" / "models"
CASES = [
    ("v8/yolov8.yaml", "n"),
    ("11/yolo11.yaml", "n"),
    ("v5/yolov5.yaml", "n"),
    ("v8/yolov8-ghost.yaml", "n"),  # GhostConv, C3Ghost
    ("v3/yolov3-tiny.yaml", None),  # nn.MaxPool2d, nn.ZeroPad2d, no scales
    ("v6/yolov6.yaml", "n"),  # activation: nn.ReLU(), nn.ConvTranspose2d
]
"""One model per family (each takes seconds to build and run at 640 on CI's two cores); the
larger scales of yolov8.yaml and yolo11.yaml, the P2 and P6 files and yolov3(-spp) were compared
the same way when the importer was written, and their parameter counts are checked below."""


@functools.cache
def real_model(path: Path, scale: str | None) -> object:
    config = yaml.safe_load(path.read_text())
    if scale:
        config["scale"] = scale
    return tasks.DetectionModel(config, verbose=False).eval()


@pytest.mark.parametrize(("file", "scale"), CASES, ids=[f"{f}-{s}" for f, s in CASES])
def test_every_module_has_ultralytics_shape_and_parameters(file: str, scale: str | None) -> None:
    path = MODELS / file
    model = real_model(path, scale)
    imported = convert(str(path), options={"scale": scale})
    assert imported.problems == ()
    report = run(load_text(imported.text, "imported.yaml"))
    rows = report.rows
    shared = {id(m) for _, m in model.named_modules(remove_duplicate=False)}
    counts: dict[int, int] = {}
    for _, module in model.named_modules(remove_duplicate=False):
        counts[id(module)] = counts.get(id(module), 0) + 1
    outputs: dict[str, tuple[int, ...]] = {}
    hooks = []
    for name, module in model.named_modules():
        if name and counts[id(module)] == 1:

            def hook(module: object, args: object, output: object, name: str = name) -> None:
                found = output[0] if isinstance(output, tuple) else output
                if isinstance(found, torch.Tensor):
                    outputs[name] = tuple(found.shape)

            hooks.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(1, 3, 640, 640))
    for handle in hooks:
        handle.remove()
    assert shared
    compared = 0
    for name, module in model.named_modules():
        if not name or counts[id(module)] > 1:
            continue
        under = [row for row in rows if row.name == name or row.name.startswith(name + ".")]
        assert under, f"{name} ({type(module).__name__}) has no row"
        assert sum(row.params for row in under) == sum(p.numel() for p in module.parameters()), name
        if name in outputs:
            shape = under[-1].outputs[0]
            assert (1, *shape[1:]) == outputs[name], name
            compared += 1
    assert compared > 50
    assert report.totals.params == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(("file", "scale"), CASES[:2])
def test_thop_counts_what_convcalc_counts(file: str, scale: str | None) -> None:
    path = MODELS / file
    model = real_model(path, scale)
    report = run(load_text(convert(str(path), options={"scale": scale}).text, "imported.yaml"))
    image = torch.zeros(1, 3, 640, 640)
    total, _, tree = thop.profile(model, inputs=[image], verbose=False, ret_layer_info=True)

    def walk(branch: dict[str, tuple[float, float, dict]], prefix: str = "") -> dict[str, float]:
        found = {}
        for key, (ops, _, inner) in branch.items():
            found[prefix + key] = ops
            found |= walk(inner, prefix + key + ".")
        return found

    counted = walk(tree)
    macs = {row.name: layer_macs(row, "pytorch") or 0 for row in report.rows}
    convolutions = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert convolutions and all(macs[name] == counted[name] for name in convolutions)
    by_type = {kind: sum(macs[r.name] for r in report.rows if r.type == kind) for kind in ("BatchNorm2d", "Upsample")}
    assert total == sum(macs.values()) + by_type["BatchNorm2d"] - by_type["Upsample"]


PRINTED = [("v8/yolov8.yaml", s) for s in "nsmlx"] + [("11/yolo11.yaml", s) for s in "nsmlx"]


@pytest.mark.parametrize(("file", "scale"), PRINTED)
def test_the_files_printed_figures(file: str, scale: str) -> None:
    """The comment on each scale's line, e.g. yolov8.yaml's `n: [0.33, 0.25, 1024] # YOLOv8n
    summary: 129 layers, 3157200 parameters, 3157184 gradients, 8.9 GFLOPS`: the parameters
    exactly, and the GFLOPs as the thop of the day counted them: without the attention's matrix
    products, which thop 2.2.3 counts (yolo11n's comment says 6.6 GFLOPs, thop 2.2.3 6.7)."""
    path = MODELS / file
    line = next(line for line in path.read_text().splitlines() if re.match(rf"\s+{scale}: \[", line))
    found = re.search(r"([\d,]+) parameters, [\d,]+ gradients, ([\d.]+) GFLOPs", line, re.IGNORECASE)
    assert found, line
    params, gflops = int(found.group(1).replace(",", "")), float(found.group(2))
    report = run(load_text(convert(str(path), options={"scale": scale}).text, "imported.yaml"))
    assert report.totals.params == params
    macs = {row.name: layer_macs(row, "pytorch") or 0 for row in report.rows}
    bn = sum(macs[r.name] for r in report.rows if r.type == "BatchNorm2d")
    up = sum(macs[r.name] for r in report.rows if r.type == "Upsample")
    products = sum(macs[r.name] for r in report.rows if r.type == "Matmul")
    assert abs(2 * (sum(macs.values()) + bn - up - products) / 1e9 - gflops) <= 0.1  # as printed, to 0.1
