"""Receptive fields of a spec with symbols (docs/symbolic.md): sizes and strides in numbers,
the padding Keras's 'same' adds on a strided axis (and a ZeroPadding2D that correct_pad sizes)
a formula of the input's size; substituted, they equal the concrete engine's fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from helpers import invoke
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from convcalc.analysis.receptive import LayerField, receptive_fields
from convcalc.engine import run
from convcalc.errors import SpecError
from convcalc.spec.loading import load_text

ROOT = Path(__file__).resolve().parent.parent


def at(value: object, values: dict[str, int]) -> object:
    return value if value is None or type(value) is int else cast(Any, value).expr.evaluate(values)


def evaluated(fields: tuple[LayerField, ...], values: dict[str, int]) -> list[object]:
    """Each row's field (size, stride, padding, axes, misaligned merges) at the given sizes."""
    found: list[object] = []
    for result in fields:
        field = result.field
        if field is None:
            found.append((result.name, None, result.reason))
            continue
        per_axis = tuple(tuple(at(v, values) for v in axis) for axis in (field.size, field.stride, field.padding))
        found.append((result.name, per_axis, field.axes, field.misaligned, len(result.paths)))
    return found


LAYERS = st.sampled_from(
    [
        "Conv2D(4, {k}, strides={s}, padding='{p}')",
        "MaxPooling2D({k}, strides={s}, padding='{p}')",
        "DepthwiseConv2D({k}, strides={s}, padding='{p}', dilation_rate=1)",
        "ZeroPadding2D(({s}, {k}))",
    ]
)
LAYER = st.tuples(LAYERS, st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"])).map(
    lambda t: t[0].format(k=t[1], s=t[2], p=t[3])
)


def network(layers: list[str], side: list[str]) -> str:
    """A 2-D Keras network on H x W; with `side`, a second path from the input, added to the
    first (the merge compares the paths' formula paddings to tell whether they line up)."""
    lines = ["input: [H, W, 4]", "layers:", *(f"- {layer}" for layer in layers[:-1]), f"- {layers[-1][:-1]}, name='main')"]
    if side:
        lines += [f"- {side[0][:-1]}, inputs='input')", *(f"- {layer}" for layer in side[1:])]
        lines += ["- Add(inputs=['main', -1])"]
    return "\n".join(lines) + "\n"


VALID, SAME = "Conv2D(4, 2, strides=2, padding='valid')", "Conv2D(4, 2, strides=2, padding='same')"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example([VALID, VALID, SAME], [VALID, SAME, VALID], [(14, 22)])  # paths whose paddings agree at 14 only
@given(
    st.lists(LAYER, min_size=1, max_size=4),
    st.lists(LAYER, max_size=3),
    st.lists(st.tuples(st.integers(1, 70), st.integers(1, 70)), min_size=2, max_size=5),
)
def test_receptive_field_formulas_equal_the_concrete_fields_at_accepted_sizes(
    layers: list[str], side: list[str], sizes: list[tuple[int, int]]
) -> None:
    text = network(layers, side)
    try:
        report = run(load_text(text, "spec.yaml"))
    except SpecError:
        return  # no size accepted: test_symbolic.py's property test covers the domain itself
    symbolic = report.symbolic
    assert symbolic is not None
    fields = receptive_fields(report)
    for h, w in sizes:
        values = {"H": h, "W": w}
        if not symbolic.domain.contains(values) or not all(g.condition.holds(values) for g in symbolic.guards):
            continue  # outside the path the formulas were computed on
        concrete = run(load_text(text.replace("[H, W, 4]", f"[{h}, {w}, 4]"), "spec.yaml"))
        for got, fixed in zip(evaluated(fields, values), evaluated(receptive_fields(concrete), values), strict=True):
            assert got[:3] == fixed[:3], (h, w)
            if len(got) > 3 and not got[3]:  # paths whose formulas line up line up at every size;
                assert not fixed[3], (h, w)  # formulas that differ may still agree at one size


def test_same_padding_with_a_stride_gives_a_remainder_formula(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "input: [H, W, 3]\nlayers:\n- Conv2D(8, 3, strides=2, padding='same')\n- Conv2D(8, 3, strides=2, padding='same')\n"
    )
    result = invoke("summary", str(path), "--receptive-field")
    assert result.exit_code == 0, result.stderr
    assert "3x3        2x2  (1 - (H + 1) % 2)x(1 - (W + 1) % 2)" in result.stdout
    assert "(3 - (H + 3) % 4)x(3 - (W + 3) % 4)" in result.stdout
    for h in (224, 225, 226, 227):  # the formula at each remainder, against the concrete table
        fixed = invoke("summary", str(path), "--receptive-field", "--set", f"H={h}", "--set", "W=224")
        padding = fixed.stdout.splitlines()[5].split()[-1]
        assert padding == f"{3 - (h + 3) % 4}x0", (h, padding)


def test_bundled_mobilenetv2_with_symbols_has_receptive_fields_in_json() -> None:
    text = (ROOT / "specs" / "keras-mobilenetv2.yaml").read_text().replace("input: [224, 224, 3]", "input: [H, W, 3]")
    report = run(load_text(text, "mobilenetv2.yaml"))
    concrete = run(load_text(text.replace("input: [H, W, 3]", "input: [225, 230, 3]"), "mobilenetv2.yaml"))
    values = {"H": 225, "W": 230}
    assert report.symbolic is not None and all(g.condition.holds(values) for g in report.symbolic.guards)
    assert evaluated(receptive_fields(report), values) == evaluated(receptive_fields(concrete), values)


# --- diff with symbols, and with --set

SAME = "- Conv2D(8, 3, strides=2, padding='same')\n"
OLD = f"input: [H, W, 3]\nlayers:\n{SAME}{SAME}- Flatten()\n- Dense(10)\n"
NEW = OLD.replace(
    "- Conv2D(8, 3, strides=2, padding='same')\n- Flatten", "- Conv2D(16, 3, strides=2, padding='valid')\n- Flatten"
)


def test_diff_compares_specs_with_symbols_as_formulas(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    result = invoke("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    assert result.exit_code == 1, result.stderr
    assert "(None, ceil(H/4), ceil(W/4), 8) -> (None, ceil(H/4) - 1, ceil(W/4) - 1, 16)" in result.stdout
    assert "Non-trainable params: 0 (unchanged)" in result.stdout
    change = "80*ceil(H/4)*ceil(W/4) - 160*ceil(H/4) - 160*ceil(W/4) + 744"
    assert f"(change {change})" in result.stdout
    same = invoke("diff", str(tmp_path / "old.yaml"), str(tmp_path / "old.yaml"))
    assert same.exit_code == 0 and "Total params: 80*ceil(H/4)*ceil(W/4) + 818 (unchanged)" in same.stdout
    for h, w in ((64, 64), (65, 70)):  # the change, evaluated, is the concrete diff's
        fixed = invoke("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--set", f"H={h}", "--set", f"W={w}")
        a, b = -(-h // 4), -(-w // 4)
        assert f"(+{80 * a * b - 160 * a - 160 * b + 744:,})" in fixed.stdout.splitlines()[-4], fixed.stdout


def test_diff_with_set_is_the_diff_of_the_specs_written_with_numbers(tmp_path: Path) -> None:
    for name, text in (("old", OLD), ("new", NEW)):
        (tmp_path / f"{name}.yaml").write_text(text)
        (tmp_path / f"{name}-64.yaml").write_text(text.replace("[H, W, 3]", "[64, 48, 3]"))
    fixed = invoke("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--set", "H=64", "--set", "W=48")
    concrete = invoke("diff", str(tmp_path / "old-64.yaml"), str(tmp_path / "new-64.yaml"))
    assert fixed.exit_code == concrete.exit_code == 1
    assert fixed.stdout.splitlines()[2:] == concrete.stdout.splitlines()[2:]
    json_fixed = invoke(
        "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--set", "H=64", "--set", "W=48", "--format", "json"
    )
    json_concrete = invoke("diff", str(tmp_path / "old-64.yaml"), str(tmp_path / "new-64.yaml"), "--format", "json")
    assert json.loads(json_fixed.stdout)["totals"] == json.loads(json_concrete.stdout)["totals"]
