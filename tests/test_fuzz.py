"""Property-based fuzzing: valid specs of both frameworks, and the same specs broken every way a
person or a program breaks them, all through the command line. Whatever the input, convcalc
ends with exit 0, 1 or 2 and, unless 0, a message: never a traceback, never a hang.

The default run takes a few seconds. For a long run:

    CONVCALC_FUZZ=long pytest tests/test_fuzz.py --hypothesis-show-statistics
"""

from __future__ import annotations

import gc
import json
import os
import re
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcalc.cli.app import main
from convcalc.errors import LayerError
from convcalc.frameworks.signatures import KERAS as KERAS_SIGNATURES
from convcalc.frameworks.signatures import PYTORCH as PYTORCH_SIGNATURES
from convcalc.spec.calls import Call, parse_call

settings.register_profile(
    "convcalc-fast", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("convcalc-long", settings.get_profile("convcalc-fast"), max_examples=5000)
FUZZ = settings(settings.get_profile("convcalc-long" if os.environ.get("CONVCALC_FUZZ") == "long" else "convcalc-fast"))
BOUND_SECONDS = 2.0  # CPU seconds for one run of the command on a small spec; a hang would blow it


def run(args: list[str], text: str | bytes | None = None) -> Result:
    """The command as a user runs it, held to the contract: exit 0/1/2, a message, no traceback."""
    gc.disable()  # a collection of this long-lived test process is not the command's time
    try:
        start = time.process_time()
        result = CliRunner().invoke(main, args, input=text)
        seconds = time.process_time() - start
    finally:
        gc.enable()
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(*result.exc_info)  # type: ignore[misc]
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        assert result.output.strip(), "an error without a message"
    assert "Traceback" not in result.output
    assert seconds < BOUND_SECONDS, f"{seconds:.2f} s for {args}"
    return result


# --- valid specs, built so that every layer fits its input


def keras_layers(draw: st.DrawFn) -> list[Any]:
    layers: list[Any] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Dense"]))
        kernel = draw(st.integers(1, 5))
        stride = draw(st.integers(1, 2))
        activation = draw(st.sampled_from([None, "relu", "linear", "sigmoid"]))
        kwargs: dict[str, Any] = {}
        if kind == "Dense":
            kwargs["units"] = draw(st.integers(1, 64))
        elif kind == "DepthwiseConv2D":
            kwargs.update(kernel_size=kernel, strides=stride, padding="same", depth_multiplier=draw(st.integers(1, 3)))
        else:
            kwargs.update(filters=draw(st.integers(1, 64)), kernel_size=kernel, strides=stride, padding="same")
        if activation:
            kwargs["activation"] = activation
        if draw(st.booleans()):
            kwargs["use_bias"] = draw(st.booleans())
        layers.append(layer_item(draw, kind, kwargs))
    if draw(st.booleans()):
        layers += ["Flatten", layer_item(draw, "Dense", {"units": draw(st.integers(1, 10))})]
    return layers


def pytorch_layers(draw: st.DrawFn, channels: int, width: int) -> list[Any]:
    layers: list[Any] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["Conv2d", "ConvTranspose2d", "Linear"]))
        if kind == "Linear":  # acts on the last dimension, the width
            out = draw(st.integers(1, 32))
            layers.append(layer_item(draw, "Linear", {"in_features": width, "out_features": out}))
            width = out
            continue
        kernel = draw(st.sampled_from([1, 3, 5]))
        groups = draw(st.sampled_from([1, channels] if channels > 1 else [1]))
        out = groups * draw(st.integers(1, 8))
        kwargs = {"in_channels": channels, "out_channels": out, "kernel_size": kernel, "padding": kernel // 2}
        if groups > 1:
            kwargs["groups"] = groups
        if draw(st.booleans()):
            kwargs["bias"] = draw(st.booleans())
        layers.append(layer_item(draw, kind, kwargs))
        channels = out
    if draw(st.booleans()):
        layers.append("Flatten")
    return layers


# Each class's positional parameters in order, from frameworks/signatures.py (generated from the real classes).
POSITIONAL_ORDER = {name: tuple(p for p, _ in entry[0]) for name, entry in {**KERAS_SIGNATURES, **PYTORCH_SIGNATURES}.items()}


def layer_item(draw: st.DrawFn, kind: str, kwargs: dict[str, Any]) -> Any:
    """A layer in one of the three forms a spec may use: call, mapping, or a bare name."""
    form = draw(st.sampled_from(["call", "keywords", "mapping"]))
    if form == "mapping":
        return {"type": kind, **kwargs}
    values = list(kwargs.items())
    order = POSITIONAL_ORDER[kind]  # only a prefix in the class's own order may go by position
    prefix = next((i for i, (key, _) in enumerate(values) if i >= len(order) or key != order[i]), len(values))
    positional = draw(st.integers(0, prefix)) if form == "call" else 0
    parts = [repr(v) for _, v in values[:positional]] + [f"{k}={v!r}" for k, v in values[positional:]]
    return f"{kind}({', '.join(parts)})"


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    framework = draw(st.sampled_from(["keras", "pytorch"]))
    height, width, channels = draw(st.integers(4, 32)), draw(st.integers(4, 32)), draw(st.integers(1, 8))
    spec: dict[str, Any] = {"framework": framework}
    if framework == "keras":
        spec["input"] = [height, width, channels]
        spec["layers"] = keras_layers(draw)
    else:
        spec["input"] = [channels, height, width]
        spec["layers"] = pytorch_layers(draw, channels, width)
    if draw(st.booleans()):
        spec["name"] = draw(st.text(max_size=20))
    if draw(st.booleans()):
        spec["batch"] = draw(st.one_of(st.none(), st.integers(1, 256)))
    return spec


def dump(spec: Any, flow: bool = False) -> str:
    return yaml.safe_dump(spec, default_flow_style=flow, sort_keys=False, allow_unicode=True)


@FUZZ
@given(valid_specs(), st.booleans())
def test_valid_specs_compute(spec: dict[str, Any], flow: bool) -> None:
    result = run(["summary", "-", "--format", "json"], dump(spec, flow))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["layers"]) == len(spec["layers"])
    assert data["totals"]["params"] == sum(layer["params"] for layer in data["layers"])


@FUZZ
@given(valid_specs(), st.booleans())
def test_valid_specs_export_as_python(spec: dict[str, Any], flow: bool) -> None:
    result = run(["export", "-"], dump(spec, flow))
    assert result.exit_code == 0, result.output
    compile(result.stdout, "<export>", "exec")


# --- mutations: wrong types, missing keys, huge and negative numbers, unicode, deep nesting,
# duplicated names, absurd values, cycles and blocks the engine does not know (yet)


def nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


HOSTILE_TEXT = [
    "",
    " ",
    "None",
    "null",
    "same",
    "VALID",
    "channels_first",
    "Conv2D",
    "Conv2d(1, 1, 1)",
    "é",
    "🙂" * 20,
    "\u202e\u200b",
    "[/x]",
    "[bold]x",
    "\x1b[31mred",
    "a: b",
    "*a",
    "&a",
    "!!python/object/apply:os.system",
    "x" * 5000,
    "1e400",
    "0x10",
    "010",
    "-0",
    "~",
    "nan",
]

hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(),
    st.sampled_from([2**40, 2**40 + 1, 2**63, -(2**63), 10**100, -(10**100), 2**1000]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
    st.lists(st.integers(-5, 40), max_size=6),
    st.lists(st.one_of(st.none(), st.text(max_size=3), st.floats()), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(-2, 2), max_size=3),
    st.builds(nested, st.integers(1, 120), st.sampled_from(["list", "dict"])),
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a spec a mutation can hit: (path to container, key) pairs."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, prefix + (index,))
    return found


def get(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def mutate_call(draw: st.DrawFn, text: str) -> str:
    """Break a call such as `Conv2D(32, 3)` as a typo, a paste or a program would."""
    op = draw(st.sampled_from(["insert", "delete", "replace-number", "truncate", "append-arg", "swap-name"]))
    if op == "insert":
        at = draw(st.integers(0, len(text)))
        return (
            text[:at]
            + draw(st.one_of(st.text(max_size=8), st.sampled_from(["(", ")", ",", "=", "'", '"', "[", "**", "\\"])))
            + text[at:]
        )
    if op == "delete" and text:
        at = draw(st.integers(0, len(text) - 1))
        return text[:at] + text[at + draw(st.integers(1, 5)) :]
    if op == "replace-number":
        number = draw(
            st.sampled_from(["0", "-1", "-32", str(2**41), str(10**30), "1.5", "True", "None", "1e9", "'3'", "(3, 3, 3)", "[]"])
        )
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            at = draw(st.sampled_from(digits))
            return text[:at] + number + text[at + 1 :]
    if op == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if op == "append-arg" and text.endswith(")"):
        key = draw(
            st.sampled_from(["", "name=", "inputs=", "repeat=", "kernel_size=", "padding=", "strides=", "lambda=", "units="])
        )
        value = draw(st.sampled_from(["1", "-1", "0", "'x'", "None", "(1, 2)", "[1]", "{'a': 1}", "10**9", "1j", "...", "b'x'"]))
        return text[:-1] + f", {key}{value})"
    if op == "swap-name":
        return (
            draw(st.sampled_from(["Conv2d", "Conv2D", "Linear", "Dense", "Flatten", "conv2d", "Conv", "", "1", "os.system"]))
            + text[text.find("(") if "(" in text else len(text) :]
        )
    return text


@st.composite
def mutated_specs(draw: st.DrawFn) -> str:
    spec = draw(valid_specs())
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(
                ["replace", "delete", "add-key", "duplicate-name", "call-text", "duplicate-layer", "graph", "alias", "top-level"]
            )
        )
        spot = draw(st.sampled_from(paths(spec)))
        layers = spec.get("layers") if isinstance(spec, dict) else None
        if op == "replace" and spot:
            get(spec, spot[:-1])[spot[-1]] = draw(hostile_values)
        elif op == "delete" and spot:
            container = get(spec, spot[:-1])
            del container[spot[-1]]
        elif op == "add-key":
            container = get(spec, spot)
            if isinstance(container, dict):
                key = draw(
                    st.one_of(
                        st.sampled_from(["inputs", "repeat", "block", "name", "outputs", "expect", "type"]), st.text(max_size=8)
                    )
                )
                container[key] = draw(hostile_values)
        elif op == "duplicate-name" and isinstance(layers, list) and len(layers) > 1:
            for index in (0, 1):
                layer = spec["layers"][index]
                if isinstance(layer, dict):
                    layer["name"] = "twin"
                elif isinstance(layer, str) and layer.endswith(")"):
                    spec["layers"][index] = layer[:-1] + (", " if not layer.endswith("()") else "") + "name='twin')"
        elif op == "call-text" and isinstance(layers, list) and layers:
            index = draw(st.integers(0, len(spec["layers"]) - 1))
            if isinstance(spec["layers"][index], str):
                spec["layers"][index] = mutate_call(draw, spec["layers"][index])
        elif op == "duplicate-layer" and isinstance(layers, list) and layers:
            spec["layers"] = (spec["layers"] * draw(st.integers(2, 50)))[:200]  # rich draws ~2 ms a row: keep runs short
        elif op == "graph" and isinstance(layers, list) and layers:
            # named inputs that loop back (a cycle), and a block that uses itself: for the
            # engine that reads them they must be errors; for today's, unknown keys
            spec["layers"][0] = {"type": "Dense", "units": 1, "name": "a", "inputs": ["b"]}
            spec["layers"].append({"type": "Dense", "units": 1, "name": "b", "inputs": ["a"]})
            spec["blocks"] = {"loop": {"layers": [{"block": "loop", "repeat": draw(st.sampled_from([1, 10**9, -1]))}]}}
        elif op == "top-level":
            spec = draw(hostile_values)
            break
    text = dump(spec, flow=draw(st.booleans())) if op != "alias" else alias_text(draw, spec)
    if draw(st.integers(0, 4)) == 0:  # and now and then, damage the text itself
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(
                st.sampled_from(
                    ["\t", "  ", "\n-", ": ", "#", "&x ", "*x", "!!python/none ", "'", '"', "{", "]", "\x00", "\ufeff"]
                )
            )
            + text[at:]
        )
    return text


def alias_text(draw: st.DrawFn, spec: Any) -> str:
    """The spec with an anchor and aliases to it, or an anchor that contains its own alias."""
    text = dump(spec)
    if "layers:\n- " not in text:
        return text
    head, rest = text.split("layers:\n- ", 1)
    if draw(st.booleans()):
        return head + "layers:\n- &x " + rest + "- *x\n" * draw(st.integers(1, 20))
    return head + "layers: &x\n- *x\n- " + rest


@FUZZ
@given(
    mutated_specs(),
    st.sampled_from(
        [("--format", "json"), ("--format", "csv"), ("--format", "markdown"), ("--color", "always"), ("--color", "never")]
    ),
)
def test_mutated_specs_end_with_a_message(text: str, options: tuple[str, str]) -> None:
    run(["summary", "-", *options], text)


@FUZZ
@given(mutated_specs())
def test_export_of_mutated_specs_ends_with_a_message_or_python(text: str) -> None:
    result = run(["export", "-"], text)
    if result.exit_code == 0:
        compile(result.stdout, "<export>", "exec")


@FUZZ
@given(mutated_specs())
def test_check_of_mutated_specs_ends_with_a_message(text: str) -> None:
    result = run(["check", "-", "--format", "json"], text)
    assert json.loads(result.stdout)["files"][0]["status"] == ("pass", "fail", "error")[result.exit_code]


expectations = st.fixed_dictionaries(
    {},
    optional={
        "params": st.one_of(st.integers(0, 10**6), hostile_values),
        "trainable_params": st.integers(0, 10**6),
        "non_trainable_params": st.integers(0, 3),
        "max_params": st.integers(0, 10**7),
        "output_shape": st.one_of(st.lists(st.one_of(st.none(), st.integers(1, 64)), max_size=4), hostile_values),
    },
)


def written_shape(value: object) -> bool:
    """Whether `expect.output_shape` is a shape as docs/spec.md says one is written: a list of sizes
    (a non-negative int; null, "None", "null" or "?" for any; digits as text), or text of such
    sizes separated by commas or spaces, in one pair of brackets or none (`(None, 10)`, `28 28 1`)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return False
        if text[:1] in ("(", "[") and text[-1:] in (")", "]"):
            text = text[1:-1]
        value = [item for item in re.split(r"[,\s]+", text) if item]
    if not isinstance(value, list):
        return False
    return all(
        v is None
        or (type(v) is int and v >= 0)
        or (isinstance(v, str) and (v.lower() in ("none", "null", "?") or (v.isascii() and v.isdigit() and len(v) < 20)))
        for v in value
    )


@FUZZ
@given(valid_specs(), expectations)
def test_check_of_valid_specs_passes_fails_or_says_why(spec: dict[str, Any], expect: dict[str, Any]) -> None:
    """A computable spec passes (0) or fails (1) its expectations; only a malformed expectation is 2."""
    result = run(["check", "-"], dump({**spec, "expect": expect}))
    well_formed = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in expect.items() if k != "output_shape")
    well_formed = well_formed and written_shape(expect.get("output_shape", []))
    assert result.exit_code in ((0, 1) if well_formed else (2,)), result.output


# --- the call parser and the command-line flags with arbitrary text


@FUZZ
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="()[]{},=-+*'\"\\ .:0123456789abcxyzCDN_\n#@!$%^&|~`<>/;?"),
        st.binary().map(lambda b: b.decode("latin-1")),
    )
)
def test_the_call_parser_reads_any_text(text: str) -> None:
    try:
        call = parse_call(text)
    except LayerError as exc:
        assert exc.message and exc.code == "CC102"
        assert len(exc.message) < 300
        return
    assert isinstance(call, Call) and isinstance(call.name, str)
    assert set(call.offsets) == set(range(len(call.args))) | set(call.kwargs)


@st.composite
def call_like(draw: st.DrawFn) -> str:
    """Text shaped like a call, with arguments from Python's whole literal grammar and beyond."""
    name = draw(st.sampled_from(["Conv2D", "Dense", "Conv2d", "Linear", "Flatten", "layers.Dense", "nn.Conv2d", "X"]))
    atoms = st.one_of(
        st.integers().map(str),
        st.floats(allow_nan=False).map(repr),
        st.text(max_size=5).map(repr),
        st.sampled_from(
            [
                "True",
                "None",
                "...",
                "1j",
                "-1",
                "+1",
                "~1",
                "not 1",
                "1 + 2",
                "x",
                "x.y",
                "f()",
                "[*a]",
                "{1: 2}",
                "{1, 2}",
                "b'x'",
                "(1,)",
                "()",
                "lambda: 1",
                "'a' 'b'",
                "f'{x}'",
                "0o17",
                "1_000",
                "1e999",
                "{[1]: 2}",
                "{(1, [2]): 3}",
            ]
        ),
    )
    values = st.recursive(
        atoms, lambda inner: st.lists(inner, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ",)" if xs else "()"), max_leaves=6
    )
    args = draw(st.lists(values, max_size=4))
    kwargs = draw(
        st.lists(
            st.tuples(st.sampled_from(["units", "filters", "kernel_size", "padding", "name", "x", "in_channels"]), values),
            max_size=3,
        )
    )
    return f"{name}({', '.join(args + [f'{k}={v}' for k, v in kwargs])})"


@FUZZ
@given(call_like(), st.sampled_from(["keras", "pytorch"]), st.text(alphabet="0123456789,-? Nnoe", max_size=12))
def test_flag_layers_end_with_a_message(call: str, framework: str, dims: str) -> None:
    run(["summary", "--framework", framework, "--input", dims or "8,8,3", "--layer", call, "--format", "json"])


@FUZZ
@given(st.lists(call_like(), min_size=1, max_size=4), st.sampled_from(["keras", "pytorch"]))
def test_call_like_layers_in_a_file_end_with_a_message(calls: list[str], framework: str) -> None:
    spec = {"framework": framework, "input": [8, 8, 3], "layers": calls}
    run(["summary", "-", "--format", "json"], dump(spec))


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_end_with_a_message(data: bytes) -> None:
    run(["summary", "-"], data)


# --- every argument of every layer type the vocabularies know, given a hostile value

ARGUMENT_VALUES = st.one_of(
    hostile_values,
    st.sampled_from([(), (0,), (1, 2), (1, 2, 3), (-1, -1), ((1, 1), (1, 1)), {1, 2}, 1j, b"x", "channels_first", "causal"]),
)


@st.composite
def layer_with_hostile_argument(draw: st.DrawFn) -> tuple[str, str, str]:
    from convcalc.frameworks import vocabulary

    framework = draw(st.sampled_from(["keras", "pytorch"]))
    types = vocabulary(framework).types
    layer_type = types[draw(st.sampled_from(sorted(types)))]
    params = [name for name, _ in layer_type.signature.positional + layer_type.signature.keyword_only]
    value = draw(ARGUMENT_VALUES)
    argument = f"{draw(st.sampled_from(params))}={value!r}" if params else repr(value)
    dims = draw(st.sampled_from(["8", "8,8", "8,8,4", "8,8,8,4", "4,6,6,6,4"]))
    return framework, dims, f"{layer_type.name}({argument})"


@FUZZ
@given(layer_with_hostile_argument())
def test_every_layer_argument_takes_hostile_values(case: tuple[str, str, str]) -> None:
    framework, dims, call = case
    run(["summary", "--framework", framework, "--input", dims, "--layer", call, "--format", "json"])


# --- model files for `convcalc import`: any bytes, and real model files broken every way

MODEL_FILES = Path(__file__).parent / "sources"


def import_file(suffix: str, data: bytes) -> Result:
    """`convcalc import` of `data` written to a file named model<suffix>."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model" + suffix)
        with open(path, "wb") as handle:
            handle.write(data)
        return run(["import", path])


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".keras", ".json", ".cfg", ".txt", ".onnx"]))
def test_any_bytes_as_a_model_file_end_with_a_message(data: bytes, suffix: str) -> None:
    import_file(suffix, data)


@st.composite
def mutated_keras_models(draw: st.DrawFn) -> Any:
    """A real Keras model file's JSON with values replaced, deleted or added anywhere in it."""
    model = json.loads((MODEL_FILES / draw(st.sampled_from(sorted(p.name for p in MODEL_FILES.glob("keras*.json"))))).read_text())
    for _ in range(draw(st.integers(1, 3))):
        spot = draw(st.sampled_from(paths(model)))
        op = draw(st.sampled_from(["replace", "delete", "add-key"]))
        if op == "replace" and spot:
            get(model, spot[:-1])[spot[-1]] = draw(hostile_values)
        elif op == "delete" and spot:
            del get(model, spot[:-1])[spot[-1]]
        elif op == "add-key" and isinstance(get(model, spot), dict):
            key = draw(st.sampled_from(["inbound_nodes", "layers", "config", "class_name", "module", "keras_history", "x"]))
            get(model, spot)[key] = draw(hostile_values)
    return model


@FUZZ
@given(mutated_keras_models(), st.booleans())
def test_mutated_keras_models_end_with_a_message(model: Any, archived: bool) -> None:
    text = json.dumps(model).encode()
    if not archived:
        import_file(".json", text)
        return
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", text)
    import_file(".keras", buffer.getvalue())


DARKNET_OPTIONS = {
    "convolutional": [
        "filters",
        "size",
        "stride",
        "stride_x",
        "pad",
        "padding",
        "groups",
        "batch_normalize",
        "activation",
        "dilation",
    ],
    "maxpool": ["size", "stride", "stride_y", "padding"],
    "route": ["layers", "groups", "group_id"],
    "shortcut": ["from", "activation"],
    "upsample": ["stride"],
    "yolo": ["classes", "num", "mask"],
    "connected": ["output", "activation", "batch_normalize"],
    "avgpool": [],
    "dropout": ["probability"],
    "reorg": ["stride"],
}
DARKNET_VALUES = st.one_of(
    st.integers(-3, 20).map(str),
    st.sampled_from(["leaky", "linear", "mish", "logistic", "bogus", "-1,0", "-2,-1", "0,1,2", "", "1.5", "99999999999", "x"]),
)


@st.composite
def darknet_cfgs(draw: st.DrawFn) -> str:
    """A cfg of random sections and options, shaped like darknet's."""
    size = draw(st.sampled_from(["8", "13", "416", "0", "-1"]))
    lines = [
        "[net]",
        f"width={size}",
        f"height={draw(st.sampled_from(['8', '13', '7']))}",
        f"channels={draw(st.sampled_from(['1', '3']))}",
    ]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(sorted(DARKNET_OPTIONS)))
        lines.append(f"[{kind}]")
        for key in draw(st.lists(st.sampled_from(DARKNET_OPTIONS[kind] or ["x"]), max_size=4, unique=True)):
            lines.append(f"{key}={draw(DARKNET_VALUES)}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(darknet_cfgs())
def test_darknet_cfgs_end_with_a_message(text: str) -> None:
    import_file(".cfg", text.encode())


TINY_ONNX = Path(__file__).parents[1] / "docs" / "examples" / "tiny-cnn.onnx"


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 30_000), st.integers(0, 255)), min_size=1, max_size=8), st.integers(0, 30_000))
def test_mutated_onnx_models_end_with_a_message(changes: list[tuple[int, int]], cut: int) -> None:
    """A real ONNX file with bytes changed and its end cut: the model, or one line (CC001-CC003)."""
    pytest.importorskip("onnx", reason="the ONNX importer needs onnx")
    data = bytearray(TINY_ONNX.read_bytes())
    for at, value in changes:
        data[at % len(data)] = value
    import_file(".onnx", bytes(data[: max(cut, 1)] if cut < len(data) else data))
