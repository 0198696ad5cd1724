"""`convcalc export` without the frameworks: golden files of the generated code (reviewed by eye;
`UPDATE_GOLDEN=1` rewrites them), every export laid out as `ruff format` lays it out and clean
under `ruff check` (where ruff is installed), the layout against ruff on many statements, the
command's errors, and the examples of docs/export.md. tests/conformance/test_export_conformance.py builds
every export with the real framework."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SCALED, compare, invoke, stand_in_holding_weights

from convcalc import load, summarize
from convcalc.engine import computed
from convcalc.export import export
from convcalc.export.layout import statement
from convcalc.export.writer import call_template, is_function
from convcalc.frameworks import vocabulary
from convcalc.spec.loading import load_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "export"
FOLDERS = ("specs", "tests/specs/valid", "tests/specs/export", "docs/examples", "docs/examples/torchvision")
ALL_SPECS = sorted(path.relative_to(ROOT) for folder in FOLDERS for path in (ROOT / folder).glob("*.yaml"))
SPECS = ALL_SPECS
BUILDERS = [p for p in ALL_SPECS if any(not b.scoped for b in load(str(ROOT / p)).blocks.values())]
"""Specs with builder blocks (scoped: false: the bundled keras.applications specs)."""
REVIEWED = [
    "specs/pytorch-unet.yaml",
    "specs/pytorch-mobilenet_v2.yaml",
    "specs/bert-base.yaml",
    "tests/specs/export/pytorch-sequence.yaml",
    "tests/specs/export/pytorch-blocks.yaml",
    "tests/specs/export/keras-sequence.yaml",
    "tests/specs/export/keras-blocks.yaml",
]
RUFF = shutil.which("ruff")
RULES = "E,F,W,I,UP,B,SIM,RUF,N"  # the project's rules, and pep8-naming for the classes and functions


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the files name the spec by the path given, relative here


@pytest.mark.parametrize("spec", REVIEWED)
def test_export_matches_golden(spec: str) -> None:
    result = invoke("export", spec)
    assert result.exit_code == 0, result.output
    compare(result.stdout, GOLDEN / (Path(spec).stem + ".py"))


@pytest.mark.parametrize("spec", BUILDERS, ids=[p.stem for p in BUILDERS])
def test_builder_blocks_are_written_inline_under_their_layers_names(spec: Path) -> None:
    """A builder function's layers are the model's own (keras.applications' layout): no function
    or class per builder block, every layer written where it runs, under the name it gave it."""
    loaded = load(str(ROOT / spec))
    result = invoke("export", str(spec))
    assert result.exit_code == 0, result.output
    for name, block in loaded.blocks.items():
        if not block.scoped:
            assert f"def {name}(" not in result.stdout and f"class {name}" not in result.stdout.lower()
    report = summarize(str(ROOT / spec))
    assert report.rows  # each layer under its own name: test_every_export_is_python_naming_every_layer


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_export_is_python_naming_every_layer(spec: Path) -> None:
    """The text compiles, and every layer is found in the model under its own name: its module
    path in PyTorch (a name that cannot be an attribute is said in a comment), its name with "_"
    for "." in Keras (inside a Sequential, its own name after the Sequential's and a "/"; a
    layer applied again, `shares:`, is its owner's). A function (a stand-in for a torch
    function, a keras.ops call, Keras's `x + 3.0`) is an expression, no module or layer."""
    exported = export(load(str(spec)))
    compile(exported.text, str(spec), "exec")
    report, graph = computed(load(str(spec)))
    for row, node in zip(report.rows, graph.nodes):
        found = exported.names.get(row.name)
        assert row.layer_type is not None
        if is_function(row.layer_type, call_template(row.layer_type, node.layer, row.input_shapes)):
            assert found is None
        elif load(str(spec)).framework == "pytorch":
            assert found == row.name or f"is {row.name.rsplit('.', 1)[-1]!r} in the spec" in exported.text
        elif row.shared_with is not None:
            assert found == exported.names[row.shared_with]
        else:
            assert found is not None and found.replace("/", "_") == row.name.replace(".", "_")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
def test_every_export_is_as_ruff_formats_it_and_passes_ruff_check(tmp_path: Path) -> None:
    for spec in SPECS:
        (tmp_path / (spec.stem.replace("-", "_") + ".py")).write_text(export(load(str(spec))).text)
    formatted = subprocess.run([RUFF, "format", "--isolated", "--diff", str(tmp_path)], capture_output=True, text=True)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = subprocess.run([RUFF, "check", "--isolated", "--select", RULES, str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def random_statement(rng: random.Random, depth: int = 0) -> str:
    """A statement of the shapes export writes, with arguments of every kind and length."""
    names = ["x", "conv1", "downsample_bn", "attention_dropout", "embeddings_dropout", "aaaaaaaaaaaaaaaaaaaa"]

    def atom(level: int) -> str:
        pick = rng.random() if level < 3 else 0.0
        if pick < 0.3:
            return rng.choice(names)
        if pick < 0.45:
            return str(rng.randint(0, 5000))
        if pick < 0.55:
            return repr(rng.choice(["same", "relu", "it's", 'a"b', "x" * rng.randint(1, 30)]))
        if pick < 0.6:
            return repr(rng.choice([1e-05, 0.1, 1e20, 2.5]))
        if pick < 0.7:
            return "(" + ", ".join(atom(level + 1) for _ in range(rng.randint(1, 4))) + ",)"
        if pick < 0.8:
            return "[" + ", ".join(atom(level + 1) for _ in range(rng.randint(0, 6))) + "]"
        return call(level + 1)

    def call(level: int) -> str:
        func = rng.choice(["nn.Conv2d", "layers.Conv2D", "self.attention", "torch.cat", "Block"])
        args = [atom(level) for _ in range(rng.randint(0, 7))]
        keywords = [f"{rng.choice(['padding', 'name', 'dim', 'bias'])}{i}={atom(level)}" for i in range(rng.randint(0, 3))]
        text = f"{func}({', '.join(args + keywords)})"
        if rng.random() < 0.3:
            text += "(" + ", ".join(rng.choice(names) for _ in range(rng.randint(1, 3))) + ")"
        if rng.random() < 0.2:
            text += "[0]"
        return text

    pick = rng.random()
    if pick < 0.7:
        return rng.choice(["x", "self.conv1", "attention"]) + " = " + call(depth)
    if pick < 0.85:
        return "return " + ", ".join(rng.choice(names) for _ in range(rng.randint(1, 6)))
    return call(depth)


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
def test_layout_is_ruffs_on_many_statements(tmp_path: Path) -> None:
    rng = random.Random(10)
    chunks = []
    for _ in range(300):
        depth = rng.choice([0, 1, 2])
        lines = statement(random_statement(rng), 4 * depth)
        chunks.append("".join(f"{'    ' * d}if a:\n" for d in range(depth)) + lines + "\n")
    path = tmp_path / "statements.py"
    path.write_text("".join(chunks))
    result = subprocess.run([RUFF, "format", "--isolated", "--diff", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_export_to_the_other_framework_is_one_line_exit_2() -> None:
    result = invoke("export", "specs/lenet5.yaml", "--to", "pytorch")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "specs/lenet5.yaml: CC004 a keras spec exports to keras, not pytorch "
        "(a spec in one framework's vocabulary exports to that framework)\n"
    )


def test_export_writes_the_file_named(tmp_path: Path) -> None:
    target = tmp_path / "net.py"
    result = invoke("export", "specs/pytorch-mlp.yaml", "--to", "pytorch", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text() == invoke("export", "specs/pytorch-mlp.yaml").stdout


def test_a_spec_that_cannot_be_computed_is_its_error() -> None:
    result = invoke("export", "tests/specs/invalid/misspelled-argument.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("tests/specs/invalid/misspelled-argument.yaml:4:27: CC103 ")


def test_keras_shares_between_different_layers_cannot_be_exported() -> None:
    text = "framework: keras\ninput: [8]\nlayers:\n- Dense(4, name='a')\n- Dense(4, use_bias=False, shares='a')\n"
    result = invoke("export", "-", input=text)
    assert result.exit_code == 2
    assert result.stderr == (
        "<stdin>:5:28: CC004 cannot export: dense shares a's weights, which Keras does only by calling the same layer "
        "again: the two must be one type with the same arguments\n"
    )


def test_summary_loads_no_exporter() -> None:
    code = (
        "import sys\nfrom convcalc.cli.app import main\n"
        "try:\n    main(['summary', 'specs/lenet5.yaml'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith('convcalc.export')], file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stderr.strip() == "[]"


def test_docs_examples_show_whole_files() -> None:
    """docs/export.md shows each worked example's code as the output of its `$ convcalc export`
    line, so tests/test_docs.py compares the whole file with what export writes."""
    page = (ROOT / "docs" / "export.md").read_text()
    shown = [
        text
        for language, text in re.findall(r"```(\w+)\n(.*?)```", page, re.S)
        if language == "console" and re.match(r"\$ convcalc export \S+\n", text)
    ]
    assert len(shown) == 3
    assert all(text.rstrip().endswith(("print(model(x).shape)", "print(output.shape)", ".summary()")) for text in shown)


def test_a_stand_in_holding_weights_keeps_them_in_init() -> None:
    with stand_in_holding_weights():
        exported = export(load_text(SCALED, "scaled.yaml"))
    assert "        self.gain = nn.Parameter(torch.ones(8))\n" in exported.text
    assert "        x = x * self.gain\n" in exported.text
    assert exported.names["gain"] == "gain"


def readable(template: str) -> str:
    """A Code template as docs/export.md shows it: inputs x, y; an argument given only when it
    is not its default in brackets.

    >>> readable("torch.mean({0}{+dim}, dtype=torch.{=dtype})")
    'torch.mean(x[, dim=dim], dtype=torch.dtype)'
    >>> readable("{* + }")
    'x + y'
    """
    inputs = {"{0}": "x", "{1}": "y", "{*}": "x, y", "{* + }": "x + y", "{* * }": "x * y"}
    for placeholder, text in inputs.items():
        template = template.replace(placeholder, text)
    template = re.sub(r"\{\+(\w+)\}", r"[, \1=\1]", template)
    return re.sub(r"\{[=(]?(\w+)\)?\}", r"\1", template)


def stand_in_table(framework: str) -> str:
    """docs/export.md's table of what each of convcalc's own stand-ins (and each class whose
    code an argument changes) is written as, from the vocabulary's `Code` records."""
    lines = ["| Class | Written as | Given an argument |", "| --- | --- | --- |"]
    prefix = {"pytorch": "nn.", "keras": "layers."}[framework]
    for layer_type in vocabulary(framework).types.values():
        code = layer_type.code
        if code is None or not (layer_type.own or code.when):
            continue  # a real class written as itself; its choices by input are the prose's
        if code.holds and framework == "pytorch":
            written = f"`self.<name> = {readable(code.holds)}` in `__init__`, read as `self.<name>`"
        elif code.holds:
            written = f"`{readable(code.holds)}`, a layer of the file's own class, called on a tensor of the model"
        elif code.call:
            written = f"`{readable(code.call)}`"
        else:
            written = f"`{prefix}{layer_type.name}(...)`, the class"
        given = "; ".join(f"`{argument}`: `{readable(template)}`" for argument, template in code.when)
        lines.append(f"| `{layer_type.name}` | {written} | {given} |")
    return "\n".join(lines)


@pytest.mark.parametrize(("framework", "heading"), [("pytorch", "### PyTorch"), ("keras", "### Keras")])
def test_docs_list_every_stand_ins_code(framework: str, heading: str) -> None:
    page = (ROOT / "docs" / "export.md").read_text()
    section = page[page.index("## convcalc's stand-ins as code") :]
    section = section[section.index(heading) :]
    shown = re.search(r"^\| Class \| Written as \| Given an argument \|\n(?:\|.*\n)+", section, re.M)
    expected = stand_in_table(framework)
    assert shown is not None and shown.group(0).strip() == expected, (
        f"docs/export.md's {framework} table should read:\n{expected}"
    )


def test_a_spec_in_eval_mode_runs_its_model_in_eval_mode() -> None:
    """`mode: eval` (an imported model): the script calls model.eval() before running it, as a
    BatchNorm on one value per channel runs only there."""
    text = "framework: pytorch\ninput: [3, 4, 4]\nbatch: 1\nmode: eval\nlayers: [AdaptiveAvgPool2d(1), BatchNorm2d(3)]\n"
    assert "    model = Model().eval()\n" in export(load_text(text, "eval.yaml")).text
    training = text.replace("mode: eval", "mode: train").replace("batch: 1", "batch: 2")
    assert "    model = Model()\n" in export(load_text(training, "train.yaml")).text
