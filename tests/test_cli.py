"""The commands as a user runs them: exact output inline, so a reader sees what a user sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import invoke

from convcalc import __version__
from convcalc.cli import use_color

HERE = Path(__file__).parent
SEED = str(HERE / "specs" / "valid" / "seed2.yaml")
SCHEMAS = HERE.parent / "convcalc" / "schema"


def test_summary_from_flags_answers_the_seed_question() -> None:
    # Figures: the question's first network (https://datascience.stackexchange.com/questions/41486),
    # as Keras's model.summary() gives them.
    result = invoke(
        "summary", "--input", "28,28,1", "--layer", "Conv2D(32, (3, 3), activation='relu')", "--layer", "Conv2D(64, (3, 3))"
    )
    assert result.exit_code == 0
    assert result.stdout == (
        'Model: "sequential" (keras)\n'
        "---------------------------------------------------------------------------------\n"
        "Layer (type)       Output Shape        Weights                            Param #\n"
        "---------------------------------------------------------------------------------\n"
        "conv2d (Conv2D)    (None, 26, 26, 32)  kernel (3, 3, 1, 32), bias (32,)       320\n"
        "conv2d_1 (Conv2D)  (None, 24, 24, 64)  kernel (3, 3, 32, 64), bias (64,)   18,496\n"
        "---------------------------------------------------------------------------------\n"
        "Total params: 18,816 (73.50 KB)\n"
        "Trainable params: 18,816 (73.50 KB)\n"
        "Non-trainable params: 0 (0.00 B)\n"
    )


def test_summary_from_pytorch_flags() -> None:
    result = invoke("summary", "--framework", "pytorch", "--input", "1,28,28", "--layer", "Conv2d(1, 32, 3)", "--format", "csv")
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[1] == 'conv2d,Conv2d,"(None, 32, 26, 26)","weight (32, 1, 3, 3); bias (32,)",320,320,0,input,'
    )


def test_summary_reads_standard_input_and_overrides_batch() -> None:
    text = Path(SEED).read_text()
    result = invoke("summary", "-", "--format", "json", "--batch", "16", input=text)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["inputs"] == [{"name": "input", "shape": [16, 28, 28, 3]}]
    assert [layer["output_shape"] for layer in data["layers"]] == [[16, 24, 24, 32], [16, 20, 20, 64]]


def test_json_follows_the_shipped_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "convcalc-1.schema.json").read_text())
    for spec in sorted((HERE / "specs" / "valid").glob("*.yaml")):
        data = json.loads(invoke("summary", str(spec), "--format", "json").stdout)
        jsonschema.validate(data, schema)
    assert data["schema"] == "convcalc/1"


def test_summary_needs_a_spec_or_layers() -> None:
    result = invoke("summary")
    assert result.exit_code == 2
    assert "give either a SPEC file or --layer options" in result.stderr
    both = invoke("summary", SEED, "--layer", "Dense(3)")
    assert both.exit_code == 2


def test_missing_file_and_directory_are_clear_errors(tmp_path: Path) -> None:
    missing = invoke("summary", str(tmp_path / "nope.yaml"))
    assert (missing.exit_code, missing.stderr) == (2, f"{tmp_path / 'nope.yaml'}: CC001 no such file\n")
    directory = invoke("summary", str(tmp_path))
    assert directory.exit_code == 2
    assert directory.stderr == f"{tmp_path}: CC001 is a directory, not a spec file (name the .yaml files in it)\n"


def test_flag_layers_point_at_the_offending_flag() -> None:
    result = invoke("summary", "--input", "28,28,1", "--layer", "Conv2D(32, 3)", "--layer", "Conv2D(64, 3, filter=3)")
    assert result.exit_code == 2
    assert result.stderr == (
        "--layer 2:1:15: CC103 layer conv2d_1 (Conv2D): Conv2D takes no argument 'filter' (did you mean 'filters'?)\n"
    )


@pytest.fixture
def specs(tmp_path: Path) -> dict[str, str]:
    files = {
        "good": "input: [28, 28, 1]\nlayers:\n  - Conv2D(32, 3)\nexpect:\n  params: 320\n  output_shape: [null, 26, 26, 32]\n",
        "wrong": "input: [28, 28, 1]\nlayers:\n  - Conv2D(32, 3)\nexpect:\n  params: 300\n  max_params: 100\n",
        "broken": "input: [28, 28, 1]\nlayers:\n  - Conv2D(32, 30)\n",
    }
    paths = {}
    for name, text in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths[name] = str(path)
    return paths


def test_check_is_silent_on_success(specs: dict[str, str]) -> None:
    result = invoke("check", specs["good"], env={"GITHUB_ACTIONS": ""})
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_check_reports_each_failed_expectation_at_its_key(specs: dict[str, str]) -> None:
    result = invoke("check", specs["good"], specs["wrong"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 1
    assert result.stdout == (
        f"{specs['wrong']}:5:3: CC302 expected params 300, computed 320\n"
        f"{specs['wrong']}:6:3: CC303 320 parameters exceed max_params 100\n"
    )


def test_check_exits_2_when_a_spec_cannot_be_computed(specs: dict[str, str]) -> None:
    result = invoke("check", specs["wrong"], specs["broken"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == (
        f"{specs['broken']}:3:5: CC200 layer conv2d (Conv2D): the kernel spans 30 (dilation included), "
        "more than the padded input (28); input shape (None, 28, 28, 1) (use a smaller kernel, more padding, or padding='same')"
    )


def test_check_json_follows_its_schema(specs: dict[str, str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = invoke("check", "--format", "json", specs["good"], specs["wrong"], specs["broken"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads((SCHEMAS / "convcalc-check-1.schema.json").read_text()))
    assert [f["status"] for f in data["files"]] == ["pass", "fail", "error"]
    assert data["files"][1]["problems"][0] == {
        "line": 5,
        "column": 3,
        "code": "CC302",
        "layer": None,
        "message": "expected params 300, computed 320",
        "hint": None,
    }


def test_check_writes_github_annotations_inside_actions(specs: dict[str, str]) -> None:
    result = invoke("check", specs["wrong"], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == (
        f"::error file={specs['wrong']},line=5,col=3,title=CC302::{specs['wrong']}:5:3: CC302 expected params 300, computed 320"
    )


def test_color_follows_no_color_force_color_and_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_color("auto", Terminal(True)) is True
    assert use_color("auto", Terminal(False)) is False
    assert use_color("always", Terminal(False)) is True
    assert use_color("never", Terminal(True)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", Terminal(True)) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color("auto", Terminal(False)) is True


def test_color_always_draws_the_rich_table() -> None:
    result = invoke("summary", SEED, "--color", "always")
    assert result.exit_code == 0
    assert "┃\x1b[1m \x1b[0m\x1b[1mLayer (type)" in result.stdout  # styled even into a pipe: always means always
    assert "\x1b[1m Total params:\x1b[0m 53,600 (209.38 KB)" in result.stdout


def test_version_and_help_with_examples() -> None:
    assert invoke("--version").stdout == f"convcalc, version {__version__}\n"
    for command in ([], ["summary"], ["check"]):
        text = invoke(*command, "--help").stdout
        assert "Examples:" in text
        assert "convcalc " in text.split("Examples:")[1]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_python_dash_m_convcalc_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convcalc", "summary", SEED, "--format", "json"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["totals"]["params"] == 53600


def test_json_path_never_imports_rich_or_a_framework() -> None:
    code = (
        "import sys\n"
        "from convcalc.cli.app import main\n"
        f"try: main(['summary', {SEED!r}, '--format', 'json'])\n"
        "except SystemExit: pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'keras', 'torch', 'numpy', 'tensorflow'))\n"
        "print('imported:', heavy, file=sys.stderr)\n"
    )
    result = run_python(code)
    assert result.stderr.strip() == "imported: []"
    assert json.loads(result.stdout)["totals"]["params"] == 53600


def test_the_table_imports_rich_only_when_drawn() -> None:
    code = (
        "import sys\n"
        "from convcalc.cli.app import main\n"
        f"try: main(['summary', {SEED!r}, '--color', 'never'])\n"
        "except SystemExit: pass\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
    )
    assert run_python(code).stderr.strip() == "False"


def test_a_command_imports_nothing_beyond_click_and_pyyaml() -> None:
    """A summary, a check and --version import no module that `import click, yaml` has not
    (bench/run.py's floor) but convcalc's own: each one more costs every command (~0.1-0.7 ms).
    click builds its --help and --version with gettext's `_()`, whose first call imports
    `locale`: convcalc writes those two options itself (cli.EnglishHelp) and takes `check`'s paths
    as str, not click.Path (which asks for its name). A help page still pays it (click's formatter
    asks for "Usage:"). The mode a run is in is held per thread (threading comes with click), not
    in a context variable (contextvars); `gc` is built in. `check` lists a folder's specs with
    os.walk: pathlib imports urllib.parse and ipaddress (~1.5 ms). The child runs without site's
    .pth files (-S), whose editable-install finder imports pathlib before anything else."""
    code = (
        "import site, sys\n"
        "sys.path[:0] = [sys.argv[3]]\n"
        "sys.path += site.getsitepackages()\n"
        "import click, yaml\n"
        "floor = set(sys.modules)\n"
        "from convcalc.cli.app import main\n"
        "commands = (['summary', sys.argv[1], '--format', 'json'], ['check', sys.argv[1]], ['check', sys.argv[2]],\n"
        "            ['--version'])\n"
        "for args in commands:\n"
        "    try: main(args)\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in set(sys.modules) - floor if m.split('.')[0] not in ('convcalc', 'gc')), file=sys.stderr)\n"
    )
    resnet = str(Path(__file__).resolve().parent.parent / "specs" / "keras-resnet50.yaml")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, resnet, str(root / "tests" / "specs" / "valid"), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr.strip() == "[]"
    assert result.stdout.endswith(f"convcalc, version {__version__}\n")


def test_a_folder_given_to_check_is_its_yaml_files_named_as_pathlib_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check lists a folder with os.walk (no pathlib at start-up): the same files, in the same
    order and spelled the same way as `Path(folder).rglob` gives them, in every spelling of the
    folder; links to folders are not followed, and an empty folder stays to be reported."""
    from convcalc.cli.check import spec_files

    for name in ("b.yaml", "a.yml", "c.txt", ".yaml", "sub/d.yaml", "sub/deeper/e.yml", "empty/", "x.yaml/f.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if not name.endswith("/"):
            (tmp_path / name).write_text("")
    (tmp_path / "empty").mkdir(exist_ok=True)
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    (tmp_path / "linked.yaml").symlink_to(tmp_path / "b.yaml")

    def by_pathlib(folder: str) -> list[str]:
        found = sorted(str(p) for p in Path(folder).rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        return found or [folder]

    monkeypatch.chdir(tmp_path)
    spellings = (str(tmp_path), f"{tmp_path}//./", f"/{tmp_path}", f"//{tmp_path}", ".", "./", "sub", "./sub/", "sub/../sub")
    for folder in (*spellings, "empty"):  # POSIX keeps a path's two leading slashes, and pathlib with it
        assert spec_files((folder,)) == by_pathlib(folder), folder
    assert "sub/d.yaml" in spec_files((".",)) and "link/d.yaml" not in spec_files((".",))
    assert spec_files(("b.yaml", "missing.yaml")) == ["b.yaml", "missing.yaml"]


def test_control_characters_in_names_are_shown_escaped() -> None:
    spec = 'input: [4]\nlayers:\n  - {type: Dense, units: 2, name: "x\\e]0;pwned\\a"}\n'
    result = invoke("summary", "-", input=spec)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "x\\x1b]0;pwned\\x07 (Dense)" in result.stdout


def test_a_hostile_argument_value_is_cut_short_in_the_message() -> None:
    result = invoke("summary", "--input", "8", "--layer", f"Dense({'9' * 1000!r})")
    assert result.exit_code == 2
    assert len(result.stderr) < 400
    unhashable = invoke("summary", "--input", "8", "--layer", "Activation(activation=[1, [2]])")
    assert unhashable.exit_code == 2 and "Traceback" not in unhashable.stderr


def test_an_output_that_cannot_encode_the_bars_gets_them_escaped_not_a_traceback() -> None:
    """A latin-1 terminal cannot show the MACs bar's block characters: the console script writes
    them as escapes and exits 0 (the traceback was UnicodeEncodeError)."""
    spec = str(Path(__file__).resolve().parent.parent / "specs" / "lenet5.yaml")
    env = {**__import__("os").environ, "PYTHONIOENCODING": "latin-1"}
    code = "import sys; sys.argv = ['convcalc', 'summary', sys.argv[1], '--bars', '--color', 'never']; "
    code += "from convcalc.__main__ import entry; entry()"
    result = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"\\u2588" in result.stdout  # the full block, escaped


def test_the_console_script_switches_the_collector_off_before_click_loads() -> None:
    """The `convcalc` script's module turns cyclic GC off before click and PyYAML are imported
    (collecting while they load costs ~1 ms of every command), whether the command runs through
    click (--version) or without it (summary), while a program that imports convcalc as a
    library keeps its collector."""
    import tomllib

    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["convcalc"] == "convcalc.__main__:entry"
    probe = (
        "import gc, sys\n"
        "class Probe:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('click', 'yaml'):\n"
        "            print(name, gc.isenabled(), flush=True)\n"
        "sys.meta_path.insert(0, Probe())\n"
        "import convcalc\n"
        "print('library', gc.isenabled(), flush=True)\n"
        "import convcalc.__main__\n"
        "sys.argv[1:] = sys.argv[1].split()\n"
        "convcalc.__main__.entry()\n"
    )
    for command, imported in (("--version", ["click"]), (f"summary {SEED} --format json", ["yaml"])):
        result = subprocess.run([sys.executable, "-c", probe, command], capture_output=True, text=True, check=True)
        seen = [line.split() for line in result.stdout.splitlines() if line.split()[:1] in (["library"], ["click"], ["yaml"])]
        assert seen == [["library", "True"], *([name, "False"] for name in imported)], result.stdout
