"""`convcalc import` of darknet cfgs against what darknet itself prints when it loads them.

darknet prints one line per layer as it builds a network: its index, kind, input and output
(w x h x c) and, for a convolution, its BFLOPs, 2 x weights x output positions / 1e9
(src/convolutional_layer.c, make_convolutional_layer: `l.bflops = (2.0 * l.nweights *
l.out_h*l.out_w) / 1000000000.`, with nweights = c / groups x n x size x size). Those printed
lines, as published, are the judges here: every layer's output shape, and every convolution's
BFLOPs as convcalc's MACs of the same convolution x 2 / 1e9, rounded as darknet prints them (%5.3f).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import invoke

from convcalc import costs, summarize
from convcalc.sources import convert

SOURCES = Path(__file__).parent / "sources"

# yolov3-tiny.cfg at 416 x 416, as pjreddie's darknet prints it (`./darknet detect`), published in
# "【代码使用】关于yolov3-tiny的结构" (https://blog.csdn.net/weixin_38715903/article/details/104499148,
# 2020). The published copy is cut inside layer 22's line: its output and BFLOPs are left out.
YOLOV3_TINY_416 = """
    0 conv     16  3 x 3 / 1   416 x 416 x   3   ->   416 x 416 x  16  0.150 BFLOPs
    1 max          2 x 2 / 2   416 x 416 x  16   ->   208 x 208 x  16
    2 conv     32  3 x 3 / 1   208 x 208 x  16   ->   208 x 208 x  32  0.399 BFLOPs
    3 max          2 x 2 / 2   208 x 208 x  32   ->   104 x 104 x  32
    4 conv     64  3 x 3 / 1   104 x 104 x  32   ->   104 x 104 x  64  0.399 BFLOPs
    5 max          2 x 2 / 2   104 x 104 x  64   ->    52 x  52 x  64
    6 conv    128  3 x 3 / 1    52 x  52 x  64   ->    52 x  52 x 128  0.399 BFLOPs
    7 max          2 x 2 / 2    52 x  52 x 128   ->    26 x  26 x 128
    8 conv    256  3 x 3 / 1    26 x  26 x 128   ->    26 x  26 x 256  0.399 BFLOPs
    9 max          2 x 2 / 2    26 x  26 x 256   ->    13 x  13 x 256
   10 conv    512  3 x 3 / 1    13 x  13 x 256   ->    13 x  13 x 512  0.399 BFLOPs
   11 max          2 x 2 / 1    13 x  13 x 512   ->    13 x  13 x 512
   12 conv   1024  3 x 3 / 1    13 x  13 x 512   ->    13 x  13 x1024  1.595 BFLOPs
   13 conv    256  1 x 1 / 1    13 x  13 x1024   ->    13 x  13 x 256  0.089 BFLOPs
   14 conv    512  3 x 3 / 1    13 x  13 x 256   ->    13 x  13 x 512  0.399 BFLOPs
   15 conv    255  1 x 1 / 1    13 x  13 x 512   ->    13 x  13 x 255  0.044 BFLOPs
   16 yolo
   17 route  13
   18 conv    128  1 x 1 / 1    13 x  13 x 256   ->    13 x  13 x 128  0.011 BFLOPs
   19 upsample            2x    13 x  13 x 128   ->    26 x  26 x 128
   20 route  19 8
   21 conv    256  3 x 3 / 1    26 x  26 x 384   ->    26 x  26 x 256  1.196 BFLOPs
"""

# The same network as AlexeyAB's darknet prints it (a maxpool's comparisons counted as BF too),
# from "yolov3-tiny 网络结构" (https://blog.csdn.net/juluwangriyue/article/details/109543317,
# 2020), layers 0-15.
YOLOV3_TINY_416_ALEXEYAB = """
   0 conv     16       3 x 3/ 1    416 x 416 x   3 ->  416 x 416 x  16 0.150 BF
   1 max                2x 2/ 2    416 x 416 x  16 ->  208 x 208 x  16 0.003 BF
   2 conv     32       3 x 3/ 1    208 x 208 x  16 ->  208 x 208 x  32 0.399 BF
   3 max                2x 2/ 2    208 x 208 x  32 ->  104 x 104 x  32 0.001 BF
   4 conv     64       3 x 3/ 1    104 x 104 x  32 ->  104 x 104 x  64 0.399 BF
   5 max                2x 2/ 2    104 x 104 x  64 ->   52 x  52 x  64 0.001 BF
   6 conv    128       3 x 3/ 1     52 x  52 x  64 ->   52 x  52 x 128 0.399 BF
   7 max                2x 2/ 2     52 x  52 x 128 ->   26 x  26 x 128 0.000 BF
   8 conv    256       3 x 3/ 1     26 x  26 x 128 ->   26 x  26 x 256 0.399 BF
   9 max                2x 2/ 2     26 x  26 x 256 ->   13 x  13 x 256 0.000 BF
  10 conv    512       3 x 3/ 1     13 x  13 x 256 ->   13 x  13 x 512 0.399 BF
  11 max                2x 2/ 1     13 x  13 x 512 ->   13 x  13 x 512 0.000 BF
  12 conv   1024       3 x 3/ 1     13 x  13 x 512 ->   13 x  13 x1024 1.595 BF
  13 conv    256       1 x 1/ 1     13 x  13 x1024 ->   13 x  13 x 256 0.089 BF
  14 conv    512       3 x 3/ 1     13 x  13 x 256 ->   13 x  13 x 512 0.399 BF
  15 conv    255       1 x 1/ 1     13 x  13 x 512 ->   13 x  13 x 255 0.044 BF
"""

# yolov4-tiny.cfg set to width=1280 height=736, as AlexeyAB's darknet printed it in
# ceccocats/tkDNN issue #133 ("Yolo4tiny nBatches = 0 while running demo",
# https://github.com/ceccocats/tkDNN/issues/133), layers 0-15 (the route's groups shown as `1/2`).
YOLOV4_TINY_1280X736 = """
   0 conv     32       3 x 3/ 2   1280 x 736 x   3 ->  640 x 368 x  32 0.407 BF
   1 conv     64       3 x 3/ 2    640 x 368 x  32 ->  320 x 184 x  64 2.171 BF
   2 conv     64       3 x 3/ 1    320 x 184 x  64 ->  320 x 184 x  64 4.341 BF
   3 route  2                                  1/2 ->  320 x 184 x  32
   4 conv     32       3 x 3/ 1    320 x 184 x  32 ->  320 x 184 x  32 1.085 BF
   5 conv     32       3 x 3/ 1    320 x 184 x  32 ->  320 x 184 x  32 1.085 BF
   6 route  5 4                                    ->  320 x 184 x  64
   7 conv     64       1 x 1/ 1    320 x 184 x  64 ->  320 x 184 x  64 0.482 BF
   8 route  2 7                                    ->  320 x 184 x 128
   9 max                2x 2/ 2    320 x 184 x 128 ->  160 x  92 x 128 0.008 BF
  10 conv    128       3 x 3/ 1    160 x  92 x 128 ->  160 x  92 x 128 4.341 BF
  11 route  10                                 1/2 ->  160 x  92 x  64
  12 conv     64       3 x 3/ 1    160 x  92 x  64 ->  160 x  92 x  64 1.085 BF
  13 conv     64       3 x 3/ 1    160 x  92 x  64 ->  160 x  92 x  64 1.085 BF
  14 route  13 12                                  ->  160 x  92 x 128
  15 conv    128       1 x 1/ 1    160 x  92 x 128 ->  160 x  92 x 128 0.482 BF
"""

LINE = re.compile(
    r"^\s*(\d+) (conv|max|route|upsample|yolo)\b.*?(?:->\s*(\d+) x\s*(\d+) x\s*(\d+))?\s*(?:(\d+\.\d+) BF(?:LOPs)?)?\s*$"
)


def printed(log: str) -> dict[int, tuple[str, tuple[int, int, int] | None, float | None]]:
    """Each printed layer: its kind, its output (c, h, w) when printed, its BFLOPs when printed."""
    found = {}
    for line in log.strip("\n").splitlines():
        match = LINE.match(line)
        assert match, line
        index, kind, w, h, c, bf = match.groups()
        found[int(index)] = (kind, (int(c), int(h), int(w)) if c else None, float(bf) if bf else None)
    return found


def cfg(name: str, tmp_path: Path, width: int | None = None, height: int | None = None) -> str:
    text = (SOURCES / name).read_text()
    if width is not None:
        text = re.sub(r"(?m)^width=\d+", f"width={width}", re.sub(r"(?m)^height=\d+", f"height={height}", text))
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("name", "size", "log"),
    [
        ("yolov3-tiny.cfg", None, YOLOV3_TINY_416),
        ("yolov3-tiny.cfg", None, YOLOV3_TINY_416_ALEXEYAB),
        ("yolov4-tiny.cfg", (1280, 736), YOLOV4_TINY_1280X736),
    ],
    ids=["yolov3-tiny-pjreddie", "yolov3-tiny-alexeyab", "yolov4-tiny-1280x736"],
)
def test_every_layer_is_what_darknet_prints(name: str, size: tuple[int, int] | None, log: str, tmp_path: Path) -> None:
    path = cfg(name, tmp_path, *(size or (None, None)))
    imported = convert(path)
    assert imported.problems == ()
    report = summarize(imported.text)
    layer_costs = {row.name: cost for row, cost in zip(report.rows, costs(report).layers)}
    rows = {row.name: row for row in report.rows}
    names = [layer.name for layer in imported.draft.layers]
    for index, (kind, shape, bf) in printed(log).items():
        name = str(names[index])
        assert name.startswith({"max": "maxpool"}.get(kind, kind)), (index, name)
        last = [row for row in report.rows if row.name == name or row.name.startswith(name + ".")][-1]
        if shape is not None:
            assert last.output_shape == (None, *shape), (index, name)
        if kind == "conv" and bf is not None:
            conv = rows.get(f"{name}.conv") or rows[name]
            macs = layer_costs[conv.name].macs
            assert macs is not None and f"{2 * macs / 1e9:5.3f}".strip() == f"{bf:.3f}", (index, name, macs)


def test_yolov4_tiny_totals_darknets_published_bflops() -> None:
    """AlexeyAB/darknet's README: "yolov4-tiny.cfg - 40.2% mAP@0.5 - 371(1080Ti) FPS / 330(RTX2070)
    FPS - 6.9 BFlops" (416 x 416): its convolutions' BFLOPs, with the maxpools' comparisons
    (0.002 BF here) too small to show at one decimal."""
    imported = convert(str(SOURCES / "yolov4-tiny.cfg"))
    report = summarize(imported.text)
    convolutions = sum(cost.macs or 0 for row, cost in zip(report.rows, costs(report).layers) if row.type == "Conv2d")
    assert round(2 * convolutions / 1e9, 1) == 6.9


def test_depth_0_lists_darknets_layers() -> None:
    text = convert(str(SOURCES / "yolov3-tiny.cfg")).text
    result = invoke("summary", "-", "--depth", "0", "--format", "csv", input=text)
    names = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert names[:3] == ["conv_0", "maxpool_1", "conv_2"] and names[-1] == "yolo_23" and len(names) == 24


def test_the_check_keeps_the_two_computations_apart(tmp_path: Path) -> None:
    """`expect:` holds darknet's own figure for the first output: `convcalc check` of the
    written spec compares it with PyTorch's arithmetic."""
    out = tmp_path / "yolo.yaml"
    assert invoke("import", str(SOURCES / "yolov4-tiny.cfg"), "-o", str(out)).exit_code == 0
    assert "output_shape: [null, 255, 13, 13]" in out.read_text()
    assert invoke("check", str(out)).exit_code == 0


# --- darknet's rules, one section at a time


def network(tmp_path: Path, body: str, net: str = "width=32\nheight=32\nchannels=3") -> str:
    path = tmp_path / "net.cfg"
    path.write_text(f"[net]\n{net}\n\n{body}")
    return str(path)


def shapes(path: str) -> list[tuple[int | None, ...]]:
    imported = convert(path)
    assert imported.problems == (), [p.text() for p in imported.problems]
    rows = {row.name: row for row in summarize(imported.text).rows}
    return [rows[name].output_shape for name in imported.draft.recorded]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # pad=1 is size/2; without pad, `padding` (0 by default)
        ("[convolutional]\nfilters=8\nsize=3\nstride=1\npad=1\nactivation=leaky", (None, 8, 32, 32)),
        ("[convolutional]\nfilters=8\nsize=3\nstride=2\nactivation=linear", (None, 8, 15, 15)),
        ("[convolutional]\nfilters=8\nsize=5\nstride_x=2\nstride_y=1\npadding=1\nactivation=relu", (None, 8, 30, 15)),
        ("[convolutional]\nbatch_normalize=1\nfilters=6\ngroups=3\nsize=1\nactivation=mish", (None, 6, 32, 32)),
        # a 2/2 maxpool halves (rounding up), a 2/1 maxpool keeps the size, a 3/1 pads 1 a side
        ("[maxpool]\nsize=2\nstride=2", (None, 3, 16, 16)),
        ("[maxpool]\nsize=2\nstride=1", (None, 3, 32, 32)),
        ("[maxpool]\nsize=3\nstride=1", (None, 3, 32, 32)),
        ("[maxpool]\nsize=5\nstride=1", (None, 3, 32, 32)),
        ("[maxpool]\nstride=2", (None, 3, 16, 16)),  # size defaults to stride
        ("[maxpool]\nsize=2\nstride=2\npadding=4", (None, 3, 18, 18)),  # more padding than MaxPool2d takes: written out
        ("[maxpool]\nsize=2\nstride=3\npadding=0", (None, 3, 11, 11)),
        ("[avgpool]", (None, 3, 1, 1)),
        ("[upsample]\nstride=4", (None, 3, 128, 128)),
        ("[connected]\noutput=10\nactivation=leaky", (None, 10)),
        ("[dropout]\nprobability=.5", (None, 3, 32, 32)),
    ],
)
def test_darknet_rules(tmp_path: Path, body: str, expected: tuple[int | None, ...]) -> None:
    assert shapes(network(tmp_path, body))[-1] == expected


def test_a_maxpool_on_an_odd_size_pads_after(tmp_path: Path) -> None:
    """(13 + 1 - 2) / 2 + 1 = 7: darknet's window reaches past the input, PyTorch's MaxPool2d(2, 2)
    would give 6, so the padding after the input is written out."""
    path = network(tmp_path, "[maxpool]\nsize=2\nstride=2", "width=13\nheight=13\nchannels=3")
    assert shapes(path)[-1] == (None, 3, 7, 7)
    assert "maxpool_padded(2, 2, (0, 1, 0, 1)" in convert(path).text


def test_route_shortcut_and_groups(tmp_path: Path) -> None:
    body = (
        "[convolutional]\nfilters=8\nsize=1\nactivation=leaky\n\n"  # 0
        "[convolutional]\nfilters=8\nsize=3\npad=1\nactivation=leaky\n\n"  # 1
        "[shortcut]\nfrom=-2\nactivation=leaky\n\n"  # 2: 0 + 1
        "[route]\nlayers=-1,0\n\n"  # 3: 16 channels
        "[route]\nlayers=-1\ngroups=4\ngroup_id=3\n\n"  # 4: the last 4 of 16
        "[shortcut]\nfrom=0,1\n"  # 5: needs 8 channels: 4 is an error
    )
    path = network(tmp_path, body)
    result = invoke("import", path)
    assert result.exit_code == 2
    assert "net.cfg:30:1: CC105 layer shortcut_5: adds 32 x 32 x 8 to 32 x 32 x 4: convcalc maps equal shapes" in result.stderr
    path = network(tmp_path, body.rsplit("[shortcut]", 1)[0])
    assert shapes(path)[-3:] == [(None, 8, 32, 32), (None, 16, 32, 32), (None, 4, 32, 32)]
    text = convert(path).text
    assert 'shortcut_leaky("conv_0", name="shortcut_2")' in text and 'route_group(4, 3, name="route_4")' in text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[reorg]\nstride=2", "net.cfg:6:1: CC101 layer 0: darknet section [reorg] is not one convcalc maps"),
        ("[convolutional]\nfilters=x", "net.cfg:7:1: CC105 filters must be an integer, found 'x'"),
        ("[convolutional]\nfilters=8\nactivation=hardswish", "darknet activation 'hardswish' is not one convcalc maps"),
        ("[convolutional]\nfilters=8\nantialiasing=1", "antialiasing (adds a blur layer) is not mapped"),
        ("[convolutional]\nfilters=8\nsize=3\ndilation=2", "dilation"),
        ("[convolutional]\nfilters=8\nsize=64", "a 64 x 64 kernel does not fit the 32 x 32 input"),
        ("[route]\nlayers=3", "layer 3 is not a layer before this one (0)"),
        ("[route]\nlayers=", "layers must be a list of layer indices"),
        ("[upsample]\nstride=-2", "reverse upsample"),
        ("[yolo]\nclasses=80\nmask=0,1,2", "the layer before gives 3 channels, and 3 anchors x (80 classes + 5) are 255"),
        ("[connected]\noutput=4\n\n[convolutional]\nfilters=2", "[convolutional] after [connected] needs an image"),
        ("[shortcut]\nfrom=-1\nweights_type=per_channel", "weighted shortcut"),
        ("[convolutional]\nfilters", "net.cfg:7:1: CC002 expected key=value, found 'filters'"),
    ],
)
def test_what_the_darknet_importer_refuses(tmp_path: Path, body: str, expected: str) -> None:
    result = invoke("import", network(tmp_path, body))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[convolutional]\nfilters=1\n", "net.cfg:1:1: CC002 a darknet cfg starts with a [net] section"),
        ("filters=1\n", "net.cfg:1:1: CC002 an option before the first [section]"),
        ("[net]\nwidth=3\n", "net.cfg:1:1: CC105 [net] must give channels, height and width"),
        ("[net]\nwidth=3\nheight=3\nchannels=1\n", "the cfg has no layers after [net]"),
        ("[net\n", "net.cfg:1:1: CC002 malformed section header"),
    ],
)
def test_what_is_not_a_darknet_network(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "net.cfg"
    path.write_text(text)
    result = invoke("import", str(path))
    assert result.exit_code == 2 and expected in result.stderr, result.stderr


def test_options_darknet_does_not_read_are_named(tmp_path: Path) -> None:
    """darknet ignores an option it does not know (a misspelt `fliters=` is a network with the
    default 1 filter, silently): so does the import, but its header names each."""
    text = convert(network(tmp_path, "[convolutional]\nfliters=8\nsize=1\nactivation=leaky")).text
    assert "Options darknet does not read (ignored, as darknet ignores them): line 7 [convolutional] fliters" in text
    assert "conv_leaky(1, 1" in text
