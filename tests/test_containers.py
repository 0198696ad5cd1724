"""Nested containers and parameter tensors, without the frameworks: how a spec writes them, the
names and folding they give, and the located error for each thing that cannot be written (the
conformance suite compares the same with torch, torchvision and Keras)."""

from __future__ import annotations

import textwrap

import pytest

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.render import summary_table
from convcalc.render.json import row_data


def report(text: str):
    return summarize(textwrap.dedent(text))


def problem(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        report(text)
    return caught.value.diagnostic.text()


def names(text: str) -> list[str]:
    return [row.name for row in report(text).rows]


def test_torch_containers_number_their_layers_and_nest() -> None:
    assert names("""
        framework: pytorch
        input: [3, 8, 8]
        layers:
          - Sequential(Conv2d(3, 4, 3), Sequential(BatchNorm2d(4), ReLU()), name="features")
          - Flatten()
          - 'Sequential({"head": Linear(144, 2)}, name="heads")'
    """) == ["features.0", "features.1.0", "features.1.1", "flatten", "heads.head"]


def test_the_call_and_mapping_forms_are_the_same_container() -> None:
    head = "framework: pytorch\ninput: [4]\nlayers:\n"
    call = report(head + "- ModuleList([Linear(4, 4), ReLU()], name='m')\n")
    mapping = report(head + "- {type: ModuleList, name: m, modules: ['Linear(4, 4)', ReLU()]}\n")
    assert [(r.name, r.output_shape, r.blocks) for r in call.rows] == [(r.name, r.output_shape, r.blocks) for r in mapping.rows]
    assert call.rows[0].blocks == (("m", "ModuleList"),)


def test_a_child_named_in_a_numbered_container_takes_no_number() -> None:
    assert names("""
        framework: pytorch
        input: [4]
        layers:
          - type: ModuleList
            name: layers
            modules:
              - Linear(4, 4)
              - Add(inputs=[-1, input], name="residual")   # the forward's `x + ...`, no module
              - Linear(4, 4, repeat=2)
    """) == ["layers.0", "layers.residual", "layers.1", "layers.2"]


def test_a_repeated_block_in_a_torch_container_takes_one_number_a_copy() -> None:
    result = report("""
        framework: pytorch
        input: [4]
        blocks:
          layer:
            params: [width]
            layers: ['Linear(width, width, name="fc")']
        layers:
          - {type: ModuleList, name: h, modules: ["layer(4, repeat=3)", "Linear(4, 2)"]}
    """)
    assert [r.name for r in result.rows] == ["h.0.fc", "h.1.fc", "h.2.fc", "h.3"]
    assert result.rows[1].blocks == (("h", "ModuleList"), ("h.1", "layer"))
    folded = summary_table(result, "table", color=False, depth=1)
    assert [line.split()[0] for line in folded.splitlines()[4:8]] == ["h.0", "h.1", "h.2", "h.3"]
    assert "h (ModuleList)" in summary_table(result, "table", color=False, depth=0)


def test_a_name_pattern_names_each_copy_of_a_repeat() -> None:
    result = report("""
        framework: pytorch
        input: [4]
        blocks:
          layer:
            layers: ['Linear(4, 4, name="fc")']
        layers:
          - type: Sequential                      # Sequential(OrderedDict(encoder_layer_0=...))
            name: layers
            layers: ['layer(name="encoder_layer_{copy - 1}", repeat=3)']
          - ReLU(name="act{copy}", repeat=2)
    """)
    assert [r.name for r in result.rows] == [
        "layers.encoder_layer_0.fc",
        "layers.encoder_layer_1.fc",
        "layers.encoder_layer_2.fc",
        "act1",
        "act2",
    ]
    assert result.rows[1].blocks == (("layers", "Sequential"), ("layers.encoder_layer_1", "layer"))
    assert "CC003 {copy / 2} in the name 'x{copy / 2}' must give a number or a word" in problem(
        "input: [4]\nlayers:\n- Dense(2, name='x{copy / 2}', repeat=2)\n"
    )
    text = problem("input: [4]\nlayers:\n- Dense(2, name='x{nothing}', repeat=1)\n")
    assert "CC105 in the name 'x{nothing}': unknown name 'nothing'" in text
    assert report("input: [4]\nlayers:\n- Dense(2, name='x{nothing}')\n").rows[0].name == "x{nothing}"  # no repeat
    assert "the name 'x' is used twice" in problem("input: [4]\nlayers:\n- Dense(2, name='x{\"\"}', repeat=2)\n")


def test_containers_may_be_given_on_the_command_line() -> None:
    from convcalc.engine import run
    from convcalc.spec.flags import from_flags

    spec = from_flags("pytorch", "4", ("Sequential(Linear(4, 2), ReLU())",), None)
    assert [row.name for row in run(spec).rows] == ["sequential.0", "sequential.1"]


def test_json_shows_each_container_in_a_rows_block_path() -> None:
    row = row_data(report("framework: pytorch\ninput: [4]\nlayers:\n- Sequential(Sequential(ReLU()), name='a')\n").rows[0])
    assert row["name"] == "a.0.0" and row["block"] == ["a", "a.0"]


def test_a_block_subclassing_sequential_numbers_its_layers() -> None:
    assert names("""
        framework: pytorch
        input: [3, 8, 8]
        blocks:
          conv_norm_act:
            container: Sequential
            params: [inp, out, {act: True}]
            layers:
              - Conv2d(inp, out, 3, padding=1, bias=False)
              - BatchNorm2d(out)
              - ReLU(when=act)
        layers:
          - {type: Sequential, name: features, layers: ["conv_norm_act(3, 8)", "conv_norm_act(8, 8, act=False)"]}
    """) == ["features.0.0", "features.0.1", "features.0.2", "features.1.0", "features.1.1"]


def test_a_container_reads_the_names_and_parameters_around_it() -> None:
    result = report("""
        framework: pytorch
        input: [4]
        blocks:
          mlp:
            params: [width]
            layers:
              - Linear(4, width, name="fc")
              - type: ModuleList
                name: extra
                modules:
                  - Linear(width, width)
                  - Add(inputs=[fc, -1], name="sum")     # a name of the enclosing block
        layers:
          - mlp(6, name="stage")
    """)
    assert [r.name for r in result.rows] == ["stage.fc", "stage.extra.0", "stage.extra.sum"]
    assert result.rows[-1].inputs == ("stage.fc", "stage.extra.0")


def test_keras_sequential_children_keep_keras_names() -> None:
    assert names("""
        framework: keras
        input: [16]
        layers:
          - Dense(4)
          - Sequential([Dense(3), Sequential([Dense(2)])])
          - Dense(3)
    """) == ["dense", "sequential_1.dense_1", "sequential_1.sequential.dense_2", "dense_3"]


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ("- Sequential(Linear(4, 4), ReLU(inputs=input))", ":5:33: CC003 a Sequential runs its layers one after the other"),
        ("- \"ModuleList({'a': ReLU()})\"", ":5:15: CC105 ModuleList's layers are a list, not a mapping of names"),
        ("- ModuleDict([ReLU()])", ":5:14: CC105 ModuleDict's layers are a mapping of names to layers"),
        ("- ModuleList([ReLU()], bias=True)", ":5:24: CC103 ModuleList takes no argument 'bias'"),
        ("- ModuleList([ReLU()], [ReLU()])", "CC104 ModuleList takes at most 1 positional arguments (modules), found 2"),
        ("- ModuleList([3])", ":5:14: CC105 ModuleList holds layers, found 3"),
        ("- Sequential(ReLU(), shares='x')", "CC003 a Sequential holds layers: shares belongs on one of them"),
        ("- {type: ModuleList, modules: [ReLU()], layers: []}", "CC103 ModuleList takes no argument 'layers'"),
        ("- {type: ModuleList}", "CC003 a ModuleList needs `modules:`, the layers it holds"),
        ("- {type: ModuleDict, modules: {a: ReLU(name='b')}}", "CC003 the layer under 'a' is named by its key"),
        ("- {type: ModuleDict, modules: {a.b: ReLU()}}", "CC003 a layer's key must be non-empty text without '.'"),
        ("- Sequential(ReLU(), ReLU(), inputs=[input, input])", "CC003 a Sequential takes one input"),
        ("- Sequential(Linear(3, 4))", "CC201 layer sequential.0 (Linear): in_features=3 but the incoming shape has 4"),
    ],
)
def test_container_mistakes_are_located(layers: str, expected: str) -> None:
    assert expected in problem(f"framework: pytorch\ninput: [4]\nbatch: 1\nlayers:\n{layers}\n")


def test_container_names_are_the_frameworks() -> None:
    text = problem("input: [4]\nlayers:\n- ModuleList([Dense(2)])\n")
    assert "CC101 layer module_list (ModuleList): unknown keras layer type 'ModuleList'" in text
    text = problem("framework: pytorch\ninput: [4]\nblocks:\n  Sequential:\n    layers: [ReLU()]\nlayers: [ReLU()]\n")
    assert "a block cannot be named 'Sequential': that is a container class" in text
    text = problem("framework: pytorch\ninput: [4]\nblocks:\n  b:\n    container: Sequental\n    layers: [ReLU()]\nlayers: [b]\n")
    assert "container must be one of Sequential, ModuleList, ModuleDict (pytorch), found 'Sequental'" in text


# --- Parameter tensors

VIT_HEAD = """
    framework: pytorch
    input: [196, 768]
    batch: 1
    layers:
      - Parameter((1, 1, 768), name="class_token")
      - Concat(dim=1, inputs=[class_token, input])
      - Parameter((1, 197, 768), name="pos_embedding")
      - Add(inputs=[concat, pos_embedding])
      - Parameter((1, 197, 768), name="tied", shares="pos_embedding")
      - Multiply(inputs=[add, tied])
"""


def test_a_parameter_takes_no_input_and_counts_once() -> None:
    result = report(VIT_HEAD)
    rows = {row.name: row for row in result.rows}
    assert rows["class_token"].inputs == () and rows["class_token"].output_shape == (1, 1, 768)
    assert [(w.name, w.shape) for w in rows["pos_embedding"].weights] == [("pos_embedding", (1, 197, 768))]
    assert rows["add"].output_shape == (1, 197, 768)
    assert result.totals.params == 768 + 197 * 768  # the shared one is counted where it was written
    assert rows["tied"].shared_with == "pos_embedding"


def test_a_parameter_broadcasts_over_an_unknown_batch_in_add_and_multiply() -> None:
    result = report("""
        framework: pytorch
        input: [96, 56, 56]
        layers:
          - Conv2d(96, 96, 1)
          - Parameter((96, 1, 1), name="layer_scale")   # ConvNeXt: layer_scale * block(x)
          - Multiply(inputs=[layer_scale, conv2d])
    """)
    assert result.output_shape == (None, 96, 56, 56) and result.rows[1].params == 96


def test_requires_grad_false_and_trainable_false_are_not_trainable() -> None:
    torch = report("framework: pytorch\ninput: [4]\nlayers:\n- Parameter(4, requires_grad=False)\n")
    keras = report("input: [4]\nlayers:\n- Parameter((2, 3), trainable=False)\n")
    assert (torch.totals.params, torch.totals.trainable_params) == (4, 0)
    assert (keras.totals.params, keras.totals.trainable_params) == (6, 0)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("Parameter((1, 0, 3))", ":4:13: CC105 layer parameter (Parameter): the shape (1, 0, 3) has a size below 1"),
        ("Parameter('big')", ":4:13: CC105 layer parameter (Parameter): shape must be a tuple of sizes such as (1, 1, 768)"),
        ("Parameter((True, 2))", "shape must be a tuple of sizes"),
        ("Parameter((2,), inputs=input)", ":4:19: CC104 Parameter takes no input: it is a learned tensor"),
        ("Parameter()", "CC104 layer parameter (Parameter): Parameter needs the argument 'shape'"),
        ("Parameter((2**41,))", "CC200 layer parameter (Parameter): the output shape (2199023255552,) is over"),
    ],
)
def test_parameter_mistakes_are_located(layer: str, expected: str) -> None:
    assert expected in problem(f"framework: pytorch\ninput: [4]\nlayers:\n- {layer}\n")


def test_a_buffer_is_a_constant_tensor_that_counts_nothing() -> None:
    """register_buffer: torch's parameters() does not yield it, so no count has it; its shape is
    the tensor's, and it is read like any tensor (Swin's table indexed by its relative_position_index)."""
    result = report(
        "framework: pytorch\ninput: [4]\nlayers:\n"
        "- Parameter((169, 3), name='table')\n"
        "- Buffer((2401,), dtype='int64', name='index')\n"
        "- Index(inputs=[table, index])\n"
        "- Buffer((4,), persistent=False, name='scale')\n"
        "- Multiply(inputs=[input, scale])\n"
    )
    rows = {row.name: row for row in result.rows}
    assert (rows["index"].output_shape, rows["index"].weights, rows["index"].params) == ((2401,), (), 0)
    assert rows["index_1"].output_shape == (2401, 3) and rows["multiply"].output_shape == (None, 4)
    assert (result.totals.params, result.totals.trainable_params, result.totals.non_trainable_params) == (507, 507, 0)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("Buffer((2,), inputs=input)", ":4:16: CC104 Buffer takes no input: it is a constant tensor"),
        ("Buffer((2, 0))", "CC105 layer buffer (Buffer): the shape (2, 0) has a size below 1 (Buffer holds at least one"),
        ("Buffer(3, dtype='long')", "CC105 layer buffer (Buffer): dtype must be one of 'float32', "),
        ("Buffer(3, persistent=1)", "CC105 layer buffer (Buffer): persistent must be True or False"),
    ],
)
def test_buffer_mistakes_are_located(layer: str, expected: str) -> None:
    assert expected in problem(f"framework: pytorch\ninput: [4]\nlayers:\n- {layer}\n")


def test_torch_cat_needs_the_class_token_expanded_to_an_unknown_batch() -> None:
    text = problem(VIT_HEAD.replace("batch: 1", "batch: null"))
    assert "CC200 layer concat (Concat): torch.cat does not broadcast: an input has 1 on dim 0" in text
    assert "cannot concatenate on axis 1" in problem(VIT_HEAD.replace("batch: 1", "batch: 2"))
