"""Where a command's time goes, stage by stage: the breakdown behind bench/run.py's ratios.

    python bench/stages.py                                  # JSON of keras-resnet50, and check specs/
    python bench/stages.py --spec specs/pytorch-swin_t.yaml --repeats 21 --no-check

`summary --format json` is cut into its stages (the CLI's imports, reading the spec, the graph
and engine, MACs, receptive fields, writing the JSON), each timed inside fresh processes three
ways, in CPU time, as medians of --repeats:

    first       as the command pays it: its first run, importing the modules it needs on the way;
    no imports  the first run of a process that imported those modules beforehand: the work a
                first run does (calls read, arithmetic compiled, signatures built), imports aside;
    warm        the same run again in the same process, everything remembered.

So first - no imports is a stage's imports, and no imports - warm its first-time work. The floor
of bench/run.py (`import click, yaml`) is timed in the same processes, for scale, and imported
before the stages are timed; the console script itself runs `summary` and `check` without
click (convcalc/cli/fast.py), so a whole run costs about the floor less click's ~24 ms plus
"convcalc in all".

`check` is cut per spec into reading, graph and engine, and the `expect:` comparison (its first
run, in one process over every file, as `convcalc check specs/` runs), summed per family of
specs with its nodes and the time per node. Figures are CPU time (a busy machine disturbs it
less than wall time); run it on an idle machine all the same.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import child_env  # noqa: E402 - the same environment as the benchmark's children

STAGES = ("load", "graph + engine", "costs", "receptive fields", "JSON")

SUMMARY_CHILD = """
import gc; gc.disable()  # as the console script does (convcalc/__main__.py)
import importlib, json, sys, time
clock = time.process_time  # CPU time: a busy machine disturbs it less than wall time
start = clock()
import click, yaml
floor = clock() - start
for name in filter(None, sys.argv[2].split(",")):
    importlib.import_module(name)
before = set(sys.modules)
start = clock()
import convcalc.cli.summary
cli = clock() - start

def stages():
    from convcalc.spec.loading import load_path
    marks = [clock()]
    spec = load_path(sys.argv[1]); marks.append(clock())
    from convcalc.engine import run
    report = run(spec); marks.append(clock())
    from convcalc.analysis.costs import costs
    cost = costs(report, "float32"); marks.append(clock())
    from convcalc.analysis.receptive import receptive_fields
    fields = receptive_fields(report); marks.append(clock())
    from convcalc.render.json import json_chunks
    "".join(json_chunks(report, cost, fields)); marks.append(clock())
    return [b - a for a, b in zip(marks, marks[1:])]

first = stages()
loaded = sorted(name for name in sys.modules if name not in before)
warm = stages()
print(json.dumps({"floor": floor, "cli": cli, "first": first, "warm": warm, "loaded": loaded}))
"""

CHECK_CHILD = """
import gc; gc.disable()
import json, sys, time
clock = time.process_time  # CPU time: a busy machine disturbs it less than wall time
import click, yaml
import convcalc.cli.check
from convcalc.analysis.check import expectation_problems
from convcalc.engine import run_all
from convcalc.errors import SpecError
from convcalc.spec.loading import load_path
rows = []
for path in sys.argv[1:]:
    read = []
    a = clock()
    try:
        spec = load_path(path, read)
    except SpecError:
        continue
    b = clock()
    outcome = run_all(spec)
    c = clock()
    if outcome.report is not None:
        expectation_problems(spec, outcome.report)
    d = clock()
    nodes = len(outcome.report.rows) if outcome.report is not None else 0
    rows.append([path, b - a, c - b, d - c, nodes])
print(json.dumps(rows))
"""


class Children:
    """Fresh processes of one interpreter, each printing its figures as JSON. They run in a
    scratch directory, so that `python -c` imports the convcalc installed for that interpreter,
    not the source tree beside this script."""

    def __init__(self, python: str, scratch: Path) -> None:
        self.python, self.scratch = python, scratch
        self.env = child_env(scratch / "pycache")

    def run(self, code: str, args: list[str]) -> Any:
        argv = [self.python, "-c", code, *args]
        done = subprocess.run(argv, env=self.env, cwd=self.scratch, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)


def summary_stages(children: Children, spec: str, repeats: int) -> list[str]:
    children.run(SUMMARY_CHILD, [spec, ""])  # writes the bytecode cache
    cold = [children.run(SUMMARY_CHILD, [spec, ""]) for _ in range(repeats)]
    loaded = ",".join(cold[0]["loaded"])
    primed = [children.run(SUMMARY_CHILD, [spec, loaded]) for _ in range(repeats)]

    def median(runs: list[Any], key: str, index: int | None = None) -> float:
        values = [run[key] if index is None else run[key][index] for run in runs]
        return 1000 * statistics.median(values)

    lines = [f"summary --format json {spec}: ms, median of {repeats} fresh processes"]
    lines.append(f"  {'stage':<26}{'first':>8}{'no imports':>12}{'warm':>8}{'imports':>9}{'first-time':>12}")
    lines.append(f"  {'floor: import click, yaml':<26}{median(cold, 'floor'):8.2f}")
    lines.append(f"  {'convcalc.cli + summary':<26}{median(cold, 'cli'):8.2f}")
    totals = [median(cold, "cli"), 0.0, 0.0]
    for index, stage in enumerate(STAGES):
        first, no_imports, warm = median(cold, "first", index), median(primed, "first", index), median(cold, "warm", index)
        totals = [totals[0] + first, totals[1] + no_imports, totals[2] + warm]
        lines.append(f"  {stage:<26}{first:8.2f}{no_imports:12.2f}{warm:8.2f}{first - no_imports:9.2f}{no_imports - warm:12.2f}")
    first, no_imports, warm = totals
    lines.append(f"  {'convcalc in all':<26}{first:8.2f}{no_imports:12.2f}{warm:8.2f}")
    lines.append(f"  modules convcalc imports (its own and the standard library's): {len(cold[0]['loaded'])}")
    return lines


def family(path: str) -> str:
    name = Path(path).stem
    if name.startswith("keras-"):
        return "keras applications"
    if name.startswith("pytorch-"):
        return "torchvision"
    if name.startswith(("bert", "gpt2", "llama")):
        return "transformers"
    return "small networks"


def check_stages(children: Children, files: list[str], repeats: int) -> list[str]:
    children.run(CHECK_CHILD, files)
    runs = [children.run(CHECK_CHILD, files) for _ in range(repeats)]
    by_family: dict[str, list[float]] = {}
    for index, (path, *_times, nodes) in enumerate(runs[0]):
        figures = [1000 * statistics.median(run[index][stage] for run in runs) for stage in (1, 2, 3)]
        total = by_family.setdefault(family(path), [0.0, 0.0, 0.0, 0.0, 0.0])
        total[0] += 1
        total[1] += nodes
        for stage, value in enumerate(figures):
            total[2 + stage] += value

    def line(name: str, figures: list[float]) -> str:
        specs, nodes, load, engine, expect = figures
        per_node = 1000 * (load + engine + expect) / nodes if nodes else 0.0
        return f"  {name:<20}{specs:6.0f}{nodes:7.0f}{load:8.1f}{engine:14.1f}{expect:8.1f}{per_node:9.1f}"

    lines = [f"check, {len(files)} specs in one process (first run): ms, median of {repeats} fresh processes"]
    lines.append(f"  {'family':<20}{'specs':>6}{'nodes':>7}{'load':>8}{'graph+engine':>14}{'expect':>8}{'us/node':>9}")
    lines += [line(name, figures) for name, figures in sorted(by_family.items())]
    lines.append(line("all", [sum(column) for column in zip(*by_family.values())]))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "specs" / "keras-resnet50.yaml"), help="the spec of the JSON breakdown")
    parser.add_argument("--repeats", type=int, default=11, help="fresh processes per figure (default 11)")
    parser.add_argument("--no-check", action="store_true", help="skip the check breakdown")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose convcalc is measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convcalc-stages-") as tmp:
        children = Children(args.python, Path(tmp))
        lines = summary_stages(children, str(Path(args.spec).resolve()), args.repeats)
        if not args.no_check:
            files = sorted(str(path) for path in (ROOT / "specs").glob("*.yaml"))
            lines += ["", *check_stages(children, files, args.repeats)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
