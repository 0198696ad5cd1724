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
import re
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the round trips need torch (pip install torch)")
pytest.importorskip("onnx", reason="the ONNX round trips need onnx (pip install onnx onnxscript)")

from oracle import TORCHVISION_STUBS, import_module  # noqa: E402

from convcalc import costs, summarize  # noqa: E402
from convcalc.sources import convert  # noqa: E402

pytestmark = pytest.mark.conformance
SPECS = Path(__file__).parents[2] / "specs"
MODELS = ["resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2", "vit_b_16", "convnext_tiny", "shufflenet_v2_x1_0"]
MODELS += ["efficientnet_b0", "swin_t"]
"""torchvision's names for the networks of specs/pytorch-*.yaml."""
TRACED = [*MODELS, "swin_v2_t", "maxvit_t"]
"""The models the torch importer reads: besides MODELS, Swin-V2-T and MaxViT-T (their specs are
in docs/examples/torchvision/)."""
FOLDED = ["resnet18", "mobilenet_v2", "vit_b_16", "convnext_tiny", "shufflenet_v2_x1_0", "efficientnet_b0", "swin_t"]
"""The models whose folded export is checked: VGG16 and AlexNet have no batch norm to fold, and
ResNet-50's folds as ResNet-18's do (one of the family keeps the suite's time down). ViT-B and
ConvNeXt have no batch norm either: constant folding transposes their Linear weights. Swin-T's
folding also computes each block's relative position bias from its table (see assert_folded)."""
DYNAMIC = ["shufflenet_v2_x1_0", "vit_b_16", "swin_t", "resnet18"]
"""The models checked exported with a dynamic batch (`dynamic_axes`), whose graphs compute sizes
from it: ShuffleNet's channel split and shuffle, ViT's class token expanded to the batch and its
attention's heads folded into the batch, Swin's windows; ResNet-18 as the plain case."""
DECOMPOSED = {"LayerNorm2d"}
"""Module classes torch.onnx writes as several nodes: ConvNeXt's LayerNorm2d is a Permute, a
LayerNormalization and a Permute back, the rows `path`, `path_1`, `path_2`."""
SHAPE = (3, 224, 224)

Facts = tuple[str, tuple[int, ...], dict[str, tuple[int, ...]]]


def torchvision_models() -> Any:
    try:
        return import_module("torchvision.models")
    except ImportError:
        pytest.skip("torchvision is not installed (pip install torchvision --no-deps)")


def leaf_facts(model: Any, batch: int = 1, shape: tuple[int, ...] = SHAPE) -> dict[str, Facts]:
    """Every leaf module with parameters, by path: class, output shape, parameter shapes."""
    found: dict[str, Facts] = {}

    def hook(path: str) -> Any:
        def record(module: Any, _inputs: object, output: Any) -> None:
            params = {name: tuple(p.shape) for name, p in module.named_parameters(recurse=False)}
            first = output[0] if isinstance(output, tuple) else output  # MultiheadAttention: (output, weights)
            found.setdefault(path, (type(module).__name__, tuple(first.shape), params))

        return record

    handles = [
        module.register_forward_hook(hook(path))
        for path, module in model.named_modules()
        if not any(True for _ in module.children()) and any(True for _ in module.parameters(recurse=False))
    ]
    with torch.no_grad():
        model(torch.zeros(batch, *shape))
    for handle in handles:
        handle.remove()
    return found


def batched(one: tuple[int, ...], two: tuple[int, ...]) -> tuple[int | None, ...]:
    """A shape with the dims that differ between batch 1 and 2 unknown, as the importer writes it."""
    return tuple(None if a != b else a for a, b in zip(one, two, strict=True))


@pytest.fixture(scope="module")
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


@pytest.mark.parametrize("real", MODELS, indirect=True)
def test_onnx_without_folding_is_the_model(real: Any, scratch: Path) -> None:
    name, model, facts = real
    imported = onnx_import(model, scratch / f"{name}.onnx", dynamo=False, do_constant_folding=False)
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    bundled = summarize((SPECS / f"pytorch-{name}.yaml").read_text(), f"pytorch-{name}.yaml")
    assert report.totals.params == bundled.totals.params
    for path, (cls, shape, params) in facts.items():
        assert_module(rows, path, cls, shape, params)


@pytest.mark.parametrize("real", DYNAMIC, indirect=True)
def test_onnx_with_a_dynamic_batch_is_the_model(real: Any, scratch: Path) -> None:
    """Every module as at a fixed batch, the sizes that scale with the batch unknown (Swin's
    B * nW windows too); per sample, the MACs and activations of the model at batch 1."""
    name, model, facts = real
    path = scratch / f"{name}.onnx"
    dynamic = {"input_names": ["x"], "dynamic_axes": {"x": {0: "batch"}}}
    imported = onnx_import(model, path, dynamo=False, do_constant_folding=False, **dynamic)
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    assert report.inputs[0].shape[0] is None
    twice = leaf_facts(model, batch=2)
    for module, (cls, shape, params) in facts.items():
        assert_module(rows, module, cls, batched(shape, twice[module][1]), params)
    fixed = onnx_import(model, scratch / f"{name}-1.onnx", dynamo=False, do_constant_folding=False)
    per_sample, at_one = costs(report), costs(summarize(fixed.text, "fixed.yaml"))
    assert (per_sample.macs, per_sample.activation_elements) == (at_one.macs, at_one.activation_elements)
    assert summarize(imported.text, "imported.yaml", batch=3).rows[-1].output_shape == (3, 1000)


def assert_module(rows: dict[str, Any], path: str, cls: str, shape: tuple[int, ...], params: dict[str, Any]) -> None:
    """The module's row: its class, output shape and weights; a module of DECOMPOSED, its rows
    together: their weights the module's, the last one's output its output."""
    key = path.replace(".", "_")
    if cls not in DECOMPOSED:
        row = rows[key]
        assert (row.type, row.output_shape, {w.name: w.shape for w in row.weights}) == (cls, shape, params), path
        return
    parts = [row for name, row in rows.items() if name == key or re.fullmatch(re.escape(key) + r"_\d+", name)]
    assert parts and parts[-1].output_shape == shape, path
    assert sorted(w.shape for row in parts for w in row.weights) == sorted(params.values()), path


def folded_counts(model: Any, facts: dict[str, Facts]) -> tuple[set[str], int]:
    """The convolutions a BatchNorm follows (those without a bias, in torchvision's models) and
    the folded network's parameter count: the model's, without its batch norms, with a bias
    on each of those convolutions."""
    folded = {path for path, (cls, _, params) in facts.items() if cls == "Conv2d" and "bias" not in params}
    total = sum(p.numel() for p in model.parameters())
    for path, (cls, shape, params) in facts.items():
        if cls == "BatchNorm2d":
            total -= sum(math.prod(dims) for dims in params.values())
        elif path in folded:
            total += shape[1]
    for module in model.modules():  # Swin: the bias gathered from the table, (1, heads, N, N), in its place
        if hasattr(module, "get_relative_position_bias"):
            with torch.no_grad():
                total += module.get_relative_position_bias().numel() - module.relative_position_bias_table.numel()
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
        assert_module(rows, path, cls, shape, dict(params, bias=(shape[1],)) if path in folded else params)
    transposed = {path for path, (cls, shape, _) in facts.items() if cls == "Linear" and len(shape) > 2}
    said = {name for name, row in rows.items() if "transposed by the exporter" in comments(imported).get(name, "")}
    assert said >= {path.replace(".", "_") for path in transposed}
    if said:
        line = f"{len(said)} MatMul nodes take a Linear's weights the exporter transposed"
        assert any(line in header for header in imported.draft.header)


def comments(imported: Any) -> dict[str, str]:
    return {str(layer.name): layer.comment for layer in imported.draft.layers}


@pytest.mark.parametrize("real", MODELS, indirect=True)
def test_onnx_with_folding_says_what_was_folded(real: Any, scratch: Path) -> None:
    name, model, facts = real
    if name not in FOLDED:
        pytest.skip(f"{name}: folding is checked on {' and '.join(FOLDED)} (FOLDED says why)")
    imported = onnx_import(model, scratch / f"{name}.onnx", dynamo=False, do_constant_folding=True)
    assert_folded(imported, model, facts)
    if name == "swin_t":
        assert_computed_biases(imported, model)


def assert_computed_biases(imported: Any, model: Any) -> None:
    """Swin's relative position biases, which constant folding computes from their tables: a
    Parameter each, said to be the exporter's, and the header says why the count differs."""
    computed = [layer for layer in imported.draft.layers if layer.comment.endswith("computed by the exporter")]
    blocks = [module for module in model.modules() if hasattr(module, "get_relative_position_bias")]
    assert len(computed) == len(blocks) and all(layer.type == "Parameter" for layer in computed)
    said = f"operands the exporter computed from the model's parameters ({len(blocks)};"
    assert any(said in line for line in imported.draft.header)


@pytest.mark.parametrize("name", ["resnet18", "swin_t"])
def test_onnx_from_torch_export(name: str, scratch: Path) -> None:
    """torch.onnx's default exporter (torch.export, then onnxscript's optimizer): names from
    its name scopes, every BatchNorm folded and named in the convolution's comment; Swin's
    relative position biases computed, the tensors outside the graph's signature."""
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
    if name == "resnet18":
        assert comments["layer1_0_conv1"].endswith("layer1.0.bn1 folded in")
    else:
        assert_computed_biases(imported, model)


@pytest.fixture(scope="module")
def factories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file naming torchvision's factories, as a user would write one."""
    torchvision_models()
    path = tmp_path_factory.mktemp("factories") / "models.py"
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    path.write_text(f"import sys\nimport types\n\n{stubs}\nfrom torchvision.models import {', '.join(TRACED)}  # noqa\n")
    return path


@pytest.mark.parametrize("real", TRACED, indirect=True)
def test_torch_trace_is_the_model(real: Any, factories: Path) -> None:
    name, model, facts = real
    imported = convert(f"{factories}:{name}", options={"input_shape": SHAPE})
    assert not imported.problems, [p.text() for p in imported.problems]
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    assert summarize(imported.text, "imported.yaml", batch=3).output_shape == (3, 1000)  # ViT's expand to the batch
    twice = leaf_facts(model, batch=2)  # Swin-V2's cpb_mlp runs on a constant: no batch
    for path, (cls, shape, params) in facts.items():
        row = rows[path.replace(".", "_")]
        expected = (cls, batched(shape, twice[path][1]), params)
        assert (row.type, row.output_shape, {w.name: w.shape for w in row.weights}) == expected, path
    for path, module in model.named_modules():  # the rest: weights F.linear reads, tensors read as such
        own = {key: tuple(p.shape) for key, p in module.named_parameters(recurse=False)}
        enclosing = [".".join(path.split(".")[:end]).replace(".", "_") for end in range(1, path.count(".") + 1)]
        if not own or path in facts or any(rows.get(outer, None) is not None for outer in enclosing):
            continue  # checked, or counted by an enclosing module's row (MultiheadAttention's out_proj)
        row = rows.get(path.replace(".", "_"))
        if row is not None:  # a module called, or whose weights F.linear takes: its row holds them
            assert (row.type, {w.name: w.shape for w in row.weights if w.name in own}) == (type(module).__name__, own), path
        else:  # its own tensors (ViT's class_token, Swin's relative_position_bias_table): Parameter rows
            for key, dims in own.items():
                param = rows[f"{path}.{key}".lstrip(".").replace(".", "_")]
                assert (param.type, param.output_shape) == ("Parameter", dims), (path, key)
    if name.startswith("resnet"):
        block = "BasicBlock" if name == "resnet18" else "Bottleneck"
        assert {b.name for b in imported.draft.blocks} >= {block, f"{block}_2"}


SWEPT = {
    "regnet_x_400mf": ("models.regnet_x_400mf()", (3, 64, 64)),
    "inception_v3": ("models.inception_v3(aux_logits=False, init_weights=False)", (3, 80, 80)),
    "r3d_18": ("models.video.r3d_18()", (3, 4, 32, 32)),
    "lraspp_mobilenet_v3_large": ("models.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None)", (3, 64, 64)),
    "deeplabv3_mobilenet_v3_large": ("models.segmentation.deeplabv3_mobilenet_v3_large(weights_backbone=None)", (3, 64, 64)),
    "mvit_v1_b": ("models.video.mvit_v1_b()", (3, 16, 224, 224)),
    "mvit_v2_s": ("models.video.mvit_v2_s()", (3, 16, 224, 224)),
}
"""Models a sweep of torchvision's found the torch importer refusing or failing: RegNet's
constructor reads its widths' values (built on the CPU); Inception-v3 calls F.max_pool2d
(torch's `(*args, **kwargs)` dispatcher); the video ResNets' Conv3DSimple subclasses nn.Conv3d;
the segmentation models return a dict; DeepLabV3's image pooling normalizes (N, 256, 1, 1), which
takes a batch of 1 only in the eval mode it was traced in; MViT adds its positional embedding in
place (`pos_embedding.add_(...)`), and MViT-V2 its relative positions into a slice of the attention
(`attn[:, :, 1:, 1:] += rel_pos`). Each traced at a small input (MViT built for it: its positional
tables are sized by the input)."""
TIMM = {"levit_128s": (3, 224, 224), "efficientformer_l1": (3, 224, 224)}
TIMM |= {"xcit_nano_12_p16_224": (3, 224, 224), "convit_tiny": (3, 224, 224), "coat_lite_tiny": (3, 224, 224)}
TIMM |= {"skresnet18": (3, 224, 224), "crossvit_tiny_240": (3, 240, 240), "mobilevitv2_050": (3, 256, 256)}
TIMM |= {"efficientnet_b0": (3, 224, 224), "convnextv2_atto": (3, 224, 224), "resmlp_12_224": (3, 224, 224)}
TIMM |= {"vit_small_patch16_rope_mixed_224": (3, 224, 224), "mvitv2_tiny": (3, 224, 224)}
TIMM |= {"eva02_tiny_patch14_224": (3, 224, 224), "swinv2_tiny_window8_256": (3, 256, 256)}
TIMM |= {"poolformerv2_s12": (3, 224, 224), "convnext_atto_rms": (3, 224, 224), "caformer_s18": (3, 224, 224)}
TIMM |= {"nest_tiny": (3, 224, 224), "nf_regnet_b0": (3, 192, 192), "dm_nfnet_f0": (3, 192, 192)}
TIMM |= {"halonet26t": (3, 256, 256), "volo_d1_224": (3, 224, 224)}
"""timm's models a sweep found refused: LeViT's and EfficientFormer's attention biases gathered
by a buffer (`attention_biases[:, attention_bias_idxs]`, cached by `x.device`), SKNet's and
CrossViT's torch.stack, MobileViT-V2's expand_as, ConvNeXt-V2's x.norm and torch.addcmul (its
global response normalization; ResMLP's affine), the rotary ViTs' `-x`, `sin` and `cos` (the
mixed RoPE's chunk of learned frequencies recorded with no batch), EVA-02's and Swin-V2's
F.linear with a bias the forward concatenates (`torch.cat((q_bias, k_bias, v_bias))`),
PoolFormer-V2's, CAFormer's and the RMS-normed ConvNeXt's powers (`x ** 2`, torch.rsqrt),
NesT's math.sqrt of a size, NF-RegNet's and DM-NFNet's weight-standardized convolutions
(F.batch_norm of each filter, then F.conv2d with it: the BatchNorm and Convolution stand-ins)
and DM-NFNet's `x.mul_(gain)`; and counted wrong: XCiT's and ConViT's
weights asked only for their `.device` (a Parameter row beside the module that counts them),
CoaT's convolutional position encodings, one module called by every block of a stage (its
weights counted at each call). EfficientNet-B0's BatchNormAct2d (F.batch_norm and an activation
in one module) guards the blocks a module of one row must not become."""


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file of no-argument factories for SWEPT, as a user would write one."""
    torchvision_models()
    path = tmp_path_factory.mktemp("swept") / "swept.py"
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    factories = "".join(f"\n\ndef {name}():\n    return {call}\n" for name, (call, _) in SWEPT.items())
    path.write_text(f"import sys\nimport types\n\n{stubs}\nfrom torchvision import models  # noqa: E402\n{factories}")
    return path


@pytest.mark.parametrize("name", list(SWEPT))
def test_torch_trace_of_models_a_sweep_found(name: str, swept: Path) -> None:
    call, shape = SWEPT[name]
    torch.manual_seed(0)
    model = eval(call, {"models": import_module("torchvision.models")}).eval()
    assert_swept(model, f"{swept}:{name}", shape)


@pytest.fixture(scope="module")
def timm_factories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file of no-argument factories for TIMM (timm imports torchvision: stubbed first)."""
    torchvision_models()
    pytest.importorskip("timm", reason="the timm models need timm (pip install timm)")
    path = tmp_path_factory.mktemp("timm") / "timm_models.py"
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    factories = "".join(f"\n\ndef {name}():\n    return timm.create_model({name!r})\n" for name in TIMM)
    path.write_text(f"import sys\nimport types\n\n{stubs}\nimport timm  # noqa: E402\n{factories}")
    return path


@pytest.mark.parametrize("name", list(TIMM))
def test_torch_trace_of_timm_models_a_sweep_found(name: str, timm_factories: Path) -> None:
    timm = import_module("timm")
    torch.manual_seed(0)
    assert_swept(timm.create_model(name).eval(), f"{timm_factories}:{name}", TIMM[name])


def assert_swept(model: Any, factory: str, shape: tuple[int, ...]) -> None:
    """Each module with parameters as the model has it (class, output shape, weights), the
    totals, the output at batch 3 and at batch 1 (the eval mode it was traced in), and the MACs
    as fvcore counts them."""
    fvcore = pytest.importorskip("fvcore.nn", reason="the MACs are checked against fvcore")
    imported = convert(factory, options={"input_shape": shape})
    assert not imported.problems, [p.text() for p in imported.problems]
    report, rows = rows_by_name(imported.text)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    instances = {row.name.split(".")[0] for row in report.rows if "." in row.name}
    for path, (cls, dims, params) in leaf_facts(model, shape=shape).items():
        row = rows.get(path.replace(".", "_"))
        if row is None and path.replace(".", "_") in instances:
            continue  # traced through into a block (timm's LayerNorm2d: a permute, F.layer_norm, a permute): its
            # weights are counted in the totals above, its output is the network's, its products in the MACs below
        if row is None:  # traced through (timm's LayerScale2d, `x * gamma.view(...)`): its tensors are Parameter rows
            found = {key: rows[f"{path}.{key}".replace(".", "_")] for key in params}
            assert {key: (r.type, r.output_shape) for key, r in found.items()} == {k: ("Parameter", d) for k, d in params.items()}
            continue
        # a subclass convcalc does not know is read as the torch.nn class it subclasses (the video
        # ResNets' Conv3DSimple as nn.Conv3d, timm's GroupNorm1 as nn.GroupNorm); where its forward
        # permutes around the norm (timm's LayerNorm2d), the norm's row has the module's sizes in
        # another order, and the Permute after it the module's output
        base = next(c.__name__ for c in type(model.get_submodule(path)).__mro__ if c.__module__.startswith("torch.nn."))
        assert row.type in (cls, base), path
        found = row.output_shape[1:] if row.type == cls else tuple(sorted(row.output_shape[1:]))
        expected = dims[1:] if row.type == cls else tuple(sorted(dims[1:]))
        assert (found, {w.name: w.shape for w in row.weights}) == (expected, params), path
    x = torch.zeros(1, *shape)
    with torch.no_grad():
        out = model(x)
    first = out["out"] if isinstance(out, dict) else out
    assert summarize(imported.text, "imported.yaml", batch=3).output_shape == (3, *first.shape[1:])
    assert summarize(imported.text, "imported.yaml", batch=1).output_shape == tuple(first.shape)
    counted = fvcore.FlopCountAnalysis(model, x)
    counted.unsupported_ops_warnings(False)
    counted.uncalled_modules_warnings(False)
    assert as_fvcore_reports(report) == counted.total()


def as_fvcore_reports(report: Any) -> int:
    """convcalc's MACs of the report as fvcore's total states them, where docs/operations.md
    says the two differ by design: fvcore has no handler for F.scaled_dot_product_attention (0
    there; convcalc counts QK^T and AV, XCiT's class attention), and it reads an einsum's cost as
    numpy's einsum_path prints it (printed_einsum_macs)."""
    found = costs(report)
    total = found.macs
    for row, cost in zip(report.rows, found.layers, strict=True):
        if row.type == "ScaledDotProductAttention":
            total -= cost.macs
        elif row.type == "Einsum":
            total += printed_einsum_macs(cost.macs) - cost.macs
    return total


def printed_einsum_macs(macs: int) -> int:
    """fvcore's count of an einsum of `macs` multiply-adds: it reads the cost numpy's
    einsum_path prints, 2 x macs to 4 significant digits ("3.372e+07"), and halves it
    (fvcore/nn/jit_handles.py, einsum_flop_jit); convcalc counts exactly (MViT-V2's einsums:
    16,859,136 exactly, 16,860,000 by fvcore).

    >>> printed_einsum_macs(16859136), printed_einsum_macs(1344)
    (16860000, 1344)
    """
    return math.floor(float(f"{2 * macs:.3e}") / 2)


BERT = """
import sys
import types

STUBS
from transformers import BertConfig, BertModel  # noqa: E402


def bert():
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    return BertModel(config)
"""


def test_torch_import_of_hugging_face_bert(tmp_path: Path) -> None:
    """Hugging Face's BertModel, as a user's factory returns it: its forward takes `**kwargs`
    that its decorators write into, its input is token ids, its token types a buffer expanded to
    the batch, and it returns the last layer's output and the pooler's. Parameters as torch
    counts them, both outputs at batch 3, and the MACs as fvcore counts them (less attention's
    products, which fvcore does not count: as_fvcore_reports)."""
    transformers = import_module("transformers")
    fvcore = pytest.importorskip("fvcore.nn", reason="the MACs are checked against fvcore")
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    path = tmp_path / "bert.py"
    path.write_text(BERT.replace("STUBS\n", stubs))
    imported = convert(f"{path}:bert", options={"input_shape": (16,)})
    assert not imported.problems, [p.text() for p in imported.problems]
    assert {block.name for block in imported.draft.blocks} == {"BertLayer"}
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    model = transformers.BertModel(config).eval()
    report = summarize(imported.text, "bert.yaml", batch=3)
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        out = model(torch.zeros(3, 16, dtype=torch.long))
    assert [o.shape for o in report.outputs] == [tuple(out.last_hidden_state.shape), tuple(out.pooler_output.shape)]
    counted = fvcore.FlopCountAnalysis(model, torch.zeros(1, 16, dtype=torch.long))
    counted.unsupported_ops_warnings(False)
    counted.uncalled_modules_warnings(False)
    assert as_fvcore_reports(summarize(imported.text, "bert.yaml")) == counted.total()


GROUPED = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
"""A small Llama-style decoder: grouped-query attention, two heads of keys and values for four."""
DECODERS = {
    "gpt2": ("GPT2Model", "GPT2Config", dict(n_embd=32, n_layer=2, n_head=2, vocab_size=100, n_positions=32)),
    "gpt2_lm_head": ("GPT2LMHeadModel", "GPT2Config", dict(n_embd=32, n_layer=2, n_head=2, vocab_size=100, n_positions=32)),
    "llama": ("LlamaModel", "LlamaConfig", dict(GROUPED, vocab_size=100)),
    "qwen2": ("Qwen2Model", "Qwen2Config", dict(GROUPED, vocab_size=100)),
    "mistral": ("MistralModel", "MistralConfig", dict(GROUPED, vocab_size=100)),
}
"""Hugging Face's decoders, small: without their key-value cache (use_cache=False), the causal
mask expands position ids of shape (1, T) to the batch unless the batch is 1 (torch_tracer.py);
with it (the configs' default), the module returns the cache besides its tensors."""
CACHED = ["gpt2", "llama"]
"""The decoders also imported with their cache."""


def decoder(name: str, use_cache: bool) -> Any:
    """The real model of DECODERS[name], its weights on the CPU."""
    model_class, config_class, options = DECODERS[name]
    try:
        transformers = import_module("transformers")
    except ImportError:
        pytest.skip("transformers is not installed (pip install transformers)")
    return getattr(transformers, model_class)(getattr(transformers, config_class)(**options, use_cache=use_cache)).eval()


@pytest.mark.parametrize(("name", "use_cache"), [*((name, False) for name in DECODERS), *((name, True) for name in CACHED)])
def test_torch_import_of_hugging_face_decoders(name: str, use_cache: bool, tmp_path: Path) -> None:
    """GPT-2 (and its language-model head), Llama, Qwen2 and Mistral from a user's factory:
    parameters as torch counts them, the output at batch 1 and 3 as the real model computes it,
    and the MACs as fvcore counts them (less attention's products: as_fvcore_reports). With its
    cache, the module's cache is left out of the outputs, and the header says so."""
    model = decoder(name, use_cache)
    fvcore = pytest.importorskip("fvcore.nn", reason="the MACs are checked against fvcore")
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    model_class, config_class, options = DECODERS[name]
    path = tmp_path / "decoders.py"
    path.write_text(
        f"import sys\nimport types\n{stubs}import transformers\n\n\ndef {name}():\n"
        f"    config = transformers.{config_class}(**{options!r}, use_cache={use_cache})\n"
        f"    return transformers.{model_class}(config)\n"
    )
    imported = convert(f"{path}:{name}", options={"input_shape": (16,)})
    assert not imported.problems, [p.text() for p in imported.problems]
    left_out = [line.split(",")[0] for line in imported.draft.header if line.startswith("Outputs: ")]
    assert left_out == (["Outputs: the module's cache (a DynamicCache) left out"] if use_cache else [])
    assert summarize(imported.text, "decoder.yaml").totals.params == sum(p.numel() for p in model.parameters())
    for batch in (1, 3):
        with torch.no_grad():
            out = model(torch.zeros(batch, 16, dtype=torch.long))
        report = summarize(imported.text, "decoder.yaml", batch=batch)
        assert [o.shape for o in report.outputs] == [tuple(out[0].shape)]
    model.config.use_cache = False  # torch.jit, under fvcore, traces no module that returns a cache: the same calls without
    counted = fvcore.FlopCountAnalysis(model, torch.zeros(1, 16, dtype=torch.long))
    counted.unsupported_ops_warnings(False)
    counted.uncalled_modules_warnings(False)
    assert as_fvcore_reports(summarize(imported.text, "decoder.yaml")) == counted.total()


def test_torch_import_of_hugging_face_roberta(tmp_path: Path) -> None:
    """Hugging Face's RobertaModel: its position ids counted from the token ids (NotEqual, Cumsum,
    casts) and its token types gathered by them (Gather); parameters as torch counts them, both
    outputs at batch 1 and 3, and the MACs as fvcore counts them (as_fvcore_reports)."""
    try:
        transformers = import_module("transformers")
    except ImportError:
        pytest.skip("transformers is not installed (pip install transformers)")
    fvcore = pytest.importorskip("fvcore.nn", reason="the MACs are checked against fvcore")
    options = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    stubs = "".join(f"sys.modules.setdefault({stub!r}, types.ModuleType({stub!r}))\n" for stub in TORCHVISION_STUBS)
    path = tmp_path / "roberta.py"
    path.write_text(
        f"import sys\nimport types\n{stubs}import transformers\n\n\n"
        f"def roberta():\n    return transformers.RobertaModel(transformers.RobertaConfig(**{options!r}))\n"
    )
    imported = convert(f"{path}:roberta", options={"input_shape": (16,)})
    assert not imported.problems, [p.text() for p in imported.problems]
    model = transformers.RobertaModel(transformers.RobertaConfig(**options)).eval()
    assert summarize(imported.text, "roberta.yaml").totals.params == sum(p.numel() for p in model.parameters())
    for batch in (1, 3):
        with torch.no_grad():
            out = model(torch.full((batch, 16), 5))
        report = summarize(imported.text, "roberta.yaml", batch=batch)
        assert [o.shape for o in report.outputs] == [tuple(out.last_hidden_state.shape), tuple(out.pooler_output.shape)]
    counted = fvcore.FlopCountAnalysis(model, torch.full((1, 16), 5))
    counted.unsupported_ops_warnings(False)
    counted.uncalled_modules_warnings(False)
    assert as_fvcore_reports(summarize(imported.text, "roberta.yaml")) == counted.total()
