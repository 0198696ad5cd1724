"""Nested containers and parameter tensors against the real frameworks: row names are the module
paths torch reports (`named_parameters()`, `named_modules()`, hence the keys of `state_dict`),
and Keras's own names for a Sequential inside a functional model; a parameter tensor counts once
and merges as the tensor does.

- torchvision's mobilenet_v3_small (docs/examples/mobilenet_v3_small.yaml), when torchvision
  imports (its model definitions are plain Python; its C extension is stubbed out, see
  `torchvision_models`): every parameter by its full path and shape, every container path,
  every leaf module's output shape;
- a small ViT-like model built with torch.nn, class token and position embedding included, with
  an OrderedDict Sequential, a ModuleList run as a loop and a ModuleDict;
- Keras 3: a nested Sequential's names (counted model-wide, a Sequential after the Sequentials
  in it), and a weight made with add_weight used as a tensor by Add and Concatenate.
"""

from __future__ import annotations

import math
import sys
import textwrap
import types
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the conformance suite needs torch (pip install torch)")
nn = torch.nn

from convcalc import summarize  # noqa: E402
from convcalc.errors import SpecError  # noqa: E402
from convcalc.render import summary_table  # noqa: E402
from convcalc.spec.loading import load_path  # noqa: E402

pytestmark = pytest.mark.conformance
EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
FUNCTIONS = {"Add", "Multiply", "Concat", "Select", "Flatten", "Parameter"}  # functions (or tensors) in torch's forward


def torchvision_models() -> Any:
    """torchvision.models, or a skip: the CPU torch here has no kernels for torchvision's C
    extension, whose registrations fail at import; the model definitions need none of it."""
    for name in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
        sys.modules.setdefault(name, types.ModuleType(name))
    try:
        import torchvision.models
    except Exception as exc:  # any import failure: torchvision is optional
        pytest.skip(f"torchvision does not import here: {exc}")
    return torchvision.models


def parameters_by_path(report: Any) -> dict[str, tuple[int, ...]]:
    """Each weight as torch names it: `<row>.<weight>`, a parameter tensor by its row alone."""
    found = {}
    for row in report.rows:
        for weight in row.weights:
            found[row.name if row.type == "Parameter" else f"{row.name}.{weight.name}"] = weight.shape
    return found


def leaf_shapes(model: Any, batch: int, shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Every leaf module's output shape, by its path, on a zero tensor."""
    found: dict[str, tuple[int, ...]] = {}
    for name, module in model.named_modules():
        if not list(module.children()):
            module.register_forward_hook(lambda m, i, o, name=name: found.__setitem__(name, tuple(o.shape)))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(batch, *shape))
    return found


def test_mobilenet_v3_small_rows_are_torchvisions_modules() -> None:
    models = torchvision_models()
    model = models.mobilenet_v3_small()
    report = summarize(load_path(str(EXAMPLES / "mobilenet_v3_small.yaml")))
    expected = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert parameters_by_path(report) == expected
    containers = {name for name, module in model.named_modules() if name and list(module.children())}
    assert {path for row in report.rows for path, _ in row.blocks} == containers
    modules = {row.name: row.output_shape[1:] for row in report.rows if row.type not in FUNCTIONS}
    assert modules == {name: shape[1:] for name, shape in leaf_shapes(model, 2, (3, 224, 224)).items()}
    assert report.totals.params == sum(p.numel() for p in model.parameters()) == 2_542_856


def test_vit_b_16_from_its_patches_is_torchvisions_encoder_and_heads() -> None:
    """docs/examples/vit_b_16_tokens.yaml: every parameter of vit_b_16 by its path, but
    conv_proj's (the patches it makes are the spec's input), and the output of each module."""
    models = torchvision_models()
    model = models.vit_b_16()
    report = summarize(load_path(str(EXAMPLES / "vit_b_16_tokens.yaml")))
    expected = {name: tuple(p.shape) for name, p in model.named_parameters() if not name.startswith("conv_proj.")}
    assert parameters_by_path(report) == expected
    assert report.totals.params + sum(p.numel() for p in model.conv_proj.parameters()) == 86_567_656
    outputs: dict[str, tuple[int, ...]] = {}
    leaves = set()
    for name, module in model.named_modules():
        module.register_forward_hook(
            lambda m, i, o, name=name: outputs.__setitem__(name, tuple((o[0] if isinstance(o, tuple) else o).shape))
        )
        if name.startswith(("encoder.", "heads.")) and not list(module.children()):
            leaves.add(name)
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 224, 224))
    rows = {row.name: row.output_shape for row in report.rows if row.type not in FUNCTIONS}
    assert rows == {name: outputs[name] for name in rows}
    inside = {name for name in leaves if any(name.startswith(row + ".") for row in rows)}  # MultiheadAttention's out_proj
    assert leaves - inside == set(rows) - {name for name in rows if name.endswith(".self_attention")}


def test_depth_folds_at_container_boundaries_as_torchinfo_would() -> None:
    report = summarize(load_path(str(EXAMPLES / "mobilenet_v3_small.yaml")))
    lines = summary_table(report, "table", color=False, depth=0).splitlines()
    names = [line.split()[0] for line in lines[4:8]]
    assert names == ["features", "avgpool", "flatten", "classifier"]
    assert "features (Sequential)" in lines[4] and "classifier (Sequential)" in lines[7]


VIT = """
    framework: pytorch
    input: [16, 48]               # 16 patches of 4 x 4 x 3, already cut
    batch: {batch}
    blocks:
      encoder:                    # torchvision's vision_transformer.Encoder, in miniature
        params: [seq, dim, depth]
        layers:
          - Parameter((1, seq, dim), name="pos_embedding")
          - Add(inputs=[input, pos_embedding])                      # input + self.pos_embedding
          - Dropout(0.0, name="dropout")
          - type: Sequential                                        # Sequential(OrderedDict(layers))
            name: layers
            layers:
              encoder_layer_0: TransformerEncoderLayer(dim, 4, 64, 0.0, batch_first=True)
              encoder_layer_1: TransformerEncoderLayer(dim, 4, 64, 0.0, batch_first=True)
          - LayerNorm(dim, name="ln")
    layers:
      - Linear(48, 32, name="embed")
      - Parameter((1, 1, 32), name="class_token")
      - Concat(dim=1, inputs=[class_token, embed])                  # torch.cat([class_token, x], dim=1)
      - encoder(17, 32, 2, name="encoder")
      - Select(1, 0)                                                # x[:, 0]
      - 'Sequential({{"head": Linear(32, 10)}}, name="heads")'    # YAML: quote a call holding ": "
"""


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.zeros(1, 17, 32))
        self.dropout = nn.Dropout(0.0)
        layers = [(f"encoder_layer_{i}", nn.TransformerEncoderLayer(32, 4, 64, 0.0, batch_first=True)) for i in range(2)]
        self.layers = nn.Sequential(OrderedDict(layers))
        self.ln = nn.LayerNorm(32)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class TinyViT(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(48, 32)
        self.class_token = nn.Parameter(torch.zeros(1, 1, 32))
        self.encoder = Encoder()
        self.heads = nn.Sequential(OrderedDict(head=nn.Linear(32, 10)))

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = torch.cat([self.class_token, self.embed(x)], dim=1)  # batch 1: nothing to expand
        return self.heads(self.encoder(x)[:, 0])


def test_class_token_and_position_embedding_count_once_under_their_paths() -> None:
    model = TinyViT()
    report = summarize(textwrap.dedent(VIT.format(batch=1)))
    assert parameters_by_path(report) == {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert report.totals.params == sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        assert report.output_shape == tuple(model(torch.zeros(1, 16, 48)).shape) == (1, 10)
    rows = {row.name: row for row in report.rows}
    assert rows["class_token"].output_shape == (1, 1, 32) and rows["class_token"].inputs == ()
    assert rows["encoder.add"].output_shape == (1, 17, 32)  # the position embedding broadcast


def test_torch_cat_does_not_broadcast_a_class_token_over_the_batch() -> None:
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        TinyViT()(torch.zeros(2, 16, 48))
    with pytest.raises(SpecError) as caught:
        summarize(textwrap.dedent(VIT.format(batch=2)))
    assert "cannot concatenate on axis 1" in caught.value.diagnostic.message
    with pytest.raises(SpecError) as caught:
        summarize(textwrap.dedent(VIT.format(batch="null")))
    assert "torch.cat does not broadcast" in caught.value.diagnostic.message


LISTS = """
    framework: pytorch
    input: [8]
    batch: 2
    blocks:
      residual:
        params: [width]
        layers:
          - Linear(width, width, name="fc")
          - ReLU(name="act")
          - Add(inputs=[-1, input])
    layers:
      - type: ModuleList                  # for layer in self.layers: x = layer(x)
        name: layers
        modules:
          - residual(8, repeat=3)
          - Linear(8, 4)
      - type: ModuleDict                  # DenseNet's _DenseBlock: each takes all before it
        name: dense
        modules:
          a: Linear(4, 2)
          joined: Concat(dim=1, inputs=[a, input])   # a function of the forward, under a key of its own
          b: Linear(6, 2)
          c: Concat(dim=1, inputs=[input, a, b])
      - Parameter(8, name="scale", requires_grad=False)
      - Multiply(inputs=[-2, scale])
"""


class Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc, self.act = nn.Linear(width, width), nn.ReLU()

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.act(self.fc(x)) + x


class Lists(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([Residual(8), Residual(8), Residual(8), nn.Linear(8, 4)])
        self.dense = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(6, 2)})
        self.scale = nn.Parameter(torch.ones(8), requires_grad=False)

    def forward(self, x):  # type: ignore[no-untyped-def]
        for layer in self.layers:
            x = layer(x)
        a = self.dense["a"](x)
        b = self.dense["b"](torch.cat([a, x], 1))
        return torch.cat([x, a, b], 1) * self.scale


def test_module_lists_and_dicts_are_named_as_torch_names_them() -> None:
    model = Lists()
    report = summarize(textwrap.dedent(LISTS))
    assert parameters_by_path(report) == {name: tuple(p.shape) for name, p in model.named_parameters()}
    with torch.no_grad():
        assert report.output_shape == tuple(model(torch.zeros(2, 8)).shape)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert (report.totals.params, report.totals.trainable_params) == (sum(p.numel() for p in model.parameters()), trainable)
    names = [row.name for row in report.rows]
    assert names[:3] == ["layers.0.fc", "layers.0.act", "layers.0.add"] and "layers.3" in names
    assert {"dense.a", "dense.joined", "dense.b", "dense.c"} <= set(names)


# --- Keras

keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install keras)")


def keras_rows(model: Any, prefix: str = "") -> dict[str, tuple[tuple[int | None, ...], int]]:
    """Every leaf layer by its path (`sequential_1.sequential.dense_3`), with its symbolic output
    shape and parameter count, as model.summary(expand_nested=True) lists them."""
    found = {}
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.update(keras_rows(layer, f"{prefix}{layer.name}."))
        elif not isinstance(layer, keras.layers.InputLayer):
            found[prefix + layer.name] = (tuple(layer.output.shape), layer.count_params())
    return found


def test_a_keras_sequential_in_a_functional_model_keeps_keras_names() -> None:
    from keras import layers

    keras.utils.clear_session()  # automatic names count from here
    inputs = keras.Input((16,))
    x = layers.Dense(4)(inputs)
    x = keras.Sequential([layers.Dense(8), layers.Dense(4, name="last")], name="mlp")(x)
    x = keras.Sequential([layers.Dense(3), keras.Sequential([layers.Dense(2)])], trainable=False)(x)
    model = keras.Model(inputs, layers.Dense(3)(x))
    report = summarize(
        textwrap.dedent("""
        framework: keras
        input: [16]
        layers:
          - Dense(4)
          - Sequential([Dense(8), Dense(4, name="last")], name="mlp")
          - type: Sequential
            trainable: false
            layers:
              - Dense(3)
              - Sequential([Dense(2)])
          - Dense(3)
        """)
    )
    assert {row.name: (row.output_shape, row.params) for row in report.rows} == keras_rows(model)
    assert {w.path for w in model.weights} == {f"{r.name.replace('.', '/')}/{w.name}" for r in report.rows for w in r.weights}
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (report.totals.params, report.totals.trainable_params) == (model.count_params(), trainable)


def test_a_keras_weight_used_as_a_tensor_merges_as_keras_merges_it() -> None:
    from keras import layers

    class Weight(layers.Layer):  # a layer whose call returns the weight it made with add_weight
        def __init__(self, shape: tuple[int, ...], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.weight_shape = shape

        def build(self, input_shape: Any) -> None:
            self.tensor = self.add_weight(shape=self.weight_shape, name=self.name)

        def call(self, x: Any) -> Any:
            return self.tensor

    inputs = keras.Input((16, 32))
    token = Weight((1, 1, 32), name="class_token")(inputs)
    x = layers.Concatenate(axis=1)([token, inputs])
    x = layers.Add()([x, Weight((1, 17, 32), name="pos_embedding")(inputs)])
    scaled = layers.Multiply()([x, Weight((1, 1, 32), name="gamma")(inputs)])
    model = keras.Model(inputs, scaled)
    report = summarize(
        textwrap.dedent("""
        framework: keras
        input: [16, 32]
        layers:
          - Parameter((1, 1, 32), name="class_token")
          - Concatenate(axis=1, inputs=[class_token, input])
          - Parameter((1, 17, 32), name="pos_embedding")
          - Add(inputs=[concatenate, pos_embedding])
          - Parameter((1, 1, 32), name="gamma")
          - Multiply(inputs=[add, gamma])
        """)
    )
    assert {row.name: (row.output_shape, row.params) for row in report.rows} == keras_rows(model)
    assert report.totals.params == model.count_params() == 32 + 17 * 32 + 32


def test_keras_merges_take_the_first_axis_of_a_weight_for_its_batch() -> None:
    """Keras's Merge layers read axis 0 of every input as the batch: a (32,) weight does not
    multiply a (None, 17, 32) tensor there (ops.multiply, as LayerScale's call, would)."""
    from keras import layers

    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Multiply()([keras.Input((17, 32), batch_size=1), keras.ops.ones((32,))])
    with pytest.raises(SpecError) as caught:
        summarize("framework: keras\ninput: [17, 32]\nbatch: 1\nlayers:\n- Parameter(32)\n- Multiply(inputs=[input, -1])\n")
    assert "cannot merge batch sizes [1, 32]" in caught.value.diagnostic.message
