"""torchvision's classification models, each written as a spec exactly as its source is, against
the real model row for row (torch_rows.py): every module it runs under its path in
`named_modules()` with its output shapes and parameter count, every function its forward calls
(torch.cat, x.permute, x + y) as a row under the module that calls it, every parameter by its
path and shape; the total against torchvision's published `num_params` (each weight's `meta`,
the figure of its documentation page); and MACs against fvcore on the same model.

torchvision's model definitions are plain Python; its C extension, built for another torch,
fails to register its operators at import, so oracle.import_module stubs those modules. The
models are built on the meta device (no memory, no initialisation) and run in eval mode on a
batch of 2 (the spec's `batch:` where it has one): hooks and a TorchFunctionMode see shapes as
on the CPU. Each test skips, with its reason, where torch or torchvision is missing.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from oracle import import_module
from torch_rows import Run, differences

import convcalc

torch = pytest.importorskip("torch", reason="the conformance suite needs torch (pip install torch)")

pytestmark = pytest.mark.conformance
ROOT = Path(__file__).resolve().parents[2]
BATCH = 2


class Case:
    """A spec (a path from the repository's root), the torchvision factory it writes and its
    keyword arguments; `train` runs the model in training mode (its auxiliary classifiers run);
    `published`: the factory's model is the one whose num_params its weights publish (GoogLeNet's
    weights drop the auxiliary classifiers the factory makes)."""

    def __init__(self, spec: str, factory: str, train: bool = False, published: bool = True, **kwargs: Any) -> None:
        self.spec, self.factory, self.train, self.published, self.kwargs = spec, factory, train, published, kwargs

    def __repr__(self) -> str:
        return self.factory


CASES = [
    Case("specs/pytorch-shufflenet_v2_x1_0.yaml", "shufflenet_v2_x1_0"),
    Case("specs/pytorch-vit_b_16.yaml", "vit_b_16"),
    Case("specs/pytorch-convnext_tiny.yaml", "convnext_tiny"),
    Case("specs/pytorch-efficientnet_b0.yaml", "efficientnet_b0"),
    Case("docs/examples/mobilenet_v3_small.yaml", "mobilenet_v3_small"),
    Case("docs/examples/torchvision/alexnet.yaml", "alexnet"),
    Case("docs/examples/torchvision/vgg11_bn.yaml", "vgg11_bn"),
    Case("docs/examples/torchvision/squeezenet1_0.yaml", "squeezenet1_0"),
    Case("docs/examples/torchvision/mnasnet1_0.yaml", "mnasnet1_0"),
    Case("docs/examples/torchvision/mobilenet_v2.yaml", "mobilenet_v2"),
    Case("docs/examples/torchvision/resnext50_32x4d.yaml", "resnext50_32x4d"),
    Case("docs/examples/torchvision/googlenet.yaml", "googlenet", train=True, published=False),
    Case("docs/examples/torchvision/inception_v3.yaml", "inception_v3", train=True),
    Case("docs/examples/torchvision/regnet_y_400mf.yaml", "regnet_y_400mf"),
    Case("docs/examples/torchvision/efficientnet_v2_s.yaml", "efficientnet_v2_s"),
    Case("docs/examples/torchvision/densenet121.yaml", "densenet121"),
]


def torchvision_models() -> Any:
    try:
        return import_module("torchvision.models")
    except Exception as exc:  # any import failure: torchvision is optional
        pytest.skip(f"torchvision does not import here (pip install torchvision --no-deps): {exc}")


def build(case: Case, device: str = "meta") -> Any:
    """The model on the meta device, or moved to `device` with its tensors zeroed (initialising
    them costs more than running it)."""
    factory = getattr(torchvision_models(), case.factory)
    try:
        with torch.device("meta"):
            model = factory(weights=None, **case.kwargs)
    except (NotImplementedError, RuntimeError):  # __init__ reads tensors' values (RegNet's widths: .tolist())
        model = factory(weights=None, **case.kwargs).to("meta")
    if device != "meta":
        model = model.to_empty(device=device)
        with torch.no_grad():
            for tensor in (*model.parameters(), *model.buffers()):
                tensor.zero_()
    return model.train(case.train)


def document(case: Case) -> dict[str, Any]:
    spec = convcalc.load(ROOT / case.spec)
    return convcalc.document(convcalc.summarize(spec, batch=spec.batch or BATCH))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_every_row_is_what_torchvision_runs(case: Case) -> None:
    model = build(case)
    doc = document(case)
    batch = doc["inputs"][0]["shape"][0]
    image = torch.zeros(batch, *doc["inputs"][0]["shape"][1:], device="meta")
    assert differences(doc, Run(model, (image,))) == []


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_total_is_torchvisions_published_count(case: Case) -> None:
    """The spec's total and its `expect:` block against the weights' `num_params`, the figure on
    the model's documentation page (pytorch.org/vision/stable/models.html)."""
    models = torchvision_models()
    model = build(case)
    total = sum(p.numel() for p in model.parameters())
    report = convcalc.summarize(ROOT / case.spec)
    assert report.totals.params == total
    if case.published and not case.kwargs:
        published = models.get_model_weights(case.factory).DEFAULT.meta["num_params"]
        assert total == published
    assert convcalc.check(ROOT / case.spec) == []


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_macs_are_fvcores(case: Case) -> None:
    """fvcore's FlopCountAnalysis on the real model (CPU, one image; two in training mode), with test_compute_conformance's
    handlers: fvcore has none for aten::scaled_dot_product_attention, which MultiheadAttention
    runs, and counts it 0; the handler counts its QK^T and AV as fvcore counts bmm, as convcalc
    does. A model run in training mode (its auxiliary classifiers) has fvcore count batch norm
    as it trains, 5 per value (batchnorm_flop_jit: mean, variance, normalise, scale, shift) where
    convcalc counts inference, 2: that operator is compared as such, the rest in total."""
    pytest.importorskip("fvcore", reason="the MACs comparison needs fvcore (pip install fvcore)")
    from test_compute_conformance import fvcore

    spec = convcalc.load(ROOT / case.spec)
    report = convcalc.summarize(spec, batch=2 if case.train else 1)  # batch norm trains on more than 1 value
    analysis = fvcore(build(case, "cpu"), (torch.zeros(report.inputs[0].shape),))
    by_type: dict[str, int] = {}
    for row, cost in zip(report.rows, convcalc.costs(report).layers, strict=True):
        by_type[row.type] = by_type.get(row.type, 0) + (cost.macs or 0)
    expected = analysis.total()
    if case.train:
        batch_norm = analysis.by_operator()["batch_norm"]
        assert batch_norm == by_type["BatchNorm2d"] * 5 // 2
        expected -= batch_norm - by_type["BatchNorm2d"]
    assert convcalc.costs(report).macs == expected, f"convcalc {by_type}, fvcore {dict(analysis.by_operator())}"


def regnet_configs() -> dict[str, dict[str, Any]]:
    """Each regnet_* factory's BlockParams.from_init_params keywords, read from its source."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(import_module("torchvision.models.regnet")))
    found = {}
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name.startswith("regnet_"):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "from_init_params":
                    found[function.name] = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    return found


def test_every_regnets_stages_come_from_its_five_numbers() -> None:
    """docs/examples/torchvision/regnet_y_400mf.yaml works its stage depths and widths out of
    depth, w_0, w_a, w_m and group_width: with each torchvision RegNet's numbers, its helper
    formulas give the stages torchvision's BlockParams gives (depths, widths, group widths)."""
    from convcalc.spec.expr import apply

    regnet = import_module("torchvision.models.regnet")
    configs = regnet_configs()
    assert len(configs) == 15
    functions = convcalc.load(ROOT / "docs/examples/torchvision/regnet_y_400mf.yaml").functions
    env = dict(functions)
    for name, config in configs.items():
        expected = regnet.BlockParams.from_init_params(**config)
        shape = {k: config[k] for k in ("depth", "w_0", "w_a", "w_m")}
        ends = [apply(functions["blocks_up_to"], (c,), shape, env) for c in range(-1, len(expected.depths))]
        widths = [apply(functions["block_width"], (c,), {"w_0": config["w_0"], "w_m": config["w_m"]}, env) for c in range(4)]
        groups = [min(config["group_width"], w) for w in widths]
        stage_widths = [apply(functions["_make_divisible"], (w, g), {}, env) for w, g in zip(widths, groups, strict=True)]
        found = ([b - a for a, b in pairwise(ends)], stage_widths[: len(expected.depths)], groups)
        assert found == (expected.depths, expected.widths, expected.group_widths), name
