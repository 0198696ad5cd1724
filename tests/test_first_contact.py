"""Issue 8, "First contact": what a new user hit in the first ten minutes, each reproduced as
they met it (every test here failed at commit 5fe6a7f, where the issue was filed).

Items 1 and 2 (the rich table) and the block arithmetic of item 9 are tested elsewhere; the
README and docs examples by tests/test_docs.py and the `--help` examples by
tests/test_help_examples.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import invoke

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "net.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def shapes(*args: str) -> list[list[int | None]]:
    """The output shapes `summary --format json` gives, layer by layer (exit 0 asserted)."""
    result = invoke("summary", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [layer["output_shape"] for layer in json.loads(result.stdout)["layers"]]


# --- 4. Keras idioms that real Keras accepts; numbers as YAML 1.2 reads them


@pytest.mark.parametrize(
    "first",
    [
        "Input(shape=(28, 28, 1))",
        "keras.Input(shape=(28, 28, 1))",
        "keras.layers.Input((28, 28, 1))",
        "InputLayer(shape=(28, 28, 1))",
        "Input(batch_shape=(None, 28, 28, 1))",
    ],
)
def test_an_input_layer_first_sets_the_input(first: str) -> None:
    assert shapes("--layer", first, "--layer", "Conv2D(32, 3)") == [[None, 26, 26, 32]]


def test_an_input_layer_in_a_spec_file_names_the_input_and_its_batch(tmp_path: Path) -> None:
    spec = write(tmp_path, 'layers:\n  - keras.Input(shape=(28, 28, 1), batch_size=8, name="image")\n  - Conv2D(32, 3)\n')
    result = invoke("summary", spec, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["inputs"] == [{"name": "image", "shape": [8, 28, 28, 1]}]
    assert [layer["name"] for layer in document["layers"]] == ["conv2d"]  # the Input is the input, not a row


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (["Input(shape=28)", "Dense(1)"], "1:7: CC105 layer Input: shape must be a tuple such as (28, 28, 1), found 28"),
        (["Input()", "Dense(1)"], "CC104 layer Input: You must pass a `shape` argument."),
        (["Input(shape=(3,), batch_shape=(None, 3))", "Dense(1)"], "You cannot pass both `shape` and `batch_shape`"),
        (
            ["Input(shape=(3,))", "Dense(1)", "Input(shape=(3,))"],
            "CC003 layer input_1 (Input): Input(...) stands for the network's input",
        ),
    ],
)
def test_an_input_layer_is_checked_as_keras_checks_it(layers: list[str], message: str) -> None:
    result = invoke("summary", *(arg for layer in layers for arg in ("--layer", layer)))
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_input_layer_and_input_key_together_are_refused(tmp_path: Path) -> None:
    result = invoke("summary", write(tmp_path, "input: [3]\nlayers:\n  - Input(shape=(3,))\n  - Dense(1)\n"))
    assert result.exit_code == 2
    assert "net.yaml:3:5: CC003 the input is given twice: by `input:` and by Input(...)" in result.stderr


def test_embedding_takes_input_length_and_a_spec_without_input_takes_it_as_the_input() -> None:
    # Keras 3.15 accepts input_length with a warning and ignores it (keras/src/layers/core/embedding.py)
    assert shapes("--layer", "Embedding(1000, 8, input_length=100)", "--layer", "LSTM(4)") == [[None, 100, 8], [None, 4]]
    assert shapes("--input", "10", "--layer", "Embedding(1000, 8, input_length=100)") == [[None, 10, 8]]


def argument(text: str, name: str) -> object:
    """The value of `name` in the first layer of a spec, as read."""
    from convcalc.spec.loading import load_text

    return load_text(text, "net.yaml").layers[0].kwargs[name]


@pytest.mark.parametrize("epsilon", ["1e-3", "1E-3", "1.0e-3", "0.001"])
def test_numbers_in_mapping_form_are_read_as_yaml_1_2(tmp_path: Path, epsilon: str) -> None:
    text = f"input: [4, 4, 2]\nlayers:\n  - {{type: BatchNormalization, epsilon: {epsilon}}}\n"
    assert argument(text, "epsilon") == 0.001
    assert invoke("summary", write(tmp_path, text)).exit_code == 0


@pytest.mark.parametrize(
    ("value", "read"),
    [("1E5", 100000.0), ("010", 10), ("0x10", 16), ("0o17", 15), ("+5", 5), (".5", 0.5), ("-.inf", float("-inf"))],
)
def test_yaml_1_2_numbers(value: str, read: object) -> None:
    assert argument(f"input: [4]\nlayers:\n  - {{type: Dense, units: {value}}}\n", "units") == read


@pytest.mark.parametrize(
    ("value", "read"), [("yes", "yes"), ("off", "off"), ("1:30", "1:30"), ("1_000", "1_000"), ("2001-12-14", "2001-12-14")]
)
def test_yaml_1_1_forms_are_text_in_yaml_1_2(value: str, read: str) -> None:
    assert argument(f"input: [4]\nlayers:\n  - {{type: Dense, units: 2, use_bias: {value}}}\n", "use_bias") == read


def test_a_yaml_1_1_boolean_gets_a_hint(tmp_path: Path) -> None:
    result = invoke("summary", write(tmp_path, "input: [4]\nlayers:\n  - {type: Dense, units: 2, use_bias: no}\n"))
    assert result.stderr.endswith("use_bias must be True or False, found 'no' (YAML 1.2 reads no as text: write false)\n")


# --- 8. The batch in or out, None anywhere, a shape as the table prints it

SEED2 = "input: [28, 28, 3]\nlayers:\n  - Conv2D(32, 5)\n  - Conv2D(64, 5)\nexpect:\n  output_shape: {}\n"


@pytest.mark.parametrize(
    "shape",
    ["[null, 20, 20, 64]", "[None, 20, 20, 64]", "[20, 20, 64]", "'(None, 20, 20, 64)'", "['?', 20, 20, 64]", "[20, null, 64]"],
)
def test_expect_output_shape_with_or_without_the_batch(tmp_path: Path, shape: str) -> None:
    result = invoke("check", write(tmp_path, SEED2.format(shape)))
    assert (result.exit_code, result.output) == (0, "")


def test_a_null_batch_in_expect_matches_a_spec_with_a_batch(tmp_path: Path) -> None:
    result = invoke("check", write(tmp_path, "batch: 8\n" + SEED2.format("[null, 20, 20, 64]")))
    assert (result.exit_code, result.output) == (0, "")


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("[20, 20, 32]", "CC301 expected output shape (20, 20, 32) (without the batch), computed (20, 20, 64)\n"),
        ("[null, 20, 20, 32]", "CC301 expected output shape (None, 20, 20, 32), computed (None, 20, 20, 64)\n"),
        (
            "[64]",
            "CC301 expected output shape (64,) has 1 dimension, the computed (None, 20, 20, 64) has 4 with the batch, 3 without"
            "\n",
        ),
    ],
)
def test_a_wrong_expected_shape_says_which_form_it_was_read_in(tmp_path: Path, shape: str, message: str) -> None:
    result = invoke("check", write(tmp_path, SEED2.format(shape)))
    assert result.exit_code == 1 and result.stdout.endswith(message), result.output


@pytest.mark.parametrize("dims", ["(26, 26, 32)", "[26, 26, 32]", "26,26,32", "26 26 32"])
def test_input_option_takes_a_shape_as_python_prints_it(dims: str) -> None:
    assert shapes("--input", dims, "--layer", "Conv2D(64, 3)") == [[None, 24, 24, 64]]


def test_input_key_takes_a_shape_as_python_prints_it(tmp_path: Path) -> None:
    assert shapes(write(tmp_path, "input: (26, 26, 32)\nlayers:\n  - Conv2D(64, 3)\n")) == [[None, 24, 24, 64]]


def test_an_input_with_a_leading_none_that_may_be_the_batch_says_so() -> None:
    result = invoke("summary", "--input", "None,28,28,1", "--layer", "Conv2D(8, 3)")
    assert result.exit_code == 2
    assert result.stderr.endswith("(the input leaves the batch out: if its first None is the batch, write [28, 28, 1])\n")


@pytest.mark.parametrize("shape", ["10,10,64", "None,10,10,64", "(None, 10, 10, 64)", "?,10,10,64"])
def test_solve_output_shape_with_or_without_the_batch(shape: str) -> None:
    result = invoke(
        "solve",
        str(ROOT / "tests/specs/valid/seed2.yaml"),
        "--layer",
        "conv2d_1",
        "--network-output-shape",
        shape,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["target"] == [None, 10, 10, 64]


# --- 9. Hints that point the right way; automatic names that step around written ones


def test_a_linear_after_a_feature_map_suggests_the_missing_flatten() -> None:
    result = invoke(
        "summary", "--framework", "pytorch", "--input", "3,32,32", "--layer", "Conv2d(3, 8, 3)", "--layer", "Linear(8, 10)"
    )
    assert result.exit_code == 2
    assert result.stderr.endswith("(add Flatten() before it, and set in_features=7200 (8 x 30 x 30))\n"), result.stderr
    result = invoke(
        "summary", "--framework", "pytorch", "--input", "3,32,32", "--layer", "Conv2d(3, 8, 3)", "--layer", "Linear(7200, 10)"
    )
    assert result.stderr.endswith("(add Flatten() before it: it gives 8 x 30 x 30 = 7200 features)\n"), result.stderr


def test_a_linear_on_a_sequence_keeps_its_hint() -> None:
    result = invoke("summary", "--framework", "pytorch", "--input", "5,16", "--layer", "Linear(8, 10)")
    assert result.stderr.endswith("(set in_features=16, or change the layer before it)\n"), result.stderr


def test_a_dense_on_a_feature_map_that_misses_its_expected_shape_suggests_flatten(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: [28, 28, 1]\nlayers:\n  - Conv2D(32, 3)\n  - Dense(10)\nexpect:\n  output_shape: [null, 10]\n")
    result = invoke("check", spec)
    assert result.exit_code == 1
    assert result.stdout.endswith(
        "(dense (Dense) works on the last axis of the feature map (None, 26, 26, 32): a Flatten() before it?)\n"
    ), result.stdout


PYTORCH_BLOCK = """framework: pytorch
input: [16]
blocks:
  b:
    layers:
      - Linear(16, 16)
      - {type: Dropout, name: dropout}
      - Dropout(0.1)
layers:
  - b(name="encoder", repeat=2)
"""


def test_automatic_names_step_around_written_ones(tmp_path: Path) -> None:
    result = invoke("summary", write(tmp_path, PYTORCH_BLOCK), "--format", "json")
    assert result.exit_code == 0, result.output
    names = [layer["name"] for layer in json.loads(result.stdout)["layers"]]
    assert names[:3] == ["encoder.block1.linear", "encoder.block1.dropout", "encoder.block1.dropout_1"]


def test_an_automatic_name_steps_around_a_name_written_later(tmp_path: Path) -> None:
    spec = write(
        tmp_path, "input: [4]\nlayers:\n  - Dense(4)\n  - Dense(4, name='dense')\n  - Dense(4, name='dense_2')\n  - Dense(4)\n"
    )
    result = invoke("summary", spec, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [layer["name"] for layer in json.loads(result.stdout)["layers"]] == ["dense_1", "dense", "dense_2", "dense_3"]


# --- 6. check reports every problem that does not follow from an earlier one, as ruff does

MANY_PROBLEMS = """framework: pytorch
input: [3, 32, 32]
layers:
  - Conv2d(3, 16, 3, strid=2)
  - Conv2d(32, 64, 3)
  - {type: Conv2d, in_channels: 3, out_channels: 8, kernel_size: 3, name: side, inputs: input}
  - Conv2d(8, 8, 40)
  - Linear(10, 10, bais=True)
expect:
  params: many
  output_shap: [10]
"""


def test_check_reports_every_independent_problem_in_file_order(tmp_path: Path) -> None:
    result = invoke("check", write(tmp_path, MANY_PROBLEMS))
    assert result.exit_code == 2
    lines = [line.split(" ", 2)[:2] for line in result.stdout.splitlines()]
    assert [(where.split(":", 1)[1], code) for where, code in lines] == [
        ("4:22:", "CC103"),  # strid: an argument conv2d does not take
        ("7:5:", "CC200"),  # a kernel of 40 on the side branch's 30 x 30 (independent of conv2d)
        ("8:20:", "CC103"),  # bais: checked although the layers before it failed
        ("10:11:", "CC003"),  # expect.params
        ("11:3:", "CC003"),  # expect.output_shap
    ], result.stdout
    # conv2d_1's in_channels=32 follows from conv2d's failure (its input is unknown): not reported


def test_check_reports_every_failing_expectation(tmp_path: Path) -> None:
    spec = SEED2.format("[null, 10]") + "  params: 1\n  trainable_params: 2\n  max_params: 3\n"
    result = invoke("check", write(tmp_path, spec))
    assert result.exit_code == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["CC301", "CC302", "CC302", "CC303"]


def test_check_json_lists_every_problem(tmp_path: Path) -> None:
    result = invoke("check", "--format", "json", write(tmp_path, MANY_PROBLEMS))
    (checked,) = json.loads(result.stdout)["files"]
    assert checked["status"] == "error" and len(checked["problems"]) == 5


def test_summary_still_stops_at_the_first_problem(tmp_path: Path) -> None:
    result = invoke("summary", write(tmp_path, MANY_PROBLEMS))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert ":11:3: CC003 unknown key 'output_shap' in expect" in result.stderr  # the reader's first, as before


# --- 7. solve: the layer's own output, and a spec that does not compute

PYTORCH_CONVS = str(ROOT / "tests/golden/solve/pytorch-convs.yaml")  # 3x64x64 -> 16 -> 32 (stride 2) -> 64 (stride 2)


def test_solve_output_shape_is_the_layers_own_output() -> None:
    result = invoke("solve", PYTORCH_CONVS, "--layer", "conv2d", "--output-shape", "16,32,32", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["goal"], answer["target"]) == ("layer", [None, 16, 32, 32])
    assert answer["changes"][0]["arguments"] == {"stride": {"old": 1, "new": 2}}
    assert all(change["layer_output_shape"] == [None, 16, 32, 32] for change in answer["changes"])


def test_solve_network_output_shape_keeps_the_old_meaning() -> None:
    result = invoke("solve", PYTORCH_CONVS, "--layer", "conv2d", "--network-output-shape", "64,8,8", "--format", "json")
    answer = json.loads(result.stdout)
    assert answer["goal"] == "network" and answer["changes"][0]["output_shape"] == [None, 64, 8, 8]


def test_solve_a_spec_that_fails_at_a_kernel_larger_than_its_input() -> None:
    result = invoke("solve", str(ROOT / "tests/golden/solve/broken-kernel.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["problem"], answer["layer"], answer["error"]["code"], answer["computes"]) == (
        "repair",
        "conv2d_2",
        "CC200",
        True,
    )
    assert {change["layer"] for change in answer["changes"]} == {"conv2d_2", "max_pooling2d_1", "max_pooling2d"}
    assert answer["changes"][0]["arguments"] == {"kernel_size": {"old": 7, "new": 1}}


def test_solve_a_spec_with_a_channel_mismatch() -> None:
    result = invoke("solve", str(ROOT / "tests/golden/solve/broken-channels.yaml"), "--color", "never")
    assert result.exit_code == 0, result.output
    rows = [line.split()[:4] for line in result.stdout.splitlines()[5:7]]
    assert rows == [["conv2d_1", "in_channels", "32", "->"], ["conv2d", "out_channels", "16", "->"]]


def test_solve_a_spec_that_computes_has_nothing_to_repair() -> None:
    result = invoke("solve", PYTORCH_CONVS)
    assert result.exit_code == 0
    assert result.stdout.endswith("computes: nothing to repair (--layer NAME --output-shape DIMS reshapes a layer)\n")


# --- 10. The bundled specs outside a clone, by name; `convcalc specs`


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside the checkout, holding no spec."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", ["keras-resnet50", "keras-resnet50.yaml"])
def test_a_bundled_network_by_name(elsewhere: Path, name: str) -> None:
    result = invoke("summary", name, "--color", "never")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('Model: "keras-resnet50" (keras)\n')
    assert result.stdout.splitlines()[-3] == "Total params: 25,636,712 (97.80 MB)"


def test_every_command_takes_a_bundled_name(elsewhere: Path) -> None:
    assert invoke("check", "lenet5", "mnist-cnn").exit_code == 0
    assert invoke("explain", "lenet5", "conv2d").exit_code == 0
    assert invoke("diff", "seed-example-1", "seed-example-2").exit_code == 1  # they differ
    assert invoke("solve", "seed-example-2", "--layer", "conv2d", "--output-shape", "12,12,32").exit_code == 0


def test_a_file_of_that_name_comes_first(elsewhere: Path) -> None:
    (elsewhere / "lenet5").write_text("input: [4]\nlayers: [Dense(2)]\n")
    assert "Total params: 10 " in invoke("summary", "lenet5", "--color", "never").stdout


def test_a_name_close_to_a_bundled_one_says_so(elsewhere: Path) -> None:
    result = invoke("summary", "keras-resnet5")
    assert result.exit_code == 2
    assert result.stderr == (
        "keras-resnet5: CC001 no such file (did you mean the bundled network 'keras-resnet50'? `convcalc specs` lists them)\n"
    )


def test_specs_lists_the_bundled_networks_with_their_parameters(elsewhere: Path) -> None:
    from convcalc.spec.loading import load_path

    result = invoke("specs", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["specs"]
    assert [entry["name"] for entry in listed] == sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
    for entry in listed:  # each spec's expect: block holds its published count
        expect = load_path(entry["path"]).expect
        assert expect is not None and entry["params"] == expect.values["params"], entry
    table = invoke("specs", "--color", "never").stdout.splitlines()
    assert table[0] == f"{len(listed)} bundled networks (convcalc summary NAME, convcalc check NAME...)"
    assert table[2].split() == ["name", "network", "framework", "params"]
    assert any(line.split()[:3] == ["keras-resnet50", "ResNet-50", "(v1)"] for line in table)


# --- 3. The first spec of the reference passes its own expect: block


def test_the_spec_reference_example_passes_its_expectations(tmp_path: Path) -> None:
    """The spec language's first example (docs/spec.md; the README's before it moved there)."""
    page = (ROOT / "docs" / "spec.md").read_text()
    section = page.split("\n## The spec\n", 1)[1]
    spec = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "expect:" in spec
    result = invoke("check", write(tmp_path, spec))
    assert (result.exit_code, result.output) == (0, "")


def test_check_help_example_reads_the_problems_where_they_are() -> None:
    text = invoke("check", "--help").stdout
    assert "jq -c '.files[].problems'" in text and "'.problems'" not in text


# --- 11. The Python API: text, path or dict in; the report, its JSON document and each analysis out

DICT_SPEC = {"input": [28, 28, 1], "layers": ["Conv2D(32, 3)", {"type": "Conv2D", "filters": 64, "kernel_size": 3}]}


def test_summarize_takes_a_dict_a_path_a_name_and_text(tmp_path: Path) -> None:
    import convcalc

    path = tmp_path / "net.yaml"
    path.write_text("input: [28, 28, 1]\nlayers:\n  - Conv2D(32, 3)\n  - Conv2D(64, 3)\n")
    for source in (DICT_SPEC, str(path), path, path.read_text()):
        report = convcalc.summarize(source)
        assert (report.output_shape, report.totals.params) == ((None, 24, 24, 64), 18816), source
    assert convcalc.summarize("seed-example-2").totals.params == 53600


def test_a_missing_file_is_a_missing_file_not_a_spec_without_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convcalc
    from convcalc.errors import SpecError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as raised:
        convcalc.summarize("net.yaml")
    assert str(raised.value) == "net.yaml: CC001 no such file"


def test_errors_in_a_dict_spec_point_at_its_keys() -> None:
    import convcalc
    from convcalc.errors import SpecError

    cases = {
        "layers[1].filter: CC103": {"input": [28, 28, 1], "layers": ["Conv2D(32, 3)", {"type": "Conv2D", "filter": 8}]},
        "layers[0]: CC105": {"input": [28, 28, 1], "layers": ["Conv2D(32, 3, padding='sme')"]},
        "expect.params: CC003": {"input": [4], "layers": ["Dense(2)"], "expect": {"params": "ten"}},
        "input: CC003": {"input": [0], "layers": ["Dense(2)"]},
        "spec: CC003 the spec has no `layers:`": {"input": [4]},
    }
    for where, spec in cases.items():
        with pytest.raises(SpecError) as raised:
            convcalc.summarize(spec)
        assert str(raised.value).startswith(where), raised.value


def test_every_analysis_takes_a_spec_or_a_report() -> None:
    import convcalc

    report = convcalc.summarize(DICT_SPEC)
    for source in (DICT_SPEC, report):
        assert convcalc.costs(source).macs == 194688 + 24 * 24 * 3 * 3 * 32 * 64  # fvcore's count: kernel x output positions
        assert [f.field.size for f in convcalc.receptive_fields(source) if f.field] == [(3, 3), (5, 5)]
        (conv,) = convcalc.explain(source, "conv2d_1")
        assert conv.params == 18496 and conv.steps[0].value == 24
        assert convcalc.document(source)["schema"] == "convcalc/1"
    assert convcalc.check(DICT_SPEC) == []
    assert [p.code for p in convcalc.check({**DICT_SPEC, "expect": {"params": 1, "paramz": 2}})] == ["CC003", "CC302"]


# --- 12. Shell completion, documented (docs/cli.md, run by tests/test_docs.py) and working


def test_completion_offers_the_bundled_networks_for_a_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from convcalc.cli.app import main

    monkeypatch.chdir(tmp_path)
    words = {"COMP_WORDS": "convcalc summary keras-r", "COMP_CWORD": "2", "_CONVCALC_COMPLETE": "bash_complete"}
    result = CliRunner().invoke(main, [], env=words, prog_name="convcalc")
    assert result.output == "plain,keras-resnet50\nplain,keras-resnet50v2\n"
    (tmp_path / "keras-mine.yaml").write_text("")  # a file here starts so: the shell completes files
    assert (
        CliRunner().invoke(main, [], env=words | {"COMP_WORDS": "convcalc summary keras-"}, prog_name="convcalc").output
        == "file,keras-\n"
    )


def test_the_docs_say_how_to_turn_completion_on() -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    for shell in ("bash_source", "zsh_source", "fish_source"):
        assert f"_CONVCALC_COMPLETE={shell} convcalc" in page
