"""`convcalc draw` checked by the real consumers in a real headless browser (Debian's Chromium).

One browser serves the module (tests/browser.py: the DevTools protocol over a pipe). Each SVG
and HTML page is opened as a file and a script measures it with the browser's own layout
(getBoundingClientRect, getPointAtLength): no two boxes overlap, every shape label is inside
the picture, clear of every box, every other label and every edge, each text fits its box (the
width estimated from characters holds in the declared font), and the page fetched nothing.
Mermaid's own library (the npm package, loaded from disk) parses every Mermaid text and draws
the ResNet block. A screenshot of the block's SVG is compared with a golden PNG reviewed by eye.

Skipped, each with its reason, without Chromium (apt-get install chromium) or without
Mermaid's library (npm install mermaid@11; MERMAID_JS names its dist/mermaid.min.js).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, chromium_path
from click.testing import CliRunner

from convcalc import load, summarize
from convcalc.cli.app import main
from convcalc.render.drawing import drawing

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
SCREENSHOT = HERE / "golden" / "draw" / "resnet-block.png"

CHECK = r"""
(() => {
  const svg = document.querySelector('svg.convcalc-drawing');
  const problems = [];
  const frame = svg.getBoundingClientRect();
  const area = (el) => { const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom, el}; };
  const overlap = (a, b, slack) => a.l < b.r - slack && b.l < a.r - slack && a.t < b.b - slack && b.t < a.b - slack;
  const name = (el) => (el.closest('.node') || el.closest('.shape-label')).textContent;
  const boxes = [...svg.querySelectorAll('.node > rect')].map(area);
  const labels = [...svg.querySelectorAll('.shape-label > rect')].map(area);
  const items = [...boxes, ...labels].sort((a, b) => a.t - b.t);
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length && items[j].t < items[i].b; j++) {
      if (overlap(items[i], items[j], 0.5)) problems.push(`overlap: ${name(items[i].el)} / ${name(items[j].el)}`);
    }
  }
  for (const text of svg.querySelectorAll('.node text, .shape-label text')) {
    const t = area(text), r = area(text.parentNode.querySelector('rect'));
    if (t.r - t.l <= 0 || t.b - t.t <= 0) problems.push(`invisible text: ${text.textContent}`);
    if (t.l < r.l - 0.5 || t.r > r.r + 0.5) problems.push(`text wider than its box: ${text.textContent}`);
    const style = getComputedStyle(text);
    if (style.visibility !== 'visible' || style.display === 'none' || parseFloat(style.fontSize) < 9) {
      problems.push(`hidden or tiny text: ${text.textContent}`);
    }
  }
  for (const label of labels) {
    if (label.l < frame.left || label.r > frame.right || label.t < frame.top || label.b > frame.bottom) {
      problems.push(`label outside the picture: ${name(label.el)}`);
    }
  }
  // every edge names a label that exists, and no edge passes through a label or a box
  const grid = new Map(), cell = 40;
  for (const item of items) {
    for (let k = Math.floor(item.t / cell); k <= Math.floor(item.b / cell); k++) {
      if (!grid.has(k)) grid.set(k, []);
      grid.get(k).push(item);
    }
  }
  const paths = [...svg.querySelectorAll('path.edge')];
  for (const path of paths) {
    if (!document.getElementById(path.dataset.label)) problems.push(`edge without its label: ${path.dataset.label}`);
    const matrix = path.getScreenCTM(), length = path.getTotalLength();
    for (let s = 0; s <= length; s += 3) {
      const p = new DOMPoint(path.getPointAtLength(s).x, path.getPointAtLength(s).y).matrixTransform(matrix);
      for (const item of grid.get(Math.floor(p.y / cell)) || []) {
        if (p.x > item.l + 1.5 && p.x < item.r - 1.5 && p.y > item.t + 1.5 && p.y < item.b - 1.5) {
          problems.push(`an edge crosses ${name(item.el)}`);
          break;
        }
      }
    }
  }
  return {boxes: boxes.length, labels: labels.length, edges: paths.length,
          fetched: performance.getEntriesByType('resource').length, problems: [...new Set(problems)].slice(0, 10)};
})()
"""


def mermaid_library() -> Path | None:
    """Mermaid's browser bundle from npm: MERMAID_JS, or node_modules in the repository."""
    named = os.environ.get("MERMAID_JS")
    candidates = [Path(named)] if named else [ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"]
    return next((path for path in candidates if path.is_file()), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_path()
    if binary is None:
        pytest.skip("Chromium is not installed (apt-get install chromium), so the SVG and HTML are not opened")
    opened = Browser(binary)
    yield opened
    opened.close()


def draw(spec: Path, fmt: str, target: Path, *options: str) -> Path:
    result = CliRunner().invoke(main, ["draw", str(spec), "--format", fmt, "-o", str(target), *options])
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.parametrize("spec", RENDERED, ids=[p.stem for p in RENDERED])
def test_svg_in_the_browser_has_no_overlaps_and_every_label_visible(spec: Path, browser: Browser, tmp_path: Path) -> None:
    browser.open(draw(spec, "svg", tmp_path / f"{spec.stem}.svg"))
    found = browser.evaluate(CHECK)
    report = summarize(load(str(spec)))
    assert found["problems"] == []
    assert found["boxes"] == len(report.rows) + len(report.inputs) + len(report.outputs)
    assert found["labels"] == len({(e.source, e.label) for e in drawing(report).edges})
    assert found["fetched"] == 0


@pytest.mark.parametrize("spec", [SPECS[0], ROOT / "specs" / "keras-inceptionv3.yaml", BLOCK], ids=lambda p: p.stem)
def test_html_page_in_the_browser(spec: Path, browser: Browser, tmp_path: Path) -> None:
    browser.open(draw(spec, "html", tmp_path / f"{spec.stem}.html", "--macs", "--memory"))
    found = browser.evaluate(CHECK)
    assert found["problems"] == [] and found["fetched"] == 0
    report = summarize(load(str(spec)))
    table = browser.evaluate("[...document.querySelectorAll('tbody tr')].map(r => r.cells[0].textContent)")
    assert table == [f"{row.name} ({row.type})" for row in report.rows]
    headers = browser.evaluate("[...document.querySelectorAll('thead th')].map(c => c.textContent)")
    assert headers[-3:] == ["MACs", "MACs %", "Output (float32)"]


def test_html_page_folded_by_depth(browser: Browser, tmp_path: Path) -> None:
    browser.open(draw(ROOT / "specs" / "keras-resnet50.yaml", "html", tmp_path / "resnet50.html", "--depth", "1"))
    found = browser.evaluate(CHECK)
    assert found["problems"] == []
    report = summarize(load(str(ROOT / "specs" / "keras-resnet50.yaml")))
    rows = browser.evaluate("[...document.querySelectorAll('tbody tr')].map(r => r.cells[0].textContent)")
    stages = [f"conv{i} (stack_residual_blocks_v1)" for i in (2, 3, 4, 5)]
    assert rows[6:10] == stages
    assert len(rows) == 6 + 4 + 2  # stem, each stage folded, head
    blocks = browser.evaluate("document.querySelectorAll('.node.block').length")
    assert blocks == sum(node.kind == "block" for node in drawing(report, 1).nodes) == 4


def png_difference(browser: Browser, first: bytes, second: bytes) -> dict[str, float]:
    """Size of both PNGs and the share of their pixels that differ, measured in a canvas."""
    script = """
    (async () => {
      const load = (data) => new Promise((done) => { const i = new Image(); i.onload = () => done(i); i.src = data; });
      const [a, b] = [await load(%s), await load(%s)];
      const pixels = (image) => {
        const c = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
        c.width = image.width; c.height = image.height;
        const g = c.getContext('2d'); g.drawImage(image, 0, 0); return g.getImageData(0, 0, c.width, c.height).data;
      };
      if (a.width !== b.width || a.height !== b.height) return {width: a.width, height: a.height, share: 1};
      const [p, q] = [pixels(a), pixels(b)];
      let differ = 0;
      for (let i = 0; i < p.length; i += 4) {
        if (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]) > 48) differ++;
      }
      return {width: a.width, height: a.height, share: differ / (p.length / 4)};
    })()
    """

    def url(png: bytes) -> str:
        return json.dumps("data:image/png;base64," + base64.b64encode(png).decode())

    return browser.evaluate(script % (url(first), url(second)))


def test_screenshot_of_the_resnet_block_matches_the_golden(browser: Browser, tmp_path: Path) -> None:
    """The golden (tests/golden/draw/resnet-block.png) was looked at by eye: two branches side by
    side, the shapes on every edge, nothing overlapping. UPDATE_GOLDEN=1 rewrites it; look again."""
    browser.open(draw(BLOCK, "svg", tmp_path / "block.svg"), width=640, height=820)
    shot = browser.screenshot()
    if os.environ.get("UPDATE_GOLDEN"):
        SCREENSHOT.write_bytes(shot)
    assert SCREENSHOT.exists(), "no golden screenshot; run with UPDATE_GOLDEN=1 and look at it"
    difference = png_difference(browser, shot, SCREENSHOT.read_bytes())
    assert difference["share"] < 0.01, f"{difference['share']:.2%} of the pixels differ from {SCREENSHOT.name}"


def test_mermaid_parses_and_draws_every_bundled_spec(browser: Browser, tmp_path: Path) -> None:
    library = mermaid_library()
    if library is None:
        pytest.skip("Mermaid's library is not installed (npm install mermaid@11, or set MERMAID_JS)")
    page = tmp_path / "mermaid.html"
    page.write_text(
        f'<!DOCTYPE html><html><body><script src="{library.resolve().as_uri()}"></script>'
        "<script>mermaid.initialize({startOnLoad: false});</script></body></html>"
    )
    browser.open(page)
    for spec in [*SPECS, BLOCK]:
        text = CliRunner().invoke(main, ["draw", str(spec)]).stdout
        parsed = browser.evaluate(f"mermaid.parse({json.dumps(text)}).then(r => r.diagramType, e => 'error: ' + e.message)")
        assert parsed == "flowchart-v2", f"{spec.name}: {parsed}"
    text = CliRunner().invoke(main, ["draw", str(BLOCK)]).stdout
    drawn = browser.evaluate(
        f"mermaid.render('block', {json.dumps(text)}).then(r => {{"
        "  document.body.insertAdjacentHTML('beforeend', r.svg);"
        "  const svg = document.getElementById('block');"
        "  return [svg.querySelectorAll('.node').length, [...svg.querySelectorAll('g.edgeLabel')].map(e => e.textContent)];"
        "})"
    )
    report = summarize(load(str(BLOCK)))
    assert drawn[0] == len(report.rows) + 2
    assert sorted(label for label in drawn[1] if label) == sorted(e.label for e in drawing(report).edges)
