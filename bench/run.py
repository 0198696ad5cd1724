"""convcalc's benchmark: whole-process runs, side by side, as ratios to floors measured in the
same run.

    python bench/run.py                             # everything: about 6 minutes here (2 CPUs)
    python bench/run.py --quick                     # 5 rounds, stacks up to 10,000 layers, Keras once: ~1.5 min
    python bench/run.py --quick --no-frameworks     # ~25 s
    python bench/run.py --no-scale --repeats 41     # start-up figures only, more rounds

Every figure is the median of repeated whole-process runs, the commands interleaved round by
round so that a slow moment of the machine hits all of them alike; CPU time (user + system of
the child) is shown beside wall time, as it suffers less from a busy machine. Children get a
private bytecode cache (PYTHONPYCACHEPREFIX, warmed once) so that they run as an installed
package runs, even where the environment sets PYTHONDONTWRITEBYTECODE. Peak memory is the
child's own maximum resident set (os.wait4, through a small spawner process).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import specgen  # noqa: E402

# Targets from the issue "Performance by design".
JSON_VS_FLOOR = 1.15  # summary --format json on ResNet-50 against `import click, yaml`
TABLE_VS_FLOOR = 1.0  # the terminal table: no slower than importing its own dependencies
CHECK_VS_FLOOR = 1.5  # check specs/ (every bundled spec, one process) against the JSON floor
KERAS_VS_CONVCALC = 20.0
SCALE_GROWTH = 12.0  # the 100,000-layer run within 12x the 10,000-layer run
SCALE_100K_SECONDS = 3.0
SCALE_100K_MB = 400.0  # peak resident memory of a 100,000-layer run

# The bundled specs when the check target was set (commit bf356de): `check` over these files (as
# they are now) is the figure comparable over time, beside `check` over the whole of specs/.
CHECK_SPECS_BF356DE = (
    "audio-1d-cnn", "bert-base", "gpt2-small", "keras-densenet121", "keras-efficientnetb0", "keras-inceptionv3",
    "keras-mobilenetv2", "keras-resnet50", "keras-vgg16", "lenet5", "mnist-cnn", "pytorch-alexnet", "pytorch-cnn",
    "pytorch-mlp", "pytorch-mobilenet_v2", "pytorch-resnet18", "pytorch-resnet50", "pytorch-unet", "pytorch-vgg16",
    "seed-example-1", "seed-example-2", "video-3d-cnn",
)  # fmt: skip

KERAS_SCRIPT = """
import os, sys
os.environ.setdefault("KERAS_BACKEND", "torch")
import keras
model = keras.applications.ResNet50(weights=None)
model.summary()
print("PARAMS", model.count_params())
"""

# The floor of a scale run: reading the same file with libyaml, as the issue measured it.
YAML_FLOOR_SCRIPT = """
import sys, yaml
with open(sys.argv[1], encoding="utf-8") as handle:
    yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
"""

TORCHINFO_SCRIPT = """
import sys, yaml, torch, torchinfo
from torch import nn
spec = yaml.safe_load(open(sys.argv[1]))
model = nn.Sequential(*[eval(call, vars(nn)) for call in spec["layers"]])
torchinfo.summary(model, input_size=(1, *spec["input"]))
print("PARAMS", sum(p.numel() for p in model.parameters()))
"""


@dataclass
class Command:
    label: str
    argv: list[str]
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    output: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kb) / 1024


SPAWNER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(job["argv"], stdout=out, stderr=err, env=job["env"])
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss, cpu]), flush=True)
"""


class Spawner:
    """Runs the measured commands from a small process started before the benchmark grows:
    Linux hands a child its parent's peak RSS across fork and exec, so children of this
    (large) process would all report at least its size. The spawner's own ~12 MB is the floor."""

    def __init__(self, python: str, work: Path) -> None:
        self.work = work
        self.process = subprocess.Popen([python, "-c", SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[int, float, int, float]:
        job = {"argv": argv, "env": env, "stdout": str(self.work / "stdout"), "stderr": str(self.work / "stderr")}
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        status, seconds, peak, cpu = json.loads(self.process.stdout.readline())
        return status, seconds, peak, cpu

    def output(self, name: str = "stdout") -> str:
        return (self.work / name).read_text(errors="replace")

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()


def run_once(spawner: Spawner, command: Command, env: dict[str, str], record: bool = True) -> None:
    """One whole-process run: wall time from spawn to reap, and the child's peak RSS."""
    status, seconds, peak, cpu = spawner.run(command.argv, env)
    if status != 0:
        raise SystemExit(f"{command.label}: exit {status}\n{' '.join(command.argv)}\n{spawner.output('stderr')[-2000:]}")
    if record:
        command.times.append(seconds)
        command.cpu.append(cpu)
        command.peak_kb.append(peak)  # kilobytes on Linux
    else:
        path = spawner.work / "stdout"
        command.output = spawner.output() if path.stat().st_size < 2**21 else ""


def interleaved(spawner: Spawner, commands: list[Command], env: dict[str, str], repeats: int) -> None:
    """Warm each command once (checking it succeeds), then time them round by round."""
    for command in commands:
        run_once(spawner, command, env, record=False)
    for _ in range(repeats):
        for command in commands:
            run_once(spawner, command, env)


def child_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["KERAS_BACKEND"] = env.get("KERAS_BACKEND", "torch")
    env["COLUMNS"] = "120"
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS"):
        env.pop(name, None)
    return env


def has_module(python: str, name: str, env: dict[str, str]) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.run([python, "-c", probe], env=env, capture_output=True).returncode == 0


def known_types(framework: str) -> set[str]:
    from convcalc.frameworks import vocabulary

    vocab = vocabulary(framework)
    return set(vocab.types) | set(vocab.aliases)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def params_of(json_text: str) -> int:
    return json.loads(json_text)["totals"]["params"]


def speed(args: argparse.Namespace, spawner: Spawner, work: Path, env: dict[str, str]) -> list[str]:
    python = args.python
    convcalc = [str(Path(python).parent / "convcalc")]
    if not Path(convcalc[0]).exists():
        convcalc = [python, "-m", "convcalc"]
    lines = []
    # The real ResNet-50 of the specs library (keras.applications.ResNet50, blocks and shortcuts:
    # 176 rows) for Keras; torchinfo compares against the generated straight PyTorch main path.
    keras_spec = ROOT / "specs" / "keras-resnet50.yaml"
    torch_text, torch_replaced = specgen.resnet50("pytorch", known_types("pytorch"))
    keras_replaced: list[str] = []
    torch_spec = work / "resnet50-pytorch.yaml"
    torch_spec.write_text(torch_text)
    layer_count = 176
    specs = sorted(glob.glob(str(ROOT / "specs" / "*.yaml")))
    specs_label = "specs/*.yaml"
    if not specs:
        specs = sorted(glob.glob(str(ROOT / "tests" / "specs" / "valid" / "*.yaml")))
        specs_label = "tests/specs/valid/*.yaml"  # specs/ is empty

    floor = Command("floor: python -c 'import click, yaml'", [python, "-c", "import click, yaml"])
    floor_rich = Command(
        "floor: python -c 'import click, yaml, rich.console, rich.table'",
        [python, "-c", "import click, yaml, rich.console, rich.table"],
    )
    as_json = Command(
        f"convcalc summary --format json ({layer_count} layers)", [*convcalc, "summary", str(keras_spec), "--format", "json"]
    )
    as_table = Command(
        f"convcalc summary --color always ({layer_count} layers)", [*convcalc, "summary", str(keras_spec), "--color", "always"]
    )
    check = Command(f"convcalc check {specs_label} ({len(specs)} files)", [*convcalc, "check", *specs])
    commands = [floor, floor_rich, as_json, as_table, check]
    fixed = [str(ROOT / "specs" / f"{name}.yaml") for name in CHECK_SPECS_BF356DE]
    check_fixed = None
    if all(Path(path).exists() for path in fixed):
        check_fixed = Command(f"convcalc check, the {len(fixed)} specs of bf356de", [*convcalc, "check", *fixed])
        commands.append(check_fixed)
    torch_json = None
    frameworks: list[Command] = []
    if not args.no_frameworks and has_module(python, "keras", env):
        frameworks.append(Command("keras model.summary(), same model", [python, "-c", KERAS_SCRIPT, str(keras_spec)]))
    if not args.no_frameworks and has_module(python, "torchinfo", env):
        torch_json = Command(
            f"convcalc summary --format json (pytorch, {layer_count} layers)",
            [*convcalc, "summary", str(torch_spec), "--format", "json"],
        )
        frameworks.append(Command("torchinfo.summary(), same model", [python, "-c", TORCHINFO_SCRIPT, str(torch_spec)]))
        commands.append(torch_json)

    print(f"speed: {args.repeats} interleaved rounds of whole-process runs ...", file=sys.stderr)
    interleaved(spawner, commands, env, args.repeats)
    if frameworks:
        print(f"frameworks: {args.framework_repeats} runs each ...", file=sys.stderr)
        interleaved(spawner, frameworks, env, args.framework_repeats)

    def row(command: Command, base: Command | None, target: float | None = None) -> str:
        wall = f"{command.median / base.median:5.2f}x" if base else ""
        cpu = f"{command.cpu_median / base.cpu_median:5.2f}x" if base else ""
        mark = f"<= {target}x  {verdict(command.median <= target * base.median)}" if base and target else ""
        return (
            f"  {command.label:<64} {command.median * 1000:8.1f} {wall:>6}  {command.cpu_median * 1000:8.1f} {cpu:>6}"
            f"  {command.peak_mb:6.1f}  {mark}"
        )

    lines.append(f"Speed: median of {args.repeats} interleaved whole-process runs; ratios to the floor above")
    lines.append(f"  {'command':<64} {'wall ms':>8} {'ratio':>6}  {'cpu ms':>8} {'ratio':>6}  {'MB':>6}  target")
    lines.append(row(floor, None))
    lines.append(row(as_json, floor, JSON_VS_FLOOR))
    if torch_json:
        lines.append(row(torch_json, floor, JSON_VS_FLOOR))
    lines.append(row(check, floor, CHECK_VS_FLOOR))
    if check_fixed:
        lines.append(row(check_fixed, floor, CHECK_VS_FLOOR))
    lines.append(row(floor_rich, None))
    lines.append(row(as_table, floor_rich, TABLE_VS_FLOOR))
    for command in frameworks:
        mine = torch_json if "torchinfo" in command.label else as_json
        assert mine is not None
        ratio = command.median / mine.median
        theirs = int(command.output.rsplit("PARAMS", 1)[1])
        ours = params_of(mine.output)
        same = "same params" if theirs == ours else f"PARAMS DIFFER: {theirs:,} vs {ours:,}"
        lines.append(
            f"  {command.label:<64} {command.median * 1000:8.1f} {'':>6}  {command.cpu_median * 1000:8.1f} {'':>6}"
            f"  {command.peak_mb:6.1f}  {ratio:.0f}x convcalc's json"
            f" (>= {KERAS_VS_CONVCALC:.0f}x {verdict(ratio >= KERAS_VS_CONVCALC)}; {same}; median of {args.framework_repeats})"
        )
    if args.no_frameworks:
        lines.append("  keras / torchinfo: skipped (--no-frameworks)")
    else:
        for name, found in (
            ("keras", any("keras" in c.label for c in frameworks)),
            ("torchinfo", any("torchinfo" in c.label for c in frameworks)),
        ):
            if not found:
                lines.append(f"  {name}: not installed for {python}, skipped")
    for framework, replaced in (("keras", keras_replaced), ("pytorch", torch_replaced)):
        if replaced:
            lines.append(
                f"  note: the {framework} vocabulary lacks {', '.join(replaced)}: same-shape stand-ins used (bench/specgen.py)"
            )
    return lines


def scale(args: argparse.Namespace, spawner: Spawner, work: Path, env: dict[str, str]) -> list[str]:
    """Deep stacks of each size, and the wide graph once the engine reads graphs."""
    python = args.python
    convcalc = [str(Path(python).parent / "convcalc")]
    if not Path(convcalc[0]).exists():
        convcalc = [python, "-m", "convcalc"]
    variants: dict[str, Callable[[int], str]] = {
        "keras": lambda n: specgen.deep_stack(n, "keras"),
        "pytorch": lambda n: specgen.deep_stack(n, "pytorch"),
        "keras, every call distinct": lambda n: specgen.deep_stack(n, "keras", distinct=True),
        "wide graph, long skips": lambda n: specgen.wide_graph(n, width=4, skip=50),
    }
    lines = ["", "Scale: convcalc summary --format json on generated specs, beside the floor of reading each"]
    lines.append("  (yaml.load with libyaml's C loader, the issue's floor: 0.80 s for 100,000 layers where it was set)")
    lines.append(f"  {'spec':<46} {'runs':>4} {'wall s':>8} {'cpu s':>8} {'MB':>8} {'floor s':>8} {'ratio':>6}")
    results: dict[tuple[str, int], Command] = {}
    floors: dict[tuple[str, int], Command] = {}
    for name, make in variants.items():
        for size in args.sizes:
            path = work / f"scale-{len(results)}.yaml"
            path.write_text(make(size))
            label = f"{size:>7,} layers, {name}"
            command = Command(label, [*convcalc, "summary", str(path), "--format", "json"])
            floor = Command(f"yaml.load {label}", [python, "-c", YAML_FLOOR_SCRIPT, str(path)])
            repeats = max(1, args.repeats // (1 if size <= 1000 else 3 if size <= 10_000 else 7))
            print(f"scale: {label} x{repeats} ...", file=sys.stderr)
            run_once(spawner, command, env, record=False)
            for _ in range(repeats):
                run_once(spawner, floor, env)
                run_once(spawner, command, env)
            results[(name, size)], floors[(name, size)] = command, floor
            lines.append(
                f"  {label:<46} {repeats:>4} {command.median:8.3f} {command.cpu_median:8.3f} {command.peak_mb:8.1f}"
                f" {floor.median:8.3f} {command.median / floor.median:5.2f}x"
            )
    lines.append("  growth (10x the layers; target for 10,000 -> 100,000: time within 12x)")
    for name in variants:
        sizes = sorted(size for key, size in results if key == name)
        for small, big in itertools.pairwise(sizes):
            a, b = results[(name, small)], results[(name, big)]
            growth = b.median / a.median
            target = f"  {verdict(growth <= SCALE_GROWTH)}" if (small, big) == (10_000, 100_000) else ""
            lines.append(
                f"  {name:<28} {small:>7,} -> {big:>7,}: time x{growth:5.2f} (cpu x{b.cpu_median / a.cpu_median:5.2f}),"
                f" memory x{b.peak_mb / a.peak_mb:5.2f}{target}"
            )
        if 100_000 in sizes:
            run = results[(name, 100_000)]
            ok = verdict(run.median < SCALE_100K_SECONDS and run.peak_mb < SCALE_100K_MB)
            lines.append(
                f"  {name:<28} 100,000 layers in {run.median:.2f} s, {run.peak_mb:.0f} MB"
                f" (target < {SCALE_100K_SECONDS:.0f} s and < {SCALE_100K_MB:.0f} MB: {ok})"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=21, help="timed rounds for the start-up figures (default 21)")
    parser.add_argument("--framework-repeats", type=int, default=3, help="runs of Keras / torchinfo (default 3)")
    parser.add_argument("--quick", action="store_true", help="5 rounds, 1 framework run, stacks of 1,000 and 10,000 only")
    parser.add_argument("--sizes", default="1000,10000,100000", help="deep-stack sizes (default 1000,10000,100000)")
    parser.add_argument("--no-frameworks", action="store_true", help="skip Keras and torchinfo")
    parser.add_argument("--no-scale", action="store_true", help="skip the deep stacks")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose convcalc is measured")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.quick:
        args.repeats, args.framework_repeats = min(args.repeats, 5), 1
        args.sizes = [s for s in args.sizes if s <= 10_000]
    with tempfile.TemporaryDirectory(prefix="convcalc-bench-") as tmp:
        work = Path(tmp)
        spawner = Spawner(args.python, work)
        env = child_env(work / "pycache")
        lines = [
            f"convcalc benchmark  python {sys.version.split()[0]}  {os.cpu_count()} CPUs  {time.strftime('%Y-%m-%d %H:%M')}",
            "",
        ]
        lines += speed(args, spawner, work, env)
        if not args.no_scale:
            lines += scale(args, spawner, work, env)
        spawner.close()
        shutil.rmtree(work / "pycache", ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    if importlib.util.find_spec("convcalc") is None:
        sys.path.insert(0, str(ROOT))
    main()
