"""Symbolic input sizes end to end (issue 14): specs with `input: [H, W, 3]` give their shapes,
parameters and MACs as formulas, the sizes the network accepts, and under `--set` exactly what
the spec written with the numbers gives. The property tests check both directions against the
concrete engine: inside the reported domain every formula, evaluated, is the concrete run's
figure; outside it the concrete run fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from helpers import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcalc.analysis.costs import costs
from convcalc.engine import run
from convcalc.errors import SpecError
from convcalc.report import Report
from convcalc.spec.loading import load_path, load_text
from convcalc.spec.setting import with_values

ROOT = Path(__file__).resolve().parent.parent
UNET = (ROOT / "specs" / "pytorch-unet.yaml").read_text()


def symbolic_unet(tmp_path: Path) -> Path:
    """The bundled U-Net with its input written as symbols (its expect: block is for 256 x 256)."""
    text = UNET.replace("input: [1, 256, 256]", "input: [1, H, W]")
    path = tmp_path / "unet.yaml"
    path.write_text(text[: text.index("\nexpect:") + 1])
    return path


def report_of(text: str) -> Report:
    return run(load_text(text, "spec.yaml"))


def at(value: object, values: dict[str, int]) -> object:
    """A figure at given sizes: a number as it is, a formula (a Size) evaluated."""
    return value if value is None or type(value) is int else cast(Any, value).expr.evaluate(values)


def shapes(report: Report) -> list[str]:
    return [str(row.outputs[0]) for row in report.rows]


# --- shapes, parameters and MACs as formulas


def test_a_stride_two_same_convolution_gives_ceil_and_a_valid_one_subtracts() -> None:
    report = report_of(
        "input: [H, W, 3]\nlayers:\n- Conv2D(8, 3, strides=2, padding='same')\n- Conv2D(8, 3)\n- MaxPooling2D(2)\n"
    )
    assert shapes(report)[:2] == ["(None, ceil(H/2), ceil(W/2), 8)", "(None, ceil(H/2) - 2, ceil(W/2) - 2, 8)"]
    pooled = report.rows[2].outputs[0][1]
    assert [at(pooled, {"H": h}) for h in (5, 6, 9, 224)] == [((h + 1) // 2 - 2) // 2 for h in (5, 6, 9, 224)]
    assert (
        report.symbolic is not None and report.symbolic.domain.text == "H >= 7 and W >= 7"
    )  # the pooling needs ceil(H/2) - 2 >= 2


def test_dense_after_flatten_has_weights_in_h_times_w_and_attention_macs_grow_with_t_squared() -> None:
    report = report_of("input: [H, W, 2]\nlayers:\n- Flatten()\n- Dense(10)\n")
    assert str(report.totals.params) == "20*H*W + 10"
    attention = report_of("framework: pytorch\ninput: [T, 64]\nlayers:\n- MultiheadAttention(64, 4, batch_first=True)\n")
    macs = costs(attention).macs
    assert "T**2" in str(macs)
    assert at(macs, {"T": 10}) == costs(report_of(_fixed(attention_spec(), T=10))).macs


def attention_spec() -> str:
    return "framework: pytorch\ninput: [T, 64]\nlayers:\n- MultiheadAttention(64, 4, batch_first=True)\n"


def _fixed(text: str, **values: int) -> str:
    for name, value in values.items():
        text = text.replace(f"{name},", f"{value},").replace(f"{name}]", f"{value}]")
    return text


# --- the U-Net: its domain, the smallest size, the first failing layer, and --set


def test_unet_accepts_multiples_of_16_and_names_the_first_failing_layer(tmp_path: Path) -> None:
    report = run(load_path(str(symbolic_unet(tmp_path))))
    symbolic = report.symbolic
    assert symbolic is not None
    assert symbolic.domain.text == "H % 16 == 0 and H >= 16 and W % 16 == 0 and W >= 16"
    assert symbolic.domain.proven and symbolic.domain.smallest == {"H": 16, "W": 16}
    assert symbolic.rejected is not None
    values, problem = symbolic.rejected
    assert problem is not None and problem.node.endswith(".concat")
    with pytest.raises(SpecError, match="concat"):
        run(with_values(load_path(str(symbolic_unet(tmp_path))), values))
    assert str(report.rows[-1].outputs[0]) == "(None, 2, H, W)"
    bottom = next(row for row in report.rows if row.name == "down4.maxpool2d")
    assert str(bottom.outputs[0]) == "(None, 512, H/16, W/16)"  # floor(H/16), exact on the accepted sizes


def test_set_gives_the_table_of_the_spec_written_with_numbers(tmp_path: Path) -> None:
    symbolic = invoke("summary", str(symbolic_unet(tmp_path)), "--set", "H=256", "--set", "W=256", "--macs")
    concrete = invoke("summary", "pytorch-unet", "--macs")
    assert symbolic.exit_code == 0 and concrete.exit_code == 0
    assert symbolic.stdout.splitlines()[1:] == concrete.stdout.splitlines()[1:]  # the title names the file


def test_set_rejects_an_unknown_symbol_and_a_size_the_assumptions_exclude(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("input: [H, 3]\nassume: [H % 4 == 0]\nlayers:\n- Dense(2)\n")
    result = invoke("summary", str(path), "--set", "X=3")
    assert result.exit_code == 2 and "the spec has no symbol 'X' (its symbols: H)" in result.stderr
    result = invoke("summary", str(path), "--set", "H=6")
    assert result.exit_code == 2 and "breaks the spec's assumption 'H % 4 == 0'" in result.stderr
    assert invoke("summary", str(path), "--set", "H=8").exit_code == 0


def test_assume_makes_floor_exact_and_is_listed(tmp_path: Path) -> None:
    text = "input: [H, 3]\nassume: ['H % 8 == 0', 'H >= 8']\nlayers:\n- Conv1D(4, 2, strides=2)\n- Conv1D(4, 2, strides=2)\n"
    report = report_of(text)
    assert shapes(report) == ["(None, H/2, 4)", "(None, H/4, 4)"]
    result = invoke("summary", "-", input=text)
    assert "Assumed: H % 8 == 0, H >= 8" in result.stdout


@pytest.mark.parametrize(
    ("assume", "message"),
    [
        ("[X > 3]", "names X, which is not a size of the input"),
        ("['H % 2 == 0 and 1 > 2']", "is never true"),
        ("[H >>> 2]", "cannot read"),
    ],
)
def test_a_bad_assumption_is_a_located_error(assume: str, message: str) -> None:
    result = invoke("summary", "-", input=f"input: [H, 3]\nassume: {assume}\nlayers:\n- Dense(2)\n")
    assert result.exit_code == 2 and message in result.stderr and result.stderr.startswith("<stdin>:2:")


def test_flags_take_symbols() -> None:
    result = invoke("summary", "--framework", "keras", "--input", "T,80", "--layer", "Conv1D(64, 3, strides=2)")
    assert result.exit_code == 0
    assert "(None, ceil(T/2) - 1, 64)" in result.stdout and "Accepted sizes: T >= 3" in result.stdout


# --- check: expect: with formulas and a domain


@pytest.mark.parametrize(
    ("expect", "problems"),
    [
        ("output_shape: [2, H, W]\n  params: 31042434\n  domain: H % 16 == 0 and W % 16 == 0", []),
        ("domain: H % 16 == 0 and W % 32 == 0", ["CC304 expected the accepted sizes"]),
        ("output_shape: [2, H/2, W]", ["CC301 expected output shape (2, H/2, W)"]),
    ],
)
def test_check_compares_formulas_and_the_domain_on_the_accepted_sizes(tmp_path: Path, expect: str, problems: list[str]) -> None:
    path = symbolic_unet(tmp_path)
    path.write_text(path.read_text() + f"expect:\n  {expect}\n")
    result = invoke("check", str(path))
    assert [line.split(": ", 1)[1][: len(p)] for line, p in zip(result.stdout.splitlines(), problems)] == problems
    assert len(result.stdout.splitlines()) == len(problems)
    assert result.exit_code == (1 if problems else 0)


def test_check_with_set_checks_the_sizes_given(tmp_path: Path) -> None:
    path = symbolic_unet(tmp_path)
    path.write_text(path.read_text() + "expect:\n  output_shape: [2, H, W]\n  domain: H % 16 == 0\n")
    assert invoke("check", str(path), "--set", "H=64", "--set", "W=64").exit_code == 0
    failed = invoke("check", str(path), "--set", "H=72", "--set", "W=64")
    assert failed.exit_code == 2 and "CC200" in failed.stdout and "concat" in failed.stdout


def test_check_formula_params(tmp_path: Path) -> None:
    path = tmp_path / "dense.yaml"
    path.write_text("input: [H, W, 2]\nlayers:\n- Flatten()\n- Dense(10)\nexpect:\n  params: 20*H*W + 10\n")
    assert invoke("check", str(path)).exit_code == 0
    path.write_text("input: [H, W, 2]\nlayers:\n- Flatten()\n- Dense(10)\nexpect:\n  params: 20*H*W\n")
    result = invoke("check", str(path))
    assert result.exit_code == 1 and "CC302 expected params 20*H*W, computed 20*H*W + 10" in result.stdout


# --- JSON


def test_json_gives_each_formula_as_text_python_and_a_tree(tmp_path: Path) -> None:
    result = invoke("summary", str(symbolic_unet(tmp_path)), "--format", "json")
    data = json.loads(result.stdout)
    assert data["symbols"]["accepted"]["text"] == "H % 16 == 0 and H >= 16 and W % 16 == 0 and W >= 16"
    assert data["symbols"]["accepted"]["smallest"] == {"H": 16, "W": 16}
    macs = data["totals"]["macs"]
    assert set(macs) == {"text", "python", "formula"}
    concrete = json.loads(invoke("summary", "pytorch-unet", "--format", "json").stdout)
    assert eval(macs["python"], {"__builtins__": {}}, {"H": 256, "W": 256}) == concrete["totals"]["macs"]
    assert evaluate(macs["formula"], {"H": 256, "W": 256}) == concrete["totals"]["macs"]


def evaluate(tree: object, values: dict[str, int]) -> int:
    """The structured form of a formula evaluated as docs/json.md describes it."""
    if isinstance(tree, int):
        return tree
    assert isinstance(tree, dict) and len(tree) == 1
    ((kind, operand),) = tree.items()
    if kind == "symbol":
        return values[operand]
    if kind == "add":
        return sum(evaluate(t, values) for t in operand)
    if kind == "mul":
        product = 1
        for t in operand:
            product *= evaluate(t, values)
        return product
    if kind == "pow":
        return evaluate(operand[0], values) ** operand[1]
    assert kind == "floordiv"
    return evaluate(operand[0], values) // operand[1]


def test_the_json_document_of_a_symbolic_report_meets_the_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "convcalc" / "schema" / "convcalc-1.schema.json").read_text())
    for spec in (str(symbolic_unet(tmp_path)), "-"):
        text = None if spec != "-" else "input: [T, 16]\nlayers:\n- Conv1D(4, 3, padding='same')\n- Flatten()\n- Dense(3)\n"
        result = invoke("summary", spec, "--format", "json", "--receptive-field", input=text)
        jsonschema.validate(json.loads(result.stdout), schema)


# --- cost: a spec without symbols imports nothing symbolic


def test_a_concrete_spec_never_imports_the_symbolic_package() -> None:
    code = (
        "import sys\n"
        "from convcalc.cli.app import main\n"
        "for args in (['summary', 'pytorch-unet', '--macs'], ['summary', 'lenet5', '--format', 'json'], ['check', 'lenet5']):\n"
        "    try: main(args)\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('convcalc.symbolic', 'convcalc.spec.setting'))), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stderr.strip() == "[]"


# --- property tests: the formulas against the concrete engine, both directions

KERAS_LAYERS = st.sampled_from(
    [
        "Conv1D(4, {k}, strides={s}, padding='{p}')",
        "MaxPooling1D({k}, strides={s}, padding='{p}')",
        "AveragePooling1D({k}, strides={s}, padding='{p}')",
        "UpSampling1D({s})",
        "Conv1DTranspose(4, {k}, strides={s}, padding='{p}')",
    ]
)
LAYER = st.tuples(KERAS_LAYERS, st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"])).map(
    lambda t: t[0].format(k=t[1], s=t[2], p=t[3])
)


def network(layers: list[str], skip: bool) -> str:
    """A 1-D network on T steps; with `skip`, its output is concatenated with the input (the
    size must then come back to T: a constraint that can cut the domain to a residue)."""
    if skip:
        layers = [*layers[:-1], layers[-1][:-1] + ", name='last')", "Concatenate(inputs=['input', 'last'])"]
    return "\n".join(["input: [T, 4]", "layers:", *(f"- {layer}" for layer in layers)]) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LAYER, min_size=1, max_size=4), st.booleans(), st.lists(st.integers(1, 80), min_size=3, max_size=6))
def test_formulas_equal_the_concrete_engine_inside_the_domain_and_it_fails_outside(
    layers: list[str], skip: bool, sizes: list[int]
) -> None:
    text = network(layers, skip)
    try:
        report = report_of(text)
    except SpecError:  # no size is accepted: then none of the sampled sizes computes either
        for size in sizes:
            with pytest.raises(SpecError):
                report_of(text.replace("[T, 4]", f"[{size}, 4]"))
        return
    symbolic = report.symbolic
    assert symbolic is not None and symbolic.domain.proven
    for size in sizes:
        accepted = symbolic.domain.contains({"T": size})
        concrete_text = text.replace("[T, 4]", f"[{size}, 4]")
        if not accepted:
            with pytest.raises(SpecError):
                report_of(concrete_text)
            continue
        concrete = report_of(concrete_text)
        if not all(guard.condition.holds({"T": size}) for guard in symbolic.guards):
            continue  # accepted, but on another path than the hint's: its formulas differ
        for row, fixed in zip(report.rows, concrete.rows, strict=True):
            got = tuple(at(d, {"T": size}) for d in row.outputs[0])
            assert got == fixed.outputs[0], (row.name, size)
        macs = costs(report).macs
        value = macs if macs is None or type(macs) is int else at(macs, {"T": size})
        assert value == costs(concrete).macs


# --- the bundled networks written with symbols (docs/examples/symbolic/)

EXAMPLES = ROOT / "docs" / "examples" / "symbolic"


@pytest.mark.parametrize(
    ("example", "bundled", "settings"),
    [
        ("pytorch-unet.yaml", "pytorch-unet", ["H=256", "W=256"]),
        ("pytorch-resnet50.yaml", "pytorch-resnet50", ["H=224", "W=224"]),
        ("gpt2-small.yaml", "gpt2-small", ["T=1024"]),
        ("pytorch-mlp.yaml", "pytorch-mlp", ["H=28", "W=28"]),
    ],
)
def test_a_symbolic_network_under_set_is_the_bundled_one(example: str, bundled: str, settings: list[str]) -> None:
    options = [f"--set={s}" for s in settings]
    symbolic = invoke("summary", str(EXAMPLES / example), *options, "--macs")
    concrete = invoke("summary", bundled, "--macs")
    assert symbolic.exit_code == 0, symbolic.stderr
    assert symbolic.stdout.splitlines()[1:] == concrete.stdout.splitlines()[1:]
    assert invoke("check", str(EXAMPLES / example)).exit_code == 0  # its expect:, domain included


def test_gpt2_macs_are_a_polynomial_in_t_with_its_attention_term() -> None:
    report = run(load_path(str(EXAMPLES / "gpt2-small.yaml")))
    macs = costs(report).macs
    expr = cast(Any, macs).expr
    assert str(macs) == "18432*T**2 + 123628032*T"  # 12 layers x 2 x 768 (q k^T and the weighted sum of v)
    assert expr.evaluate({"T": 1024}) == costs(run(load_path(str(ROOT / "specs" / "gpt2-small.yaml")))).macs


def test_vit_b_16_accepts_the_sizes_whose_patches_make_196_tokens() -> None:
    report = run(load_path(str(EXAMPLES / "vit_b_16.yaml")))
    assert report.symbolic is not None
    domain = report.symbolic.domain
    assert domain.text == "floor(H/16)*floor(W/16) == 196" and domain.proven
    assert domain.contains({"H": 224, "W": 239}) and domain.contains({"H": 64, "W": 784})
    assert not domain.contains({"H": 240, "W": 224})
    assert report.totals.params == 86567656  # torchvision's num_params for vit_b_16


def test_the_bundled_torchvision_vit_b_16_with_symbols_has_the_same_domain() -> None:
    text = (ROOT / "specs" / "pytorch-vit_b_16.yaml").read_text()
    assert "input: [3, 224, 224]" in text
    report = run(load_text(text.replace("input: [3, 224, 224]", "input: [3, H, W]"), "vit.yaml"))
    assert report.symbolic is not None and report.symbolic.domain.text == "floor(H/16)*floor(W/16) == 196"
    assert report.totals.params == 86567656


# --- solve: the largest size within a budget


def test_solve_finds_the_largest_accepted_size_within_a_macs_budget() -> None:
    example = str(EXAMPLES / "pytorch-unet.yaml")
    result = invoke("solve", example, "--maximize", "H", "--macs-at-most", "10G", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sizes"] == {"H": 112, "W": 112} and data["next"]["sizes"] == {"H": 128, "W": 128}
    spec = load_path(example)
    assert costs(run(with_values(spec, {"H": 112, "W": 112}))).macs == data["figures"]["macs"] <= 10**10
    assert costs(run(with_values(spec, {"H": 128, "W": 128}))).macs == data["next"]["figures"]["macs"] > 10**10
    fixed = json.loads(
        invoke("solve", example, "--maximize", "H", "--set", "W=64", "--macs-at-most", "10G", "--format", "json").stdout
    )
    assert fixed["sizes"] == {"H": 208} and fixed["moves_with"] == []


def test_solve_stops_at_an_assumed_bound_and_says_when_nothing_fits() -> None:
    example = str(EXAMPLES / "gpt2-small.yaml")
    result = invoke("solve", example, "--maximize", "T", "--macs-at-most", "1T")
    assert result.exit_code == 0 and "T = 1024:" in result.stdout and "the spec assumes T <= 1024" in result.stdout
    result = invoke("solve", example, "--maximize", "T", "--params-at-most", "100M")
    assert result.exit_code == 1 and "none: even the smallest accepted size, T = 1, exceeds the budget" in result.stdout
    result = invoke("solve", example, "--minimize", "T", "--macs-at-most", "1G")
    assert result.exit_code == 0 and "T = 1:" in result.stdout


def test_solve_lists_the_accepted_sizes_in_a_range() -> None:
    example = str(EXAMPLES / "pytorch-unet.yaml")
    result = invoke("solve", example, "--accepted", "H=200..300", "--set", "W=64", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["sizes"] == [208, 224, 240, 256, 272, 288]
    spec = load_path(example)
    for h in range(200, 301):  # the others fail in the concrete engine
        if h % 16:
            with pytest.raises(SpecError):
                run(with_values(spec, {"H": h, "W": 64}))
    assert invoke("solve", example, "--accepted", "H=17..31").exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accepted", "T=9..3"], "--accepted takes NAME=LOW..HIGH"),
        (["--maximize", "H", "--macs-at-most", "10G"], "no symbol 'H' to solve for"),
        (["--maximize", "T", "--macs-at-most", "ten"], "--macs-at-most takes an amount such as 10G"),
        (["--maximize", "T"], "give a budget"),
    ],
)
def test_solve_size_errors(args: list[str], message: str) -> None:
    result = invoke("solve", str(EXAMPLES / "gpt2-small.yaml"), *args)
    assert result.exit_code == 2 and message in result.stderr


# --- what needs numbers asks for --set, in one line


@pytest.mark.parametrize("command", [["explain"], ["draw"]])
def test_what_needs_numbers_asks_for_set_in_one_line(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("input: [H, W, 3]\nlayers:\n- Conv2D(8, 3, strides=2, padding='same')\n- Flatten()\n- Dense(2)\n")
    result = invoke(command[0], str(path), *command[1:])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"--set: CC003 {command[0]} needs the input's sizes in numbers here")
    fixed = invoke(command[0], str(path), *command[1:], "--set", "H=32", "--set", "W=32")
    assert fixed.exit_code == 0, fixed.stderr


def test_export_asks_for_sizes_in_numbers(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("framework: pytorch\ninput: [3, H, W]\nlayers:\n- Conv2d(3, 8, 3, stride=2)\n")
    result = invoke("export", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        "--set: CC003 export writes code for sizes in numbers; the spec's input has symbols (H, W)"
        " (e.g. --set H=224 --set W=224)\n"
    )
    fixed = invoke("export", str(path), "--set", "H=32", "--set", "W=32")
    assert fixed.exit_code == 0 and "nn.Conv2d(3, 8, 3, stride=2)" in fixed.stdout


# --- every bundled network with its spatial sizes written as symbols


def _bundled_with_symbols() -> list[tuple[str, str, dict[str, int]]]:
    """(name, text with symbols, the sizes the bundled spec states) for each bundled spec of one input."""
    import re

    found = []
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        text = path.read_text()
        match = re.search(r"^input: \[([^\]]*)\]", text, re.M)
        if match is None:
            continue
        dims = [d.strip() for d in match.group(1).split(",")]
        if not all(d.isdigit() for d in dims):  # sizes left unknown (keras-mobilenetv3small's): nothing to write as a symbol
            continue
        spatial = list(range(1, len(dims))) if "framework: pytorch" in text else list(range(len(dims) - 1))
        names = ["T"] if len(spatial) <= 1 else ["H", "W", "D"]
        spatial = spatial or [0]
        written = list(dims)
        values = {}
        for name, index in zip(names, spatial):
            written[index], values[name] = name, int(dims[index])
        found.append((path.stem, text.replace(match.group(0), f"input: [{', '.join(written)}]"), values))
    return found


BUNDLED = _bundled_with_symbols()
NOT_SYMBOLIC: dict[str, str] = {}
"""Bundled networks that compute under --set but not with symbols, and why (docs/symbolic.md, Limits)."""


@pytest.mark.parametrize(("name", "text", "values"), BUNDLED, ids=[b[0] for b in BUNDLED])
def test_a_bundled_network_with_symbols_gives_its_figures_at_its_sizes(name: str, text: str, values: dict[str, int]) -> None:
    concrete = run(load_path(str(ROOT / "specs" / f"{name}.yaml")))
    spec = load_text(text, f"{name}.yaml")
    fixed = run(with_values(spec, values))
    assert [row.outputs for row in fixed.rows] == [row.outputs for row in concrete.rows]
    assert costs(fixed).macs == costs(concrete).macs
    try:
        report = run(spec)
    except SpecError:
        assert name in NOT_SYMBOLIC
        return
    assert report.symbolic is not None and report.symbolic.domain.contains(values)
    if all(guard.condition.holds(values) for guard in report.symbolic.guards):  # the formulas, evaluated
        assert [[tuple(at(d, values) for d in shape) for shape in row.outputs] for row in report.rows] == [
            list(row.outputs) for row in concrete.rows
        ]
        assert at(costs(report).macs, values) == costs(concrete).macs
        assert at(report.totals.params, values) == concrete.totals.params


def test_an_equation_of_two_symbols_lists_its_sizes_and_each_computes() -> None:
    """pytorch-mlp on [1, H, W]: Linear(784) after Flatten accepts exactly H*W == 784, none of
    the sizes convcalc tries first; the divisor pairs are listed, each computes in the concrete
    engine, and a size beside them fails there."""
    text = (ROOT / "specs" / "pytorch-mlp.yaml").read_text().replace("input: [1, 28, 28]", "input: [1, H, W]")
    report = report_of(text)
    assert report.symbolic is not None
    domain = report.symbolic.domain
    assert domain.proven and domain.smallest == {"H": 28, "W": 28}
    pairs = [(h, 784 // h) for h in range(1, 785) if 784 % h == 0]
    assert domain.text == f"H*W == 784 ({len(pairs)} sizes, H x W: {', '.join(f'{h} x {w}' for h, w in pairs)})"
    for h, w in [*pairs, (29, 28), (16, 48), (1, 1)]:
        accepted = (h, w) in pairs
        assert domain.contains({"H": h, "W": w}) == accepted
        fixed = text.replace("[1, H, W]", f"[1, {h}, {w}]")
        if accepted:
            assert report_of(fixed).totals.params == report.totals.params
        else:
            with pytest.raises(SpecError, match="in_features=784"):
                report_of(fixed)
