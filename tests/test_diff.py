"""`convcalc diff`: two versions of a network layer by layer. Figures marked with a framework
were produced by it (Keras 3.15.1 on the torch backend, torch 2.13.0) for the same networks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import compare, invoke

from convcalc.analysis.diff import diff
from convcalc.cli.app import main
from convcalc.render.diff import difference_text
from convcalc.spec.loading import load_text

HERE = Path(__file__).parent
ROOT = HERE.parent
GOLDEN = HERE / "golden" / "diff"
OLD, NEW = "tests/golden/diff/old.yaml", "tests/golden/diff/new.yaml"


def between(old: str, new: str):
    return diff(load_text(old, "old.yaml"), load_text(new, "new.yaml"))


def summary(result) -> list[tuple[str, str, str, int]]:
    return [
        (layer.status, layer.old.name if layer.old else "", layer.new.name if layer.new else "", layer.row.params)
        for layer in result.layers
    ]


def test_a_pull_request_that_edits_a_model() -> None:
    result = diff(*(load_text((ROOT / p).read_text(), p) for p in (OLD, NEW)))
    # Keras 3.15.1, old: conv2d 2,400, conv2d_1 51,200, flatten 0, hidden 1,638,464, logits 650 = 1,692,714;
    # new: 2,400, conv2d_1 (None, 22, 22, 64) 18,432, conv2d_2 (None, 10, 10, 128) 73,856, flatten (None, 12800),
    # logits 128,010 = 222,698.
    assert summary(result) == [
        ("unchanged", "conv2d", "conv2d", 2_400),
        ("changed", "conv2d_1", "conv2d_1", 18_432),
        ("added", "", "conv2d_2", 73_856),
        ("changed", "flatten", "flatten", 0),
        ("removed", "hidden", "", 1_638_464),
        ("changed", "logits", "logits", 128_010),
    ]
    assert [difference_text(c) for c in result.layers[1].changes] == [
        "kernel_size 5 -> 3",
        "output (None, 20, 20, 64) -> (None, 22, 22, 64)",
        "kernel (5, 5, 32, 64) -> (3, 3, 32, 64)",
        "params 51,200 -> 18,432",
        "macs 20,480,000 -> 8,921,088",
    ]
    assert (result.old.totals.params, result.new.totals.params) == (1_692_714, 222_698)
    # fvcore 0.1.5 FlopCountAnalysis on the same layers as torch modules (batch 1): old 1,382,400 +
    # 20,480,000 + 1,638,400 + 640 = 23,501,440; new 1,382,400 + 8,921,088 + 7,372,800 + 128,000 = 17,804,288.
    assert (result.old_macs, result.new_macs) == (23_501_440, 17_804_288)
    assert not result.equal


@pytest.mark.parametrize(("args", "suffix"), [((), ".txt"), (("--all",), "-all.txt"), (("--format", "json"), ".json")])
def test_output_matches_golden(args: tuple[str, ...], suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("diff", OLD, NEW, *args, "--color", "never")
    assert result.exit_code == 1, result.output
    compare(result.stdout, GOLDEN / f"diff{suffix}")


def test_equal_networks_exit_0() -> None:
    result = invoke("diff", str(ROOT / OLD), str(ROOT / OLD))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2:] == [
        "No differences: 5 layers, 1,692,714 params",
        "Total params: 1,692,714 (unchanged)",
        "Trainable params: 1,692,714 (unchanged)",
        "Non-trainable params: 0 (unchanged)",
        "Total MACs: 23,501,440 (unchanged)",  # fvcore, as in test_a_pull_request_that_edits_a_model
    ]
    data = json.loads(invoke("diff", str(ROOT / OLD), str(ROOT / OLD), "--format", "json").stdout)
    assert data["equal"] is True and data["counts"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": 5}


SHIFT_OLD = """
input: [28, 28, 8]
layers:
  - Conv2D(8, 3, padding="same")
  - Conv2D(16, 3, padding="same")
  - Conv2D(32, 3)
"""
SHIFT_NEW = """
input: [28, 28, 8]
layers:
  - Conv2D(8, 3, padding="same")
  - Conv2D(8, 1)
  - Conv2D(16, 3, padding="same")
  - Conv2D(32, 3, name="head")
"""


def test_an_inserted_layer_shifts_automatic_names_without_changing_them() -> None:
    # Keras names the new model's layers conv2d, conv2d_1 (the inserted one, 72 params), conv2d_2 (1,168), head (4,640)
    result = between(SHIFT_OLD, SHIFT_NEW)
    assert summary(result) == [
        ("unchanged", "conv2d", "conv2d", 584),
        ("added", "", "conv2d_1", 72),
        ("unchanged", "conv2d_1", "conv2d_2", 1_168),  # the same layer, renamed only by the insertion
        ("changed", "conv2d_2", "head", 4_640),  # a written name is a change
    ]
    assert [difference_text(c) for c in result.layers[3].changes] == ["name conv2d_2 -> head"]


def test_a_removed_layer_is_shown_where_it_stood() -> None:
    result = between(SHIFT_NEW, SHIFT_OLD)
    assert [layer.status for layer in result.layers] == ["unchanged", "removed", "unchanged", "changed"]


def test_pytorch_channel_edit_shows_the_arguments_that_changed() -> None:
    old = "framework: pytorch\ninput: [1, 28, 28]\nlayers:\n"
    old += "- Conv2d(1, 32, 3)\n- Conv2d(32, 64, 3)\n- Flatten\n- Linear(36864, 10)\n"
    new = old.replace("Conv2d(1, 32, 3)", "Conv2d(1, 16, 3)").replace("Conv2d(32, 64, 3)", "Conv2d(16, 64, 3)")
    result = between(old, new)
    # torch: per-module parameters 320, 18,496, 0, 368,650 (387,466) -> 160, 9,280, 0, 368,650 (378,090)
    assert summary(result) == [
        ("changed", "conv2d", "conv2d", 160),
        ("changed", "conv2d_1", "conv2d_1", 9_280),
        ("unchanged", "flatten", "flatten", 0),
        ("unchanged", "linear", "linear", 368_650),
    ]
    assert [difference_text(c) for c in result.layers[1].changes] == [
        "in_channels 32 -> 16",
        "weight (64, 32, 3, 3) -> (64, 16, 3, 3)",
        "params 18,496 -> 9,280",
        "macs 10,616,832 -> 5,308,416",  # fvcore 0.1.5: Conv2d(32, 64, 3) / Conv2d(16, 64, 3) on 26 x 26
    ]
    assert (result.old.totals.params, result.new.totals.params) == (387_466, 378_090)


def test_a_rewired_graph_shows_the_new_inputs() -> None:
    old = 'input: [32, 32, 16]\nlayers:\n- Conv2D(16, 3, padding="same", name="a")\n- Conv2D(16, 3, padding="same", name="b")\n'
    old += '- Add(inputs=["a", "b"], name="sum")\n'
    result = between(old, old.replace('["a", "b"]', '["input", "b"]'))
    # Keras: both versions 4,640 params (2,320 per Conv2D), output (None, 32, 32, 16)
    assert [layer.status for layer in result.layers] == ["unchanged", "unchanged", "changed"]
    assert [difference_text(c) for c in result.layers[2].changes] == ["inputs [a, b] -> [input, b]"]
    assert result.new.totals.params == 4_640


def test_arguments_that_change_no_shape_still_show() -> None:
    old = "input: [8, 8, 1]\nlayers:\n- Conv2D(4, 3)\n"
    result = between(old, old.replace("Conv2D(4, 3)", 'Conv2D(4, (3, 3), activation="relu")'))
    assert [difference_text(c) for c in result.layers[0].changes] == ["activation None -> 'relu'"]  # (3, 3) is 3


def test_bad_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("input: [8, 8, 1]\nlayers:\n- Conv2D(4, 30)\n")
    for args, message in (
        (("missing.yaml", OLD), "missing.yaml: CC001 no such file"),
        ((OLD, str(broken)), "CC200 layer conv2d (Conv2D): the kernel spans 30"),
        (("-", "-"), "only one of OLD and NEW can be standard input"),
        ((OLD,), "Missing argument 'NEW'"),
    ):
        result = CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)
        assert result.exit_code == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr


def test_color_always_draws_rich_boxes() -> None:
    result = invoke("diff", str(ROOT / OLD), str(ROOT / NEW), "--color", "always")
    assert result.exit_code == 1
    assert "┃ Layer (type)" in result.stdout and "Total params: 1,692,714 -> 222,698 (-1,470,016)" in result.stdout


def test_help_has_examples() -> None:
    text = invoke("diff", "--help").stdout
    assert "convcalc diff seed-example-1 seed-example-2" in text.split("Examples:")[1]
    assert "convcalc-diff/1" in text


def test_json_never_imports_rich() -> None:
    code = (
        "import sys\nfrom convcalc.cli.app import main\n"
        f"try: main(['diff', {str(ROOT / OLD)!r}, {str(ROOT / NEW)!r}, '--format', 'json'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'keras', 'torch', 'numpy')), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stderr.strip() == "[]"
    assert json.loads(result.stdout)["totals"]["params"] == {"old": 1_692_714, "new": 222_698, "change": -1_470_016}
