"""`convcalc import` of Ultralytics model YAML files, without Ultralytics installed.

The judges here are the figures Ultralytics printed into the file itself: yolov8.yaml's comment
on each scale (tests/sources/yolov8.yaml, ultralytics 8.4.190's copy) gives its parameter
count, "YOLOv8n summary: 129 layers, 3157200 parameters, 3157184 gradients, 8.9 GFLOPS", s
11,166,560, m 25,902,640. The real package's own model is compared module by module in
tests/conformance/test_ultralytics.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import invoke

from convcalc import summarize
from convcalc.errors import SpecError
from convcalc.sources import convert

SOURCES = Path(__file__).parent / "sources"
YOLOV8 = SOURCES / "yolov8.yaml"

# The parameter counts yolov8.yaml's own comments print for each scale.
PUBLISHED = {"n": 3_157_200, "s": 11_166_560, "m": 25_902_640, "l": 43_691_520, "x": 68_229_648}


@pytest.mark.parametrize("scale", list(PUBLISHED))
def test_each_scale_has_the_parameters_the_file_prints(scale: str) -> None:
    imported = convert(str(YOLOV8), options={"scale": scale})
    assert imported.problems == ()
    assert f"expect:\n  params: {PUBLISHED[scale]}\n" in imported.text
    assert summarize(imported.text).totals.params == PUBLISHED[scale]


def test_rows_are_ultralytics_modules_with_parse_model_arguments() -> None:
    text = convert(str(YOLOV8), options={"scale": "n"}).text
    # parse_model: make_divisible(min(c2, 1024) * 0.25, 8), repeats max(round(3 * 0.33), 1) = 1 for C2f
    assert "      - C2f(32, 32, 1, True)" in text
    assert "      - C2f(64, 64, 2, True)" in text  # 6 * 0.33 = 1.98 -> 2
    assert '      - Concat(1, inputs=[-1, "6"])' in text
    assert '      - Detect(80, 16, "model.18", "model.21", inputs=["15"])' in text
    names = [row.name for row in summarize(text).rows]
    assert names[:3] == ["model.0.conv", "model.0.bn", "model.0.act"]
    assert "model.2.m.0.cv1.conv" in names and "model.22.cv3.2.2" in names and "model.22.dfl.conv" in names
    assert summarize(text).rows[-1].outputs[0] == (None, 84, 8400)  # (batch, 4 + nc, anchors)


def test_the_scale_comes_from_the_name_as_ultralytics_guesses_it(tmp_path: Path) -> None:
    named = tmp_path / "yolov8s.yaml"
    shutil.copy(YOLOV8, named)
    imported = convert(str(named))
    assert "scale 's' from the file's name" in imported.text and "name: yolov8s\n" in imported.text
    assert summarize(imported.text).totals.params == PUBLISHED["s"]


def test_without_a_scale_the_first_is_taken_and_said() -> None:
    text = convert(str(YOLOV8)).text
    assert "scale 'n' from the first of scales:" in text and "name: yolov8n\n" in text


def test_depth_and_width_multiples_of_yolov5s_own_files(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(
        "nc: 3\ndepth_multiple: 0.33\nwidth_multiple: 0.50\n"
        "backbone:\n  - [-1, 1, Conv, [64, 6, 2, 2]]\n  - [-1, 3, C3, [128]]\n  - [-1, 1, SPPF, [128, 5]]\n"
        "head:\n  - [-1, 1, Conv, [64, 3, 2]]\n  - [-1, 1, nn.Upsample, [None, 2, 'nearest']]\n"
        "  - [[-1, 2], 1, Concat, [1]]\n  - [[5], 1, Detect, [nc]]\n"
    )
    imported = convert(str(path))
    assert imported.problems == ()
    assert "      - Conv(3, 32, 6, 2, 2)" in imported.text and "      - C3(32, 64, 1)" in imported.text
    assert summarize(imported.text).rows[-1].outputs[0] == (None, 7, 320 * 320)  # one level, 4 + nc


def test_the_files_activation_is_conv_s(tmp_path: Path) -> None:
    path = tmp_path / "relu.yaml"
    path.write_text("nc: 2\nactivation: nn.LeakyReLU(0.1)\nbackbone:\n  - [-1, 1, Conv, [8, 3, 2]]\nhead: []\n")
    text = convert(str(path)).text
    assert 'LeakyReLU(0.1, when=act is True, name="act")' in text
    assert summarize(text).rows[2].type == "LeakyReLU"


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        ("[-1, 1, Focus, [64, 3]]", "CC101", "Ultralytics module 'Focus' is not one convcalc maps"),
        ("[5, 1, Conv, [64, 3]]", "CC003", "from 5 names no layer before this one (1)"),
        ("[-1, 0, Conv, [64, 3]]", "CC105", "repeats must be a positive integer"),
        ("[-1, 1, Conv]", "CC002", "a row is [from, repeats, module, args]"),
        ("[-1, 1, Conv, [True]]", "CC105", "Conv's first argument is its output channels"),
    ],
)
def test_a_row_convcalc_cannot_read_is_an_error_at_its_line(tmp_path: Path, row: str, code: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"nc: 80\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - {row}\nhead: []\n")
    with pytest.raises(SpecError) as caught:
        convert(str(path))
    diagnostic = caught.value.diagnostic
    assert (diagnostic.code, diagnostic.location.line) == (code, 4)
    assert message in diagnostic.message


def test_the_command_takes_scale_and_refuses_a_scale_the_file_lacks(tmp_path: Path) -> None:
    result = invoke("import", str(YOLOV8), "--scale", "s", "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 0, result.output
    assert summarize((tmp_path / "s.yaml").read_text()).totals.params == PUBLISHED["s"]
    result = invoke("import", str(YOLOV8), "--scale", "q")
    assert result.exit_code == 2 and "CC105 scale 'q' (--scale) is not one of the file's scales (n, s, m, l, x)" in result.stderr
    result = invoke("import", str(SOURCES / "yolov3-tiny.cfg"), "--scale", "n")
    assert result.exit_code == 2 and "--scale applies to Ultralytics files, not to darknet" in result.stderr
