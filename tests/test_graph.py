"""Graphs and blocks: names, inputs, outputs, merges, shared weights, block expansion."""

from __future__ import annotations

import textwrap

import pytest

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.render import summary_table


def report(text: str):
    return summarize(textwrap.dedent(text))


def problem(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        report(text)
    return caught.value.diagnostic.text()


RESIDUAL = """
    framework: keras
    inputs:
      image: [224, 224, 3]
    layers:
      - {type: Conv2D, name: c1, filters: 64, kernel_size: 3, padding: same}
      - {type: Conv2D, name: c2, filters: 64, kernel_size: 3, padding: same}
      - {type: Add, name: sum, inputs: [c1, c2]}
      - Conv2D(64, 1, name="head", inputs=["sum"])
    outputs: [head]
"""


def test_named_inputs_and_merges_follow_the_graph() -> None:
    result = report(RESIDUAL)
    assert [(r.name, r.inputs) for r in result.rows] == [
        ("c1", ("image",)),
        ("c2", ("c1",)),
        ("sum", ("c1", "c2")),
        ("head", ("sum",)),
    ]
    # keras 3.15.1, the same functional model: count_params() 42880, output (None, 224, 224, 64)
    assert result.totals.params == 42880
    assert result.output_shape == (None, 224, 224, 64)
    assert result.branched


def test_the_table_gains_connected_to_when_the_graph_branches() -> None:
    table = summary_table(report(RESIDUAL), "table", color=False)
    assert table.splitlines()[2].split() == ["Layer", "(type)", "Output", "Shape", "Weights", "Param", "#", "Connected", "to"]
    assert table.splitlines()[6].endswith("0  c1, c2")
    sequential = summary_table(summarize("input: [4]\nlayers:\n- Dense(2)\n"), "table", color=False)
    assert "Connected to" not in sequential


BOTTLENECK = """
    framework: keras
    input: [56, 56, 64]
    blocks:
      bottleneck:
        params: {filters: 64, strides: 1}
        layers:
          - Conv2D(filters, 1, strides=strides, use_bias=False)
          - Conv2D(filters * 4, 1)
          - {type: Conv2D, name: shortcut, filters: filters * 4, kernel_size: 1, strides: strides, inputs: input}
          - {type: Add, inputs: [shortcut, -2]}
    layers:
      - bottleneck(64, repeat=3, name="stage2")
      - bottleneck(filters=128, strides=2)
"""


def test_blocks_expand_with_their_parameters_and_scoped_names() -> None:
    result = report(BOTTLENECK)
    # keras 3.15.1, the same four bottlenecks built by hand: count_params() 465408, output (None, 28, 28, 512)
    assert result.totals.params == 465408
    assert result.output_shape == (None, 28, 28, 512)
    names = [r.name for r in result.rows]
    assert names[:4] == ["stage2.block1.conv2d", "stage2.block1.conv2d_1", "stage2.block1.shortcut", "stage2.block1.add"]
    assert names[-1] == "bottleneck.add"
    assert result.rows[4].inputs == ("stage2.block1.add",)
    assert result.rows[3].inputs == ("stage2.block1.shortcut", "stage2.block1.conv2d_1")
    assert result.rows[0].blocks == (("stage2", "bottleneck"), ("stage2.block1", "bottleneck"))
    assert result.rows[-3].weights[0].shape == (1, 1, 128, 512)


def test_depth_folds_each_block_instance_into_one_row() -> None:
    table = summary_table(report(BOTTLENECK), "table", color=False, depth=0)
    rows = [line.split() for line in table.splitlines()[4:6]]
    assert rows[0][:2] == ["stage2", "(bottleneck)"] and rows[0][-1] == "input"  # the three copies, as one
    assert rows[1][:2] == ["bottleneck", "(bottleneck)"] and rows[1][-1] == "stage2"
    assert "12 layers" in table and "4 layers" in table
    assert "Total params: 465,408" in table
    deeper = summary_table(report(BOTTLENECK), "table", color=False, depth=1)
    assert [line.split()[0] for line in deeper.splitlines()[4:8]] == [
        "stage2.block1",
        "stage2.block2",
        "stage2.block3",
        "bottleneck.conv2d",
    ]


def test_json_keeps_every_row_with_its_block_path() -> None:
    from convcalc import document

    data = document(report(BOTTLENECK))
    assert len(data["layers"]) == 16
    assert data["layers"][0]["block"] == ["stage2", "stage2.block1"]
    assert data["outputs"] == [{"name": "bottleneck.add", "shape": [None, 28, 28, 512]}]


def test_keras_merges_match_keras() -> None:
    # Shapes from keras 3.15.1 on inputs (None, 10, 8) and (None, 10, 8):
    # Concatenate (None, 10, 16); Dot(axes=-1) (None, 10, 10); Dot(axes=(1, 1)) (None, 8, 8); Subtract (None, 10, 8)
    spec = """
        inputs: {a: [10, 8], b: [10, 8], c: [1, 8]}
        layers:
          - {type: Concatenate, inputs: [a, b]}
          - {type: Dot, axes: -1, inputs: [a, b]}
          - {type: Dot, axes: [1, 1], inputs: [a, b]}
          - {type: Subtract, inputs: [a, b]}
          - {type: Multiply, inputs: [a, c]}
    """
    shapes = [r.output_shape for r in report(spec).rows]
    assert shapes == [(None, 10, 16), (None, 10, 10), (None, 8, 8), (None, 10, 8), (None, 10, 8)]


def test_merging_incompatible_shapes_names_both() -> None:
    text = problem("""
        inputs: {a: [10, 8], b: [9, 8]}
        layers:
          - {type: Add, inputs: [a, b]}
    """)
    assert "CC200" in text and "(10, 8)" in text and "(9, 8)" in text


def test_pytorch_merges_are_convcalcs_own() -> None:
    result = report("""
        framework: pytorch
        input: [3, 32, 32]
        layers:
          - {type: Conv2d, name: a, in_channels: 3, out_channels: 16, kernel_size: 3, padding: 1}
          - {type: Conv2d, name: b, in_channels: 3, out_channels: 8, kernel_size: 3, padding: 1, inputs: input}
          - {type: Concat, inputs: [a, b]}
          - {type: Add, inputs: [-1, -1]}
    """)
    assert [r.output_shape for r in result.rows][-2:] == [(None, 24, 32, 32), (None, 24, 32, 32)]


def test_shared_weights_are_counted_once() -> None:
    result = report("""
        inputs: {left: [16], right: [16]}
        layers:
          - {type: Dense, name: encoder, units: 8, inputs: left}
          - {type: Dense, name: encoder_again, units: 8, inputs: right, shares: encoder}
          - {type: Concatenate, inputs: [encoder, encoder_again]}
    """)
    assert [r.params for r in result.rows] == [136, 0, 0]
    assert result.rows[1].shared_with == "encoder"
    assert result.totals.params == 136


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ("  - {type: Add, inputs: [later, -1]}\n  - {type: Dense, units: 3, name: later}\n", "'later' is defined later, at line"),
        ("  - {type: Dense, units: 3, inputs: nowhere}\n", "no layer named 'nowhere' before this point"),
        ("  - {type: Dense, units: 3, inputs: -5}\n", "inputs -5 reaches before the first layer"),
        ("  - Dense(3, name='x')\n  - Dense(3, name='x')\n", "the name 'x' is used twice"),
        ("  - {type: Dense, units: 3, inputs: 'input[2]'}\n", "'input' has 1 output(s); there is no input[2]"),
    ],
)
def test_bad_references_are_errors_at_their_line(layers: str, expected: str) -> None:
    assert expected in problem("input: [4]\nlayers:\n" + layers)


def test_a_block_that_uses_itself_is_an_error() -> None:
    text = problem("""
        input: [4]
        blocks:
          loop:
            layers:
              - Dense(4)
              - loop
        layers:
          - loop
    """)
    assert "block 'loop' uses itself (loop -> loop)" in text
    assert ":7:" in text  # the line of the self-use


def test_block_parameters_are_checked_like_a_call() -> None:
    spec = "input: [4]\nblocks:\n  mlp:\n    params: [width]\n    layers: [Dense(width)]\nlayers:\n  - {layers}\n"
    assert "has no parameter 'widht' (did you mean 'width'?)" in problem(spec.format(layers="mlp(widht=3)"))
    assert "needs the parameter 'width'" in problem(spec.format(layers="mlp"))
    assert "repeat must be an integer from 0 to 100,000" in problem(spec.format(layers="mlp(3, repeat=10**9)"))


def test_arithmetic_is_safe_and_bounded() -> None:
    spec = "input: [4]\nblocks:\n  mlp:\n    params: [width]\n    layers: ['Dense({expr})']\nlayers:\n  - mlp(3)\n"
    assert report(spec.format(expr="width * 2 + 1")).rows[0].output_shape == (None, 7)
    assert "CC102 expected a layer name before '('" in problem(spec.format(expr='__import__("os").getcwd()'))
    assert "the exponent in" in problem(spec.format(expr="width ** 99999"))
    assert "division by zero" in problem(spec.format(expr="width // 0"))
    assert "CC105 3 and 'a' cannot be compared in 'width if width < \"a\" else 2'" in problem(
        spec.format(expr='width if width < "a" else 2')
    )


def test_block_inputs_may_come_from_the_calling_scope() -> None:
    result = report("""
        framework: keras
        input: [32, 32, 3]
        blocks:
          up:
            params: {filters: 8, skip: null}
            layers:
              - Conv2DTranspose(filters, 2, strides=2)
              - {type: Concatenate, inputs: [-1, skip]}
        layers:
          - {type: Conv2D, name: enc, filters: 8, kernel_size: 3, padding: same}
          - Conv2D(16, 3, strides=2, padding="same")
          - up(8, skip="enc")
    """)
    assert result.rows[-1].inputs == ("up.conv2d_transpose", "enc")
    assert result.output_shape == (None, 32, 32, 16)


def test_call_form_inputs_may_be_bare_names() -> None:
    result = report("""
        inputs: {a: [4], b: [4]}
        layers:
          - Dense(4, inputs=a)
          - Add(inputs=[a, dense, b])
    """)
    assert result.rows[-1].inputs == ("a", "dense", "b")
    assert "unknown name 'x' in '1 + x'" in problem("""
        inputs: {a: [4]}
        layers:
          - Add(inputs=[a, 1 + x])
    """)


INVERTED = """
    input: [32, 32, 16]
    blocks:
      inverted:
        params: [filters, {strides: 1, expansion: 6, expanded: "input_shape[-1] * expansion"}]
        layers:
          - Conv2D(expanded, 1, use_bias=False)
          - {type: ZeroPadding2D, padding: [[0, 1], [0, 1]], when: strides == 2}
          - DepthwiseConv2D(3, strides=strides, padding="same" if strides == 1 else "valid", use_bias=False)
          - Conv2D(filters, 1, use_bias=False)
          - {type: Add, inputs: [input, -1], when: "strides == 1 and input_shape[-1] == filters"}
    layers:
      - inverted(16)
      - inverted(24, strides=2)
      - Conv2D(8, 3, padding="same", repeat=3)
      - Dense(4, name="head", repeat=2)
"""


def test_blocks_read_their_input_shape_and_include_layers_when_a_condition_holds() -> None:
    result = report(INVERTED)
    # keras 3.15.1, the same 13 layers built by hand: count_params() 11600, output (None, 16, 16, 4)
    assert (result.totals.params, result.output_shape, len(result.rows)) == (11600, (None, 16, 16, 4), 13)
    first = [r.type for r in result.rows if r.blocks and r.blocks[0][0] == "inverted"]
    second = [r.type for r in result.rows if r.blocks and r.blocks[0][0] == "inverted_1"]
    assert first == ["Conv2D", "DepthwiseConv2D", "Conv2D", "Add"]  # no padding at stride 1; residual
    assert second == ["Conv2D", "ZeroPadding2D", "DepthwiseConv2D", "Conv2D"]  # padding, no residual
    assert result.rows[0].weights[0].shape == (1, 1, 16, 96)  # expanded = 16 * 6 from the input's channels


def test_plain_layers_repeat_and_keep_their_names() -> None:
    names = [r.name for r in report(INVERTED).rows][-5:]
    assert names == ["conv2d", "conv2d_1", "conv2d_2", "head_1", "head_2"]


def test_repeated_copies_know_their_index_and_fold_as_one_instance() -> None:
    result = report("""
        input: [8]
        blocks:
          grow:
            layers: [Dense(copy * 2)]
        layers:
          - grow(repeat=3, name="stack")
    """)
    assert [r.output_shape for r in result.rows] == [(None, 2), (None, 4), (None, 6)]
    folded = summary_table(result, "table", color=False, depth=0)
    assert "stack (grow)" in folded and "3 layers" in folded
    assert [line.split()[0] for line in summary_table(result, "table", color=False, depth=1).splitlines()[4:7]] == [
        "stack.block1",
        "stack.block2",
        "stack.block3",
    ]


def test_a_repeated_layers_arguments_read_its_own_copy() -> None:
    """As its name pattern does: torchvision's `sd_prob = p * stage_block_id / total` and
    DenseNet's `num_input_features + i * growth_rate` are worked out for each copy of a repeat,
    also inside a block, whose own copy the repeat's shadows (an inner loop's variable)."""
    result = report("""
        input: [4]
        blocks:
          grow:
            params: [width]
            layers: [Dense(width)]
          stage:
            params: [base]
            layers:
              - grow(base + copy, repeat=3)
              - Dense(copy * 10, repeat=2)
        layers:
          - stage(10, repeat=2)
          - Dense(copy, repeat=2)
    """)
    widths = [r.output_shape[-1] for r in result.rows]
    assert widths == [11, 12, 13, 10, 20] * 2 + [1, 2]


def test_block_parameter_defaults_and_required_parameters() -> None:
    spec = (
        "input: [4]\nblocks:\n  mlp:\n    params: [width, {depth: width // 2}]\n    layers: [Dense(depth)]\nlayers:\n  - CALL\n"
    )
    assert report(spec.replace("CALL", "mlp(8)")).output_shape == (None, 4)
    assert report(spec.replace("CALL", "mlp(8, depth=3)")).output_shape == (None, 3)
    assert "needs the parameter 'width'" in problem(spec.replace("CALL", "mlp(depth=3)"))


def test_block_arguments_may_name_layers_bare_and_repeat_may_be_zero() -> None:
    result = report("""
        input: [8, 8, 4]
        blocks:
          join:
            params: [skip, {more: 0}]
            layers:
              - {type: Concatenate, inputs: [-1, skip]}
              - Dense(4, repeat=more)
        layers:
          - Conv2D(4, 1, name="enc")
          - Conv2D(4, 1)
          - join(skip=enc)
          - join(enc, more=2, repeat=0)
    """)
    assert result.rows[-1].inputs == ("conv2d", "enc")  # join(..., repeat=0) adds nothing
    assert result.output_shape == (None, 8, 8, 8)


# Keras 3.15.1, the same network written as keras.applications writes ResNet (a builder function
# naming its layers f"{name}_1_conv"...) and called twice with names and once without:
# [layer.name for layer in model.layers] gives exactly the names asserted below.
BUILDERS = """
    framework: keras
    input: [8, 8, 4]
    blocks:
      conv_bn:                     # def conv_bn(x, filters, name=None)
        scoped: false
        params: [filters]
        layers:
          - Conv2D(filters, 3, padding="same", name=None if name is None else f"{name}_conv")
          - BatchNormalization(name=None if name is None else f"{name}_bn")
          - Activation("relu", name=name)
      stack:                       # def stack(x, filters, blocks, name)
        scoped: false
        params: [filters, blocks]
        layers:
          - conv_bn(filters, repeat=blocks, name=name + "_block{copy}")
          - Add(name=f"{name}_add", inputs=["input" if shape(input)[-1] == filters else -2, -1])
    layers:
      - Conv2D(4, 1)
      - stack(4, 2, name="conv2")
      - conv_bn(8)
      - conv_bn(8)
"""


def test_unscoped_blocks_name_their_layers_as_keras_builder_functions_do() -> None:
    result = report(BUILDERS)
    assert [r.name for r in result.rows] == [
        "conv2d",
        "conv2_block1_conv", "conv2_block1_bn", "conv2_block1",
        "conv2_block2_conv", "conv2_block2_bn", "conv2_block2",
        "conv2_add",
        "conv2d_1", "batch_normalization", "activation",  # the model's numbering, stepping on from conv2d
        "conv2d_2", "batch_normalization_1", "activation_1",
    ]  # fmt: skip
    assert result.rows[7].inputs == ("conv2d", "conv2_block2")
    assert result.rows[1].blocks == (("conv2", "stack"), ("conv2_block1", "conv_bn"))
    assert result.rows[8].blocks == (("conv_bn", "conv_bn"),)
    folded = summary_table(result, "table", color=False, depth=0)
    assert [line.split()[0] for line in folded.splitlines()[4:8]] == ["conv2d", "conv2", "conv_bn", "conv_bn_1"]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["scoped: maybe"], ":5:13: CC003 scoped must be true or false, found 'maybe'"),
        (
            ["container: Sequential", "scoped: false"],
            ":6:13: CC003 a block that subclasses Sequential names its layers as the container does: it cannot be scoped: false",
        ),
        (["scoped: false"], ":9:14: CC003 the name 'one' is used twice (names must be unique)"),
    ],
)
def test_unscoped_blocks_are_checked(keys: list[str], expected: str) -> None:
    text = "\n".join(
        [
            "framework: keras",
            "input: [4]",
            "blocks:",
            "  dense:",
            *(f"    {key}" for key in keys),
            "    layers: ['Dense(2, name=name)']",
            "layers:",
            '  - dense(name="one")',
            '  - Dense(2, name="one")',
        ]
    )
    assert expected in problem(text)


def test_only_an_unscoped_block_reads_its_instance_name() -> None:
    scoped = 'input: [4]\nblocks:\n  d:\n    layers: [\'Dense(2, name=name + "_x")\']\nlayers:\n  - d(name="a")\n'
    assert problem(scoped) == "<string>:4:24: CC105 unknown name 'name' in 'name + \"_x\"' (known names: copy, input_shape)"


TWO_NAMED = """
    framework: pytorch
    input: [8]
    blocks:
      p: {layers: ['Linear(8, 8, name="fc")']}
      q: {layers: ['Linear(8, 8, name="g")']}
    layers:
      - Linear(8, 8, name="x")
      - p(name="stack")
      - SECOND
"""


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ('q(name="stack")', ":10:7: CC003 the name 'stack' is used twice (names must be unique)"),
        ('p(name="x")', ":10:7: CC003 the name 'x' is used twice (names must be unique)"),
        ("{type: Sequential, name: stack, layers: ['Linear(8, 8)']}", ":10:24: CC003 the name 'stack' is used twice"),
    ],
)
def test_a_block_instance_or_container_takes_a_name_used_before(second: str, expected: str) -> None:
    """A scoped block instance or a container names the scope its layers live in: a name used
    before (here by an instance whose layers are named otherwise, or by a layer) is refused, as a
    layer's own is. Found in review: two instances named alike passed `check` silently."""
    assert expected in problem(TWO_NAMED.replace("SECOND", second))


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ('p(name="s", shares="x")', ":10:17: CC003 block 'p' holds layers: shares belongs on one of them"),
        ("{type: Sequential, name: s, shares: x, layers: ['Linear(8, 8)']}", ":10:33: CC003 a Sequential holds layers"),
    ],
)
def test_shares_on_a_block_instance_or_a_container_is_refused(second: str, expected: str) -> None:
    """`shares` says whose weights a layer reuses; a block instance holds none of its own, so it
    was silently ignored there (found in review), where a container's is refused as it is read."""
    assert expected in problem(TWO_NAMED.replace("SECOND", second))
