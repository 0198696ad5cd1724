"""`convcalc import`: the command, the spec text it writes, and the Keras importer, without Keras.

The written specs of the model files in tests/sources/ are golden files (tests/golden/import/);
each is also read back and computed, and every shape the file records must be convcalc's.
The conformance suite compares the same imports with real Keras.
"""

from __future__ import annotations

import json
import zipfile
from keyword import iskeyword
from pathlib import Path
from typing import Any

import pytest
from helpers import compare, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.signature import REQUIRED
from convcalc.sources import convert, source_for
from convcalc.sources.draft import Arithmetic, Block, Draft, Layer
from convcalc.sources.writer import literal, scalar, spec_text
from convcalc.spec.calls import parse_call

SOURCES = Path(__file__).parent / "sources"
GOLDEN = Path(__file__).parent / "golden" / "import"
MODELS = sorted(p.name for p in SOURCES.iterdir() if p.suffix in (".json", ".cfg"))


def rel(name: str) -> str:
    return f"tests/sources/{name}"


# --- every model file: the written spec, read back, computed, and faithful to the file


@pytest.mark.parametrize("name", MODELS)
def test_each_model_file_imports_to_its_golden_spec(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    result = invoke("import", rel(name))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    compare(result.stdout, GOLDEN / (Path(name).stem + ".yaml"))


@pytest.mark.parametrize("name", MODELS)
def test_each_import_records_shapes_and_agrees_with_them(name: str) -> None:
    imported = convert(str(SOURCES / name))
    assert imported.computed and imported.problems == ()
    assert bool(imported.draft.recorded) != name.startswith("keras2"), "Keras 3 and darknet record shapes, Keras 2 none"
    report = summarize(imported.text)
    assert report.rows


def test_keras_names_and_branches() -> None:
    """The source's names; `inputs` only where the graph branches; a layer called twice shares
    its weights; a model inside is a block whose other inputs are parameters."""
    text = convert(str(SOURCES / "keras3-nested.json")).text
    assert '- Dense(5, name="shared@1", inputs=["b"], shares="shared")' in text
    assert 'func(input_layer_2="shared@1", name="func", inputs=["shared"])' in text
    assert 'outputs: ["func.fadd", "func", "inner"]' in text
    report = summarize(text)
    rows = {row.name: row for row in report.rows}
    assert rows["shared@1"].params == 0 and rows["shared"].params == 45  # counted once, as Keras counts it
    assert report.totals.params == 108  # Keras's model.summary() of this model: Total params: 108


def test_keras_2_json_reads_as_keras_3() -> None:
    """`batch_input_shape`, [layer, node, tensor, kwargs] calls, a nested Sequential called as
    node 1, BatchNormalization's axis as a list."""
    text = convert(str(SOURCES / "keras2-functional.json")).text
    assert "inputs:\n  image: [32, 32, 3]" in text and "BatchNormalization(axis=3" in text
    assert summarize(text).rows[-1].name == "head.logits"
    sequential = convert(str(SOURCES / "keras2-sequential.json")).text
    assert "input: [28, 28, 1]" in sequential and "batch_input_shape" not in sequential


def test_arguments_are_written_only_when_they_are_not_the_default() -> None:
    text = convert(str(SOURCES / "keras3-rnn.json")).text
    assert 'Bidirectional(LSTM(16, return_sequences=True, return_state=True), name="enc")' in text  # no backward_layer
    assert "initializer" not in text and "dtype" not in text and "value_dim" not in text
    assert 'Embedding(1000, 32, name="embedding")' in text


# --- the .keras archive


def keras_file(tmp_path: Path, config: Any, name: str = "model.keras", extra: dict[str, bytes] | None = None) -> str:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", config if isinstance(config, str | bytes) else json.dumps(config))
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n never read")
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return str(path)


def fixture(name: str) -> Any:
    return json.loads((SOURCES / name).read_text())


def test_a_keras_archive_reads_its_config_only(tmp_path: Path) -> None:
    path = keras_file(tmp_path, fixture("keras3-nested.json"))
    archived = convert(path)
    plain = convert(str(SOURCES / "keras3-nested.json"))
    assert archived.text.splitlines()[2:] == plain.text.splitlines()[2:]  # the same spec, but for where it came from
    assert "a Keras 3.15.1 .keras file" in archived.text.splitlines()[0]


# --- what the Keras importer refuses, each one line naming the layer


def functional(layer: dict[str, Any]) -> dict[str, Any]:
    """A one-layer functional model around `layer`."""
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None, 8], "keras_history": ["x", 0, 0]}}
    entry = {"name": "odd", "inbound_nodes": [{"args": [tensor], "kwargs": {}}], **layer}
    return {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [
                {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 8], "name": "x"}, "inbound_nodes": []},
                entry,
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["odd", 0, 0]],
        },
    }


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (
            {"module": "my_package.layers", "class_name": "Dense", "config": {"units": 2}},
            "CC101 layer odd (Dense): a custom class",
        ),
        ({"module": "keras.layers", "class_name": "Mine", "registered_name": "pkg>Mine", "config": {}}, "a custom class"),
        ({"class_name": "Lambda", "config": {"function": "lambda x: x"}}, "a Lambda layer runs Python code"),
        ({"module": "keras.src.ops.numpy", "class_name": "Exp", "config": {}}, "a Keras operation (keras.src.ops.numpy.Exp)"),
        ({"class_name": "Dense", "config": {"units": 2, "unitz": 3}}, "CC103 layer odd (Dense): Dense takes no argument 'unitz'"),
        ({"class_name": "Dense", "config": {"units": 2, "activation": {"class_name": "Mine", "x": [1]}}}, "CC105"),
        ({"class_name": "Conv9D", "config": {}}, "CC101 layer odd (Conv9D): Keras layer class 'Conv9D'"),
    ],
)
def test_what_the_keras_importer_refuses(tmp_path: Path, layer: dict[str, Any], expected: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(functional(layer)))
    result = invoke("import", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ([1, 2], "not a Keras model"),
        ({"class_name": "Dense", "config": {}}, "not a Keras model: the top level is 'Dense'"),
        (
            {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]}},
            "does not record its input shape",
        ),
        (
            {
                "class_name": "Functional",
                "config": {"layers": "x", "input_layers": [["x", 0, 0]], "output_layers": [["x", 0, 0]]},
            },
            "not a list of layer objects",
        ),
        ({"class_name": "Functional", "config": {"layers": []}}, "not [layer, node, tensor] triples"),
    ],
)
def test_what_is_not_a_keras_model(tmp_path: Path, config: Any, expected: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(config))
    result = invoke("import", str(path))
    assert result.exit_code == 2 and expected in result.stderr, result.stderr


def test_a_graph_that_refers_to_a_later_or_missing_layer(tmp_path: Path) -> None:
    model = functional({"class_name": "Dense", "config": {"units": 2}})
    model["config"]["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["ghost", 0, 0]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    result = invoke("import", str(path))
    assert result.exit_code == 2 and "'ghost', which the model does not hold" in result.stderr


# --- the command: sources, output, exit statuses


def test_output_file_and_standard_output(tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    result = invoke("import", str(SOURCES / "keras3-sequential.json"), "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text() == convert(str(SOURCES / "keras3-sequential.json")).text
    checked = invoke("check", str(out))
    assert checked.exit_code == 0, checked.output


def test_sources_by_suffix_content_prefix_and_option(tmp_path: Path) -> None:
    assert source_for("a/model.keras")[0].name == "keras"
    assert source_for("yolo.CFG")[0].name == "darknet"
    assert source_for("keras:exported.txt") == (source_for("x.json")[0], "exported.txt")
    assert source_for("C:\\models\\yolo.cfg")[1] == "C:\\models\\yolo.cfg"  # a drive letter, not a prefix
    unnamed = tmp_path / "model.txt"
    unnamed.write_text((SOURCES / "yolov3-tiny.cfg").read_text())
    assert source_for(str(unnamed))[0].name == "darknet"
    assert invoke("import", "--from", "darknet", str(unnamed)).exit_code == 0
    unnamed.write_text("hello")
    result = invoke("import", str(unnamed))
    assert result.exit_code == 2 and "cannot tell what kind of model file this is" in result.stderr
    assert "no such file" in invoke("import", str(tmp_path / "missing.cfg")).stderr


def test_a_shape_the_source_records_differently_is_exit_1_with_the_spec_written(tmp_path: Path) -> None:
    model = fixture("keras3-sequential.json")
    model["config"]["layers"][3]["build_config"]["input_shape"] = [None, 13, 13, 9]  # the pooling's output, as the file says
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    result = invoke("import", str(path))
    assert result.exit_code == 1
    assert "Conv2D(8, 3" in result.stdout
    assert result.stderr == (
        "<stdout>:8:5: CC201 layer max_pooling2d (MaxPooling2D): the source records the output (None, 13, 13, 9), "
        "convcalc computes (None, 13, 13, 8)\n"
    )


def test_a_spec_convcalc_cannot_compute_is_written_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(functional({"class_name": "Dense", "config": {"units": 2, "activation": "nonesuch"}})))
    result = invoke("import", str(path), "-o", str(tmp_path / "spec.yaml"))
    assert result.exit_code == 2
    assert (tmp_path / "spec.yaml").exists()
    assert result.stderr.startswith(f"{tmp_path / 'spec.yaml'}:") and "CC105" in result.stderr


def test_help_says_what_it_reads() -> None:
    text = " ".join(invoke("import", "--help").stdout.split())
    for words in ("keras", "darknet", ".keras", ".cfg", "Keras 2", "never runs", "importer is the exception", "Examples:"):
        assert words in text


# --- the writer: every value reads back as itself


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple),
    max_leaves=8,
)


KEYWORDS = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(lambda k: not iskeyword(k))


@settings(max_examples=200, deadline=None)
@given(st.lists(values, max_size=3), st.dictionaries(KEYWORDS, values, max_size=3))
def test_written_calls_read_back_as_the_same_values(args: list[object], kwargs: dict[str, object]) -> None:
    text = f"Dense({', '.join([literal(a) for a in args] + [f'{k}={literal(v)}' for k, v in kwargs.items()])})"
    call = parse_call(text)
    assert call.args == tuple(args) and call.kwargs == kwargs


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_written_lines_read_back_as_the_same_text(name: str) -> None:
    import yaml

    line = scalar(f"Dense(3, name={literal(name)})")
    assert yaml.safe_load(f"- {line}") == [f"Dense(3, name={literal(name)})"]


def test_a_draft_with_blocks_inputs_and_expectations_reads_back() -> None:
    block = Block(
        "pair",
        {"units": REQUIRED, "other": REQUIRED, "scale": 2},
        (Layer("Dense", (Arithmetic("units * scale"),), name="a"), Layer("Add", inputs=("a", "other"), name="sum")),
    )
    draft = Draft(
        "keras",
        (("x", (8,)), ("y", (4,))),
        (
            Layer("Dense", (4,), name="d", inputs=("x",)),
            Layer("pair", (), {"units": 2, "other": "y"}, "p", ("d",), comment="two"),
        ),
        name="true",
        blocks=(block,),
        outputs=("p", "d"),
        expect={"output_shape": (None, 4), "params": 56},
    )
    text = spec_text(draft)
    assert 'name: "true"' in text and "params: [units, other, {scale: 2}]" in text
    report = summarize(text)
    assert [row.name for row in report.rows] == ["d", "p.a", "p.sum"]
    assert report.totals.params == 56


def test_a_value_without_a_literal_is_refused() -> None:
    with pytest.raises(ValueError):
        literal(float("nan"))
    with pytest.raises(ValueError):
        literal(object())


def test_convert_raises_a_spec_error_for_an_unreadable_source(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        convert(keras_file(tmp_path, "{not json"))
    assert raised.value.diagnostic.code == "CC002"
