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

import re
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
    """A spec (a path from the repository's root) and the torchvision factory it writes; `train`
    runs the model in training mode (its auxiliary classifiers run); `published`: the factory's
    model is the one whose num_params its weights publish (GoogLeNet's weights drop the auxiliary
    classifiers the factory makes); `edits` (old text, new text) make the spec another member of
    its family, each old text found in the spec and replaced wherever it is, all in one pass."""

    def __init__(
        self, spec: str, factory: str, train: bool = False, published: bool = True, edits: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.spec, self.factory, self.train, self.published, self.edits = spec, factory, train, published, edits

    def __repr__(self) -> str:
        return self.factory

    def variant(self, factory: str, *edits: tuple[str, str]) -> Case:
        return Case(self.spec, factory, self.train, self.published, edits)

    def load(self) -> Any:
        """The spec, edited."""
        text = (ROOT / self.spec).read_text()
        for old, _ in self.edits:
            assert old in text, f"{self.spec} has no {old!r}"
        if self.edits:  # in one pass, the longest first: an edit's result is not edited again
            replace = dict(self.edits)
            pattern = "|".join(re.escape(old) for old in sorted(replace, key=len, reverse=True))
            text = re.sub(pattern, lambda found: replace[found.group()], text)
        return convcalc.load(text, f"{self.spec} as {self.factory}")


SHUFFLENET = Case("specs/pytorch-shufflenet_v2_x1_0.yaml", "shufflenet_v2_x1_0")
VIT = Case("specs/pytorch-vit_b_16.yaml", "vit_b_16")
CONVNEXT = Case("specs/pytorch-convnext_tiny.yaml", "convnext_tiny")
MNASNET = Case("docs/examples/torchvision/mnasnet1_0.yaml", "mnasnet1_0")
RESNEXT = Case("docs/examples/torchvision/resnext50_32x4d.yaml", "resnext50_32x4d")
DENSENET = Case("docs/examples/torchvision/densenet121.yaml", "densenet121")
CASES = [
    SHUFFLENET,
    VIT,
    CONVNEXT,
    Case("specs/pytorch-efficientnet_b0.yaml", "efficientnet_b0"),
    Case("docs/examples/mobilenet_v3_small.yaml", "mobilenet_v3_small"),
    Case("docs/examples/torchvision/alexnet.yaml", "alexnet"),
    Case("docs/examples/torchvision/vgg11_bn.yaml", "vgg11_bn"),
    Case("docs/examples/torchvision/squeezenet1_0.yaml", "squeezenet1_0"),
    MNASNET,
    Case("docs/examples/torchvision/mobilenet_v2.yaml", "mobilenet_v2"),
    RESNEXT,
    Case("docs/examples/torchvision/googlenet.yaml", "googlenet", train=True, published=False),
    Case("docs/examples/torchvision/inception_v3.yaml", "inception_v3", train=True),
    Case("docs/examples/torchvision/regnet_y_400mf.yaml", "regnet_y_400mf"),
    Case("docs/examples/torchvision/efficientnet_v2_s.yaml", "efficientnet_v2_s"),
    DENSENET,
]


def resnet(factory: str, groups: int, base_width: int, blocks: tuple[int, int, int, int]) -> Case:
    """torchvision's _resnet(Bottleneck, blocks, groups=, width_per_group=): the ResNeXt spec's
    defaults and its layer3 (and layer2) counts changed."""
    return RESNEXT.variant(
        factory,
        ("{stride: 1, groups: 32, base_width: 4}", f"{{stride: 1, groups: {groups}, base_width: {base_width}}}"),
        ("layer(256, 128, 4,", f"layer(256, 128, {blocks[1]},"),
        ("layer(512, 256, 6,", f"layer(512, 256, {blocks[2]},"),
    )


def vit(factory: str, patch: int, layers: int, heads: int, hidden: int, mlp: int, published: bool = True) -> Case:
    """torchvision's _vision_transformer(patch_size, num_layers, num_heads, hidden_dim, mlp_dim).
    vit_h_14's published weights are for 518 x 518 images (a longer position embedding): its
    factory's model, at 224, is not theirs."""
    case = VIT.variant(
        factory,
        ("kernel_size=16, stride=16", f"kernel_size={patch}, stride={patch}"),
        ("224 // 16", f"224 // {patch}"),
        ("12, 12, 768, 3072", f"{layers}, {heads}, {hidden}, {mlp}"),
        ("768", str(hidden)),
    )
    case.published = published
    return case


def convnext(factory: str, widths: tuple[int, int, int, int], p: float) -> Case:
    """torchvision's CNBlockConfig widths, with the third stage's 27 blocks (36 in all) and the
    stochastic depth p of the small, base and large models."""
    a, b, c, d = widths
    edits = [
        ("0.1 * (first + copy - 1) / (18 - 1.0)", f"{p} * (first + copy - 1) / (36 - 1.0)"),
        ("Conv2d(3, 96, kernel_size=4", f"Conv2d(3, {a}, kernel_size=4"),
        ("LayerNorm2d(96, eps=1e-6)", f"LayerNorm2d({a}, eps=1e-6)"),
        ("stage(96, 3, 0)", f"stage({a}, 3, 0)"),
        ("downsampling(96, 192)", f"downsampling({a}, {b})"),
        ("stage(192, 3, 3)", f"stage({b}, 3, 3)"),
        ("downsampling(192, 384)", f"downsampling({b}, {c})"),
        ("stage(384, 9, 6)", f"stage({c}, 27, 6)"),
        ("downsampling(384, 768)", f"downsampling({c}, {d})"),
        ("stage(768, 3, 15)", f"stage({d}, 3, 33)"),
        (
            "LayerNorm2d(768, eps=1e-6), Flatten(1), Linear(768, 1000)",
            f"LayerNorm2d({d}, eps=1e-6), Flatten(1), Linear({d}, 1000)",
        ),
    ]
    return CONVNEXT.variant(factory, *edits)


def densenet(factory: str, growth: int, blocks: tuple[int, int, int, int], init: int) -> Case:
    """torchvision's DenseNet(growth_rate, block_config, num_init_features): the widths written
    as arithmetic of them."""
    features = [init]
    for count in blocks:
        features.append((features[-1] + count * growth) // 2)
    edits = [("Conv2d(3, 64,", f"Conv2d(3, {init},"), ('BatchNorm2d(64, name="norm0")', f'BatchNorm2d({init}, name="norm0")')]
    written = ((6, 64), (12, 128), (24, 256), (16, 512))
    for index, ((count, width), new) in enumerate(zip(written, blocks, strict=True)):
        edits.append((f"dense_block({count}, {width}, 4, 32,", f"dense_block({new}, {features[index]}, 4, {growth},"))
        if index < 3:
            edits.append(
                (
                    f"transition({width} + {count} * 32, ({width} + {count} * 32) // 2,",
                    f"transition({features[index]} + {new} * {growth}, ({features[index]} + {new} * {growth}) // 2,",
                )
            )
    final = features[3] + blocks[3] * growth
    edits += [("BatchNorm2d(512 + 16 * 32,", f"BatchNorm2d({final},"), ("Linear(1024, 1000", f"Linear({final}, 1000")]
    return DENSENET.variant(factory, *edits)


def shufflenet(factory: str, channels: tuple[int, int, int, int]) -> Case:
    """torchvision's ShuffleNetV2([4, 8, 4], [24, *channels]): stages_out_channels."""
    a, b, c, last = channels
    return SHUFFLENET.variant(
        factory,
        ("stage(24, 116, 4,", f"stage(24, {a}, 4,"),
        ("stage(116, 232, 8,", f"stage({a}, {b}, 8,"),
        ("stage(232, 464, 4,", f"stage({b}, {c}, 4,"),
        (
            "Conv2d(464, 1024, 1, 1, 0, bias=False), BatchNorm2d(1024)",
            f"Conv2d({c}, {last}, 1, 1, 0, bias=False), BatchNorm2d({last})",
        ),
        ("Linear(1024, 1000", f"Linear({last}, 1000"),
    )


VARIANTS = [
    shufflenet("shufflenet_v2_x0_5", (48, 96, 192, 1024)),
    shufflenet("shufflenet_v2_x1_5", (176, 352, 704, 1024)),
    shufflenet("shufflenet_v2_x2_0", (244, 488, 976, 2048)),
    resnet("resnet50", 1, 64, (3, 4, 6, 3)),
    resnet("resnet101", 1, 64, (3, 4, 23, 3)),
    resnet("resnet152", 1, 64, (3, 8, 36, 3)),
    resnet("resnext101_32x8d", 32, 8, (3, 4, 23, 3)),
    resnet("resnext101_64x4d", 64, 4, (3, 4, 23, 3)),
    resnet("wide_resnet50_2", 1, 128, (3, 4, 6, 3)),
    resnet("wide_resnet101_2", 1, 128, (3, 4, 23, 3)),
    vit("vit_b_32", 32, 12, 12, 768, 3072),
    vit("vit_l_16", 16, 24, 16, 1024, 4096),
    vit("vit_l_32", 32, 24, 16, 1024, 4096),
    vit("vit_h_14", 14, 32, 16, 1280, 5120, published=False),
    convnext("convnext_small", (96, 192, 384, 768), 0.4),
    convnext("convnext_base", (128, 256, 512, 1024), 0.5),
    convnext("convnext_large", (192, 384, 768, 1536), 0.5),
    MNASNET.variant("mnasnet0_5", ("alpha=1.0", "alpha=0.5")),
    MNASNET.variant("mnasnet0_75", ("alpha=1.0", "alpha=0.75")),
    MNASNET.variant("mnasnet1_3", ("alpha=1.0", "alpha=1.3")),
    densenet("densenet161", 48, (6, 12, 36, 24), 96),
    densenet("densenet169", 32, (6, 12, 32, 32), 64),
    densenet("densenet201", 32, (6, 12, 48, 32), 64),
]
"""Other members of the families, each the spec with the numbers its factory passes."""


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
            model = factory(weights=None)
    except (NotImplementedError, RuntimeError):  # __init__ reads tensors' values (RegNet's widths: .tolist())
        model = factory(weights=None).to("meta")
    if device != "meta":
        model = model.to_empty(device=device)
        with torch.no_grad():
            for tensor in (*model.parameters(), *model.buffers()):
                tensor.zero_()
    return model.train(case.train)


def document(case: Case) -> dict[str, Any]:
    spec = case.load()
    return convcalc.document(convcalc.summarize(spec, batch=spec.batch or BATCH))


@pytest.mark.parametrize("case", CASES + VARIANTS, ids=repr)
def test_every_row_is_what_torchvision_runs(case: Case) -> None:
    model = build(case)
    doc = document(case)
    batch = doc["inputs"][0]["shape"][0]
    image = torch.zeros(batch, *doc["inputs"][0]["shape"][1:], device="meta")
    assert differences(doc, Run(model, (image,))) == []


@pytest.mark.parametrize("case", CASES + VARIANTS, ids=repr)
def test_total_is_torchvisions_published_count(case: Case) -> None:
    """The spec's total and its `expect:` block against the weights' `num_params`, the figure on
    the model's documentation page (pytorch.org/vision/stable/models.html)."""
    models = torchvision_models()
    model = build(case)
    total = sum(p.numel() for p in model.parameters())
    report = convcalc.summarize(case.load())
    assert report.totals.params == total
    if case.published:
        published = models.get_model_weights(case.factory).DEFAULT.meta["num_params"]
        assert total == published
    if not case.edits:
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

    report = convcalc.summarize(case.load(), batch=2 if case.train else 1)  # batch norm trains on more than 1 value
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
