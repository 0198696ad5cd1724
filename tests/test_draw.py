"""`convcalc draw`: the graph it draws, each format as a user gets it, DOT through Graphviz's
own `dot`, and the SVG layout's geometry on every bundled spec. The browser checks (SVG, HTML,
Mermaid's own parser) are in test_draw_browser.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc import load, summarize
from convcalc.cli.app import main
from convcalc.render.drawing import drawing
from convcalc.render.mermaid import MAX_EDGES, MAX_TEXT_SIZE, render_mermaid
from convcalc.render.svg import scene

HERE = Path(__file__).parent
ROOT = HERE.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
# The Swin and Llama specs (600 to 1,260 rows, every module and call of a transformer) take
# minutes here: the browser's overlap check is quadratic in the boxes, and Graphviz lays out
# the rotary cos and sin that reach every layer for near a minute. Their layout's own geometry
# is checked with every spec (test_draw.py's test_svg_layout_has_no_overlaps_on_bundled_specs).
LARGE = frozenset({"pytorch-swin_t", "llama-2-7b", "llama-3.2-1b"})
RENDERED = [p for p in SPECS if p.stem not in LARGE]
BLOCK = ROOT / "docs" / "examples" / "resnet-block.yaml"
GOLDEN = HERE / "golden" / "draw"
SUFFIXES = {"mermaid": ".mmd", "svg": ".svg", "dot": ".dot", "html": ".html"}

BRANCHED = """
framework: keras
inputs: {tokens: [12]}
blocks:
  pair:
    params: [units]
    layers:
      - Dense(units, name="a")
      - Dense(units, name="b", inputs=input)
      - Concatenate(inputs=[a, b], name="cat")
layers:
  - Embedding(100, 8, name="embed")
  - pair(4, name="p")
  - LSTM(5, return_state=True, name="rnn")
  - Dense(2, name="head", inputs=["rnn[1]"])
  - Dense(3, name="side", inputs=["p.a"])
outputs: [head, rnn, side]
"""


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def compare(actual: str, golden: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()


def test_the_drawing_has_a_node_per_layer_and_an_edge_per_tensor_with_its_shape() -> None:
    picture = drawing(summarize(BRANCHED))
    assert [(n.id, n.name, n.kind, n.caption, n.cluster) for n in picture.nodes] == [
        ("n0", "tokens", "input", "Input", None),
        ("n1", "embed", "layer", "Embedding · 800 params", None),
        ("n2", "p.a", "layer", "Dense · 36 params", "c0"),
        ("n3", "p.b", "layer", "Dense · 36 params", "c0"),
        ("n4", "p.cat", "layer", "Concatenate", "c0"),
        ("n5", "rnn", "layer", "LSTM · 280 params", None),
        ("n6", "head", "layer", "Dense · 12 params", None),
        ("n7", "side", "layer", "Dense · 15 params", None),
        ("n8", "output 0", "output", "Output", None),
        ("n9", "output 1", "output", "Output", None),
        ("n10", "output 2", "output", "Output", None),
    ]
    assert [(e.source, e.target, e.label) for e in picture.edges] == [
        ("n0", "n1", "(None, 12)"),
        ("n1", "n2", "(None, 12, 8)"),
        ("n1", "n3", "(None, 12, 8)"),
        ("n2", "n4", "(None, 12, 4)"),
        ("n3", "n4", "(None, 12, 4)"),
        ("n4", "n5", "(None, 12, 8)"),
        ("n5", "n6", "[1] (None, 5)"),  # the LSTM's h, its second output
        ("n2", "n7", "(None, 12, 4)"),
        ("n6", "n8", "(None, 2)"),
        ("n5", "n9", "(None, 5)"),
        ("n7", "n10", "(None, 12, 3)"),
    ]
    assert [(c.id, c.label, c.parent) for c in picture.clusters] == [("c0", "p (pair)", None)]


def test_a_folded_block_is_one_node_and_keeps_the_shapes_of_what_leaves_it() -> None:
    picture = drawing(summarize(BRANCHED), depth=0)
    assert [(n.name, n.caption) for n in picture.nodes[1:4]] == [
        ("embed", "Embedding · 800 params"),
        ("p", "pair · 3 layers · 72 params"),
        ("rnn", "LSTM · 280 params"),
    ]
    assert picture.clusters == ()
    edges = [(e.source, e.target, e.label) for e in picture.edges]
    assert ("n2", "n3", "(None, 12, 8)") in edges  # the block's output: its last layer's
    assert ("n2", "n5", "(None, 12, 4)") in edges  # `side` takes p.a from inside the block: p.a's shape
    assert not [e for e in edges if e[0] == e[1]]


def test_mermaid_of_a_small_network_exactly() -> None:
    result = invoke("draw", str(ROOT / "specs" / "seed-example-2.yaml"))
    assert result.exit_code == 0
    assert result.stdout == (
        "%% seed-example-2 (keras): 4 nodes, 3 edges, drawn by convcalc\n"
        "flowchart TD\n"
        '  n0(["input"])\n'
        '  n1["conv2d<br>Conv2D · 2,400 params"]\n'
        '  n2["conv2d_1<br>Conv2D · 51,200 params"]\n'
        '  n3(["output"])\n'
        '  n0 -->|"(None, 28, 28, 3)"| n1\n'
        '  n1 -->|"(None, 24, 24, 32)"| n2\n'
        '  n2 -->|"(None, 20, 20, 64)"| n3\n'
    )


def test_mermaid_escapes_what_its_grammar_reserves() -> None:
    spec = "input: [4]\nlayers:\n  - {type: Dense, units: 2, name: 'a\"b<c>#d;`e'}\n"
    text = invoke("draw", "-", input=spec).stdout
    assert 'n1["a#quot;b#lt;c#gt;#35;d;#96;e<br>Dense · 10 params"]' in text


def stacked(blocks: int, layers_per_block: int) -> str:
    """A spec of `blocks` chained copies of a block of `layers_per_block` Dense layers."""
    inner = "\n".join(f'      - Dense(8, name="d{i}")' for i in range(layers_per_block))
    return f'input: [8]\nblocks:\n  unit:\n    layers:\n{inner}\nlayers:\n  - unit(repeat={blocks}, name="stack")\n'


def test_mermaid_folds_a_network_beyond_its_limits_and_says_so() -> None:
    result = invoke("draw", "-", input=stacked(200, 4))  # 800 layers: 801 edges unfolded
    assert result.exit_code == 0
    assert result.stderr == (
        "convcalc: folded to --depth 1 to stay within Mermaid's limits (500 edges, 50,000 characters); "
        "--format svg draws every layer\n"
    )
    assert "%% folded to --depth 1" in result.stdout
    assert result.stdout.count(" --> ") <= MAX_EDGES and len(result.stdout) <= MAX_TEXT_SIZE
    assert '[["stack.block1<br>unit · 4 layers · 288 params"]]' in result.stdout


def test_mermaid_says_when_even_folding_cannot_bring_it_within_limits() -> None:
    spec = "input: [8]\nlayers:\n" + "".join("  - Dense(8)\n" for _ in range(600))
    chart = render_mermaid(summarize(spec))
    assert chart.note.startswith("even with every block folded the diagram has 601 edges")
    assert chart.note.endswith("use --format svg")


def test_draw_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    bad = invoke("draw", str(HERE / "specs" / "invalid" / "unknown-layer.yaml"))
    assert bad.exit_code == 2 and "CC101" in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    macs = invoke("draw", str(BLOCK), "--macs")
    assert macs.exit_code == 2 and "use them with --format html" in macs.stderr
    nowhere = invoke("draw", str(BLOCK), "-o", str(tmp_path / "missing" / "x.svg"))
    assert nowhere.exit_code == 2 and nowhere.stderr.endswith("cannot write the file: No such file or directory\n")
    neither = invoke("draw")
    assert neither.exit_code == 2


def test_the_format_follows_the_output_suffix(tmp_path: Path) -> None:
    for suffix, start in ((".svg", "<?xml"), (".dot", "// resnet-block"), (".html", "<!DOCTYPE html>"), (".mmd", "%%")):
        target = tmp_path / f"block{suffix}"
        assert invoke("draw", str(BLOCK), "-o", str(target)).exit_code == 0
        assert target.read_text().startswith(start)


@pytest.mark.parametrize("fmt", SUFFIXES)
def test_draw_matches_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("draw", "docs/examples/resnet-block.yaml", "--format", fmt)
    assert result.exit_code == 0, result.output
    compare(result.stdout, GOLDEN / f"resnet-block{SUFFIXES[fmt]}")


def test_html_with_costs_matches_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("draw", "specs/lenet5.yaml", "--format", "html", "--macs", "--memory", "--depth", "0")
    assert result.exit_code == 0
    compare(result.stdout, GOLDEN / "lenet5-costs.html")
    assert '<th class="number">MACs</th>' in result.stdout and "Training estimate (float32, Adam)" in result.stdout


def test_html_fetches_nothing() -> None:
    page = invoke("draw", str(BLOCK), "--format", "html").stdout
    assert "default-src 'none'" in page
    for fetching in ("<script", "<link", "src=", "@import", "url(http", 'href="http'):
        assert fetching not in page


def test_drawing_never_imports_rich_and_json_never_imports_the_drawing() -> None:
    code = (
        "import sys\n"
        "from convcalc.cli.app import main\n"
        "for args in (['draw', {spec!r}, '--format', '{fmt}'],):\n"
        "    try: main(args)\n"
        "    except SystemExit: pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('rich', 'convcalc.render.', 'convcalc.compute')))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    seed = str(HERE / "specs" / "valid" / "seed2.yaml")
    drawn = subprocess.run([sys.executable, "-c", code.format(spec=seed, fmt="svg")], capture_output=True, text=True)
    assert (
        drawn.stderr.strip()
        == "['convcalc.render.drawing', 'convcalc.render.layout', 'convcalc.render.svg', 'convcalc.render.text']"
    )
    summary = code.replace("'draw'", "'summary'").format(spec=seed, fmt="json")
    listed = subprocess.run([sys.executable, "-c", summary], capture_output=True, text=True).stderr.strip()
    assert not any(name in listed for name in ("drawing", "svg", "mermaid", "dot", "html", "layout", "rich"))


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_svg_layout_has_no_overlaps_on_bundled_specs(spec: Path) -> None:
    """The layout\'s own geometry: boxes and shape labels of one rank are apart, ranks are apart,
    and every edge runs downwards. The browser test measures the same on the rendered SVG."""
    drawn = scene(drawing(summarize(load(str(spec)))))
    places = drawn.places.boxes
    by_rank: dict[int, list] = {}
    for box in places:
        by_rank.setdefault(box.rank, []).append(box)
    for boxes in by_rank.values():
        boxes.sort(key=lambda b: b.x)
        for left, right in pairwise(boxes):
            assert left.x + left.width <= right.x, (left, right)
    tops = sorted({(b.rank, b.y, max(o.height for o in by_rank[b.rank])) for b in places})
    for (_, y, height), (_, next_y, _) in pairwise(tops):
        assert y + height < next_y
    for route in drawn.places.routes:
        ys = [y for _, y in route.points]
        assert ys == sorted(ys)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("spec", RENDERED, ids=[p.stem for p in RENDERED])
def test_graphviz_renders_the_dot_of_every_bundled_spec(spec: Path) -> None:
    dot = invoke("draw", str(spec), "--format", "dot").stdout
    result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    report = summarize(load(str(spec)))
    assert result.stdout.count('class="node"') == len(report.rows) + len(report.inputs) + len(report.outputs)
    assert result.stdout.count('class="edge"') == len(drawing(report).edges)
