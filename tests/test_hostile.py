"""Hostile input: each gives a clear error (exit 2 and a located message) within a second, never
a traceback, and nothing in a spec can run code or read another file.

Every case goes through the command line in-process (click's CliRunner) and is timed in CPU
seconds of this process, so a busy machine does not make the bound flaky.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from helpers import invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.spec import loading as spec_module

SECOND = 1.0


def timed(*args: str, input: str | bytes | None = None) -> tuple[Result, float]:
    """The command's result and the CPU seconds it took."""
    gc.disable()  # a collection of this long-lived test process is not the command's time
    try:
        start = time.process_time()
        result = invoke(*args, input=input)
        return result, time.process_time() - start
    finally:
        gc.enable()


def assert_clear_error(result: Result, seconds: float, *expected: str) -> str:
    """Exit 2, a one-line located message on stderr, no exception escaped, within a second."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 2, (result.exit_code, result.output)
    message = result.stderr
    assert message.count("\n") == 1 and len(message) < 400, message
    assert "Traceback" not in result.output
    for text in expected:
        assert text in message, message
    assert seconds < SECOND, f"{seconds:.2f} s: {message}"
    return message


def write(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def summary(tmp_path: Path, text: str | bytes) -> tuple[Result, float]:
    return timed("summary", write(tmp_path, text), "--format", "json")


# --- alias bombs ("billion laughs"): nine levels of nine aliases expand to 9**9 nodes


def laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "where",
    [
        "input: *l9\nlayers: [Dense(1)]",
        "input: [8]\nlayers: [Dense(1), *l9]",
        "input: [8]\nlayers:\n  - {type: Dense, units: 1, name: *l9}",
        "input: [8]\nlayers: [Dense(1)]\nexpect:\n  output_shape: *l9",
    ],
)
def test_alias_bombs_stop_before_expanding(tmp_path: Path, where: str) -> None:
    text = f"name: bomb\ndescription:\n{laughs()}\n{where}\n"
    assert_clear_error(*summary(tmp_path, text), "CC003", "expand to more than 1,000,000 YAML nodes")


def test_a_mapping_alias_bomb_stops_too(tmp_path: Path) -> None:
    lines = ["  m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"]
    lines += [f"  m{i}: &m{i} {{{', '.join(f'k{j}: *m{i - 1}' for j in range(9))}}}" for i in range(1, 10)]
    text = "description:\n" + "\n".join(lines) + "\ninput: [8]\nlayers:\n  - {type: Dense, units: 1, name: *m9}\n"
    assert_clear_error(*summary(tmp_path, text), "CC003", "alias bomb")


@pytest.mark.parametrize(
    "text", ["input: &a [8, *a]\nlayers: [Dense(1)]\n", "input: [8]\nlayers:\n  - &m {type: Dense, units: *m}\n"]
)
def test_an_alias_inside_itself_is_refused(tmp_path: Path, text: str) -> None:
    assert_clear_error(*summary(tmp_path, text), "CC003", "alias refers to the node that contains it")


def test_aliases_that_stay_small_still_work(tmp_path: Path) -> None:
    text = "input: &shape [28, 28, 1]\nlayers:\n  - &conv Conv2D(8, 3)\n  - *conv\n"
    result, _ = summary(tmp_path, text)
    assert result.exit_code == 0, result.output
    assert [layer["output_shape"] for layer in json.loads(result.stdout)["layers"]] == [[None, 26, 26, 8], [None, 24, 24, 8]]


# --- very deep nesting


@pytest.fixture(params=["libyaml", "libyaml without a nesting limit", "pure Python"])
def yaml_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each YAML reader convcalc may meet: libyaml as PyYAML 6.0.4's wheels ship it (0.2.6, which
    stops at 1000 levels), libyaml before 0.2.6 (PyYAML 6.0.3's wheels, most system packages: no
    limit, and a segfault in PyYAML's C composer past some 20,000 levels; here its path is taken
    on whatever libyaml is installed), and PyYAML's pure-Python loader (RecursionError past some
    450 levels)."""
    if request.param != "pure Python" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML is built without libyaml here")
    if request.param == "pure Python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    if request.param == "libyaml without a nesting limit":
        monkeypatch.setattr(spec_module, "_unlimited_libyaml", lambda: True)
    monkeypatch.setattr(spec_module, "_LOADER", None)  # rebuilt on the loader chosen; restored afterwards
    return str(request.param)


DEEPER_THAN_64 = "CC003 the value nests more than 64 levels deep"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("input: [8]\nlayers: " + "[" * 100_000 + "]" * 100_000 + "\n", ":2:73:"),
        ("input: [8]\nlayers: " + "[" * 1500 + "]" * 1500 + "\n", ":2:73:"),
        ("input: [8]\nlayers: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n", ":2:262:"),
        ("input: [8]\nlayers: " + '[ "]", ' * 100_000 + "1" + "]" * 100_000 + "\n", ":2:452:"),  # quoted ] hide levels
        ("input: [8]\nlayers:\n" + "".join("  " * i + "-\n" for i in range(1, 1500)), ":67:131:"),
        ("input: [8]\nlayers:\n  - " + "- " * 100_000 + "x\n", ":3:131:"),  # compact: 2 characters a level
        ("input: " + "[" * 900 + "]" * 900 + "\nlayers: [Dense(1)]\n", ":1:72:"),
        ("input: [8]\nlayers:\n  - {type: Dense, units: " + "[" * 900 + "]" * 900 + "}\n", ":3:88:"),
        ("input: [8]\nlayers: [Dense(1)]\ndescription:\n" + "".join("  " * i + "-\n" for i in range(1, 500)), ":68:131:"),
    ],
)
def test_deep_nesting_is_the_same_clear_error_whatever_reads_the_yaml(
    tmp_path: Path, yaml_reader: str, text: str, where: str
) -> None:
    """The first node past MAX_DEPTH, in document order, whatever the YAML reader and wherever its
    own limit lies (before, libyaml 0.2.6 said CC002 past 1000 levels, libyaml 0.2.5 read on or
    crashed, and the pure-Python loader said CC002 past some 450)."""
    message = assert_clear_error(*summary(tmp_path, text), DEEPER_THAN_64)
    assert message.endswith(f"{where} {DEEPER_THAN_64}\n"), message


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet='[]{}a"', max_size=60), st.integers(0, 8))
def test_the_quick_bracket_check_never_passes_a_deeper_text(text: str, bound: int) -> None:
    """The check in C that lets the usual spec skip the exact count (spec/loading.py) answers
    "shallow" only where the exact count agrees."""
    if spec_module._brackets_within(text, bound):
        assert spec_module._bracket_depth(text) <= bound


def test_a_character_yaml_refuses_comes_before_deep_nesting(tmp_path: Path, yaml_reader: str) -> None:
    """The pure-Python reader refuses a control character before it parses anything, libyaml only
    when it reads that far (past a nest it may stop at first): either way the character is the error."""
    text = "input: [8]\nlayers:\n" + "".join("  " * i + "-\n" for i in range(1, 1500)) + "name: \x01\n"
    message = assert_clear_error(*summary(tmp_path, text), "CC002")
    assert message.endswith(":1502:7: CC002 malformed YAML: the character '\\x01' is not allowed\n"), message


@pytest.mark.parametrize(
    "call",
    [
        "Dense(" + "(" * 100_000 + ")" * 100_000 + ")",  # over the call-length bound
        "Dense(" + "[" * 300 + "]" * 300 + ")",  # Python's parser stops at 200 levels
        "Dense(" + "-" * 90_000 + "1)",  # the parser runs out of stack
        "Dense(" + "+".join(["1"] * 40_000) + ")",  # too deep for the AST
        "Dense(units=" + "9" * 5000 + ")",  # over Python's 4,300-digit limit for int()
        "Dense(" + "1" * 99_000 + ")",
    ],
)
def test_pathological_calls_are_clear_errors(tmp_path: Path, call: str) -> None:
    text = f'input: [8]\nlayers:\n  - "{call}"\n'
    assert_clear_error(*summary(tmp_path, text), "CC102")
    result, seconds = timed("summary", "--input", "8", "--layer", call)
    assert_clear_error(result, seconds, "CC102")


SUM = "+".join(["f"] * 900)
"""A long sum in block arithmetic: Python parses it leaning left, 900 levels deep."""


@pytest.mark.parametrize(
    "text",
    [
        f"input: [8, 8, 1]\nblocks:\n  b:\n    params: [f]\n    layers:\n      - Conv2D({SUM}, 1)\nlayers:\n  - b(1)\n",
        f"input: [8, 8, 1]\nfunctions:\n  width(f): {SUM}\nlayers:\n  - Conv2D(width(1), 1)\n",
    ],
)
def test_a_long_sum_in_block_arithmetic_computes(tmp_path: Path, text: str) -> None:
    """Compiled once into closures, a sum folds its terms in a loop: it nests no deeper than a
    short one (a closure per operator ran out of stack at about 500 terms, inside a helper with
    a traceback)."""
    result, _ = summary(tmp_path, text)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["layers"][-1]["output_shape"] == [None, 8, 8, 900] and document["totals"]["params"] == 900 + 900


def test_a_yaml_int_beyond_pythons_digit_limit(tmp_path: Path) -> None:
    assert_clear_error(*summary(tmp_path, "input: [8]\nlayers:\n  - {type: Dense, units: " + "9" * 5000 + "}\n"), "CC003")
    assert_clear_error(*summary(tmp_path, "input: [" + "9" * 5000 + "]\nlayers: [Dense(1)]\n"), "CC003")


# --- huge, binary and non-UTF-8 files; a directory or a missing file as SPEC


def test_a_huge_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:  # sparse: costs no disk
        handle.truncate(spec_module.MAX_BYTES + 1)
    result, seconds = timed("summary", str(path))
    assert_clear_error(result, seconds, "CC001", "larger than 64 MiB")


def test_a_huge_standard_input_is_refused_by_its_size() -> None:
    result, seconds = timed("summary", "-", input=b"#" * (spec_module.MAX_BYTES + 2))
    assert_clear_error(result, seconds, "<stdin>: CC001", "larger than 64 MiB")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused() -> None:
    assert_clear_error(*timed("summary", "/dev/zero"), "CC001", "larger than 64 MiB")


def test_one_enormous_line(tmp_path: Path) -> None:
    text = 'input: [8]\nlayers:\n  - "Dense(1' + " " * 5_000_000 + ')"\n'
    assert_clear_error(*summary(tmp_path, text), "CC102", "characters long")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes(range(256)) * 64, "not UTF-8 text (byte 0x80 at offset 128)"),
        ("input: [8]\nlayers: [Dense(1, name='caf\xe9')]\n".encode("latin-1"), "not UTF-8 text"),
        ("input: [8]\nlayers: [Dense(1)]\n".encode("utf-16"), "not UTF-8 text"),
        (b"input: [8]\nlayers: [Dense(1)]\n\x00\x01\x02", "CC002"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(200), "CC00"),
        (b"\xef\xbb\xbf" + b"\x1b[31m\x07", "CC002"),
        (os.urandom(4096).replace(b"\x80", b"\x81"), "CC00"),
    ],
)
def test_binary_and_non_utf8_bytes(tmp_path: Path, data: bytes, expected: str) -> None:
    assert_clear_error(*summary(tmp_path, data), expected)


def test_a_directory_a_missing_file_and_a_bad_path(tmp_path: Path) -> None:
    assert_clear_error(*timed("summary", str(tmp_path)), "is a directory")
    assert_clear_error(*timed("summary", str(tmp_path / "missing.yaml")), "no such file")
    assert_clear_error(*timed("summary", "nul\0byte.yaml"), "CC001")
    checked, _ = timed("check", str(tmp_path), str(tmp_path / "missing.yaml"))
    assert checked.exit_code == 2
    assert [line.split(": ", 1)[1] for line in checked.stdout.splitlines()] == [
        "CC001 is a directory, not a spec file (name the .yaml files in it)",
        "CC001 no such file",
    ]


# --- nothing in a spec runs code or reads another file


SENTINEL_NAME = "convcalc-pwned"

ATTACKS = [
    "input: !!python/object/apply:os.system ['touch {sentinel}']\nlayers: [Dense(1)]\n",
    "input: [8]\nlayers:\n  - !!python/object/apply:os.system ['touch {sentinel}']\n",
    "input: [8]\nlayers:\n  - {{type: Dense, units: !!python/object/apply:os.system ['touch {sentinel}']}}\n",
    "input: [8]\nlayers:\n  - {{type: !!python/name:os.system Dense, units: 1}}\n",
    "input: [8]\nlayers:\n  - !!python/object/new:os.system ['touch {sentinel}']\n",
    "input: [8]\nlayers:\n  - !!python/object:__main__.Evil {{type: Dense, units: 1}}\n",
    "input: !!python/module:os [8]\nlayers: [Dense(1)]\n",
    "input: [8]\nlayers: !!python/tuple [Dense(1)]\n",
    "input: [8]\nlayers: [Dense(1)]\nexpect: !!python/object/apply:builtins.open ['{sentinel}', 'w']\n",
    "input: [8]\nlayers: [Dense(1)]\nname: !include /etc/passwd\n",
    "input: [8]\nlayers: [Dense(1)]\nname: !!binary |\n  aGVsbG8=\n",  # a safe tag, accepted: no code
    "input: [8]\nlayers:\n  - \"Dense(__import__('os').system('touch {sentinel}'))\"\n",
    "input: [8]\nlayers:\n  - \"Dense((lambda: open('{sentinel}', 'w'))())\"\n",
    "input: [8]\nlayers:\n  - \"Dense(1, name=open('/etc/passwd').read())\"\n",
    'input: [8]\nlayers:\n  - "Dense(1, name=f\'{{__import__(\\"os\\").system(\\"touch {sentinel}\\")}}\')"\n',
    "input: [8]\nlayers:\n  - \"__import__('os').system('touch {sentinel}')\"\n",
    "input: [8]\nlayers:\n  - \"os.system('touch {sentinel}')\"\n",
    'input: [8]\nlayers:\n  - "Dense(*[1])"\n',
    "input: [8]\nlayers:\n  - \"Dense(**{{'units': 1}})\"\n",
    'input: [8]\nlayers:\n  - "Dense([x for x in ().__class__.__base__.__subclasses__()])"\n',
    "input: [8]\nlayers:\n  - \"Dense(1, name='/etc/passwd')\"\n",
    "input: /etc/passwd\nlayers: [Dense(1)]\n",
    "input: [8]\nlayers: [Dense(1)]\n<<: {{name: x}}\n",
]

# Audit events (PEP 578) that would mean a spec ran code or touched the system.
FORBIDDEN_EVENTS = (
    "exec",
    "os.system",
    "subprocess.Popen",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "ctypes",
    "socket",
)
AUDIT: dict[str, object] = {"recording": False, "events": []}


def _audit(event: str, args: tuple) -> None:
    if AUDIT["recording"]:
        AUDIT["events"].append((event, args))  # type: ignore[attr-defined]


@pytest.fixture
def audit() -> Iterator[list[tuple[str, tuple]]]:
    """Records the audit events of the code under test. A hook cannot be removed, so one is
    installed once and switched on only inside this fixture."""
    if not AUDIT.get("installed"):
        sys.addaudithook(_audit)
        AUDIT["installed"] = True
    AUDIT["events"] = []
    AUDIT["recording"] = True
    try:
        yield AUDIT["events"]  # type: ignore[misc]
    finally:
        AUDIT["recording"] = False


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_in_a_spec_runs_code_or_reads_files(tmp_path: Path, attack: str, audit: list[tuple[str, tuple]]) -> None:
    sentinel = tmp_path / SENTINEL_NAME
    path = write(tmp_path, attack.format(sentinel=sentinel))
    options_list = (("--format", "json"), ("--format", "csv"), ("--format", "markdown"), ("--color", "always"))
    for options in options_list:  # warm: imports happen outside the recording
        timed("summary", path, *options)
    audit.clear()
    for options in options_list:
        result, seconds = timed("summary", path, *options)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code in (0, 2), result.output
        assert seconds < SECOND
    result, _ = timed("check", path)
    assert result.exit_code in (0, 2)
    assert not sentinel.exists()
    opened = {str(args[0]) for event, args in audit if event == "open"}
    assert opened <= {path}, opened  # the spec itself and nothing else
    ran = [(event, args) for event, args in audit if event.startswith(FORBIDDEN_EVENTS)]
    assert not ran, ran
    if "!!python" in attack or "!include" in attack:
        assert result.exit_code == 2
        assert "is not allowed" in result.stdout


# --- integers stay exact; a dimension over the bound is reported, not computed


def test_huge_counts_stay_exact(tmp_path: Path) -> None:
    # Dense holds kernel (in, units) and bias (units,) (keras.layers.Dense, https://keras.io/api/layers/core_layers/dense/).
    features, units = 2**40, 2**39
    result, _ = timed("summary", "--input", f"3,{features}", "--layer", f"Dense({units})", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layers"][0]["weights"] == [
        {"name": "kernel", "shape": [features, units], "trainable": True, "shared": False},
        {"name": "bias", "shape": [units], "trainable": True, "shared": False},
    ]
    assert data["totals"]["params"] == features * units + units  # 2**79 + 2**39: a float would lose the 2**39


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--input", str(2**40 + 1), "--layer", "Dense(1)"), "over convcalc's bound of 2**40"),
        (("--input", "8", "--batch", str(2**41), "--layer", "Dense(1)"), "over convcalc's bound of 2**40"),
        (("--input", "8", "--layer", f"Dense({2**40 + 1})"), "the output shape (None, 1099511627777)"),
        (("--input", "8,8,1", "--layer", f"Conv2D(1, {2**41}, padding='same')"), "the weight kernel"),
        (("--input", "8,8,1", "--layer", f"Conv2DTranspose(1, 3, strides={2**39})"), "over convcalc's bound"),
        (("--input", ",".join(["1"] * 65), "--layer", "Dense(1)"), "more than convcalc's bound of 64"),
    ],
)
def test_a_dimension_over_the_bound_is_reported(args: tuple[str, ...], expected: str) -> None:
    assert_clear_error(*timed("summary", *args), expected)


def test_growth_past_the_bound_stops_at_the_layer_that_crosses_it(tmp_path: Path) -> None:
    """Each layer multiplies the width by 2**20: without the bound, 10,000 layers would make
    numbers of 60,000 digits and run for minutes."""
    layers = "".join("  - Conv1DTranspose(1, 1, strides=1048576)\n" for _ in range(10_000))
    message = assert_clear_error(*summary(tmp_path, "input: [4, 1]\nlayers:\n" + layers), "over convcalc's bound")
    line = int(message.split(":")[1])
    assert 3 < line < 8, message  # within the first few layers, not after 10,000


@pytest.mark.parametrize("dims", ["\u00b2", "\u0661\u0662,3", "9" * 5000, "-", "0x10", "1e3"])
def test_odd_digits_in_input_flags(dims: str) -> None:
    """`"²".isdigit()` is True but int("²") fails: that crashed before."""
    assert_clear_error(*timed("summary", "--input", dims, "--layer", "Dense(1)"), "CC003")


def test_the_spec_values_in_messages_are_cut_short(tmp_path: Path) -> None:
    text = "input: [8]\nlayers:\n  - {type: Dense, units: 1, name: 1}\nframework: " + "x" * 10_000 + "\n"
    message = assert_clear_error(*summary(tmp_path, text), "framework must be one of")
    assert len(message) < 200


@pytest.mark.parametrize("libyaml", [True, False])
def test_a_control_character_after_non_ascii_text_is_located_in_characters(
    monkeypatch: pytest.MonkeyPatch, libyaml: bool
) -> None:
    """libyaml gives the position in bytes, the pure-Python reader in characters: either way the
    column counts characters ("input: [8] " is 11 of them, so the \\x01 stands in column 12)."""
    if not libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    monkeypatch.setattr(spec_module, "_LOADER", None)
    with pytest.raises(spec_module.SpecError) as caught:
        spec_module.load_text("name: caf\u00e9\u00e9\u00e9\ninput: [8] \x01\nlayers: [Dense(1)]\n", "<t>")
    monkeypatch.setattr(spec_module, "_LOADER", None)
    location = caught.value.diagnostic.location
    assert (location.line, location.column) == (2, 12), location


# --- model files for `convcalc import`: read without trusting them (convcalc/sources/reading.py)

SOURCES = Path(__file__).parent / "sources"
NESTED = (SOURCES / "keras3-nested.json").read_text()


def zip_file(tmp_path: Path, members: list[tuple[str, bytes]], name: str = "model.keras") -> str:
    import zipfile

    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            archive.writestr(member, data)
    return str(path)


def import_(path: str) -> tuple[Result, float]:
    return timed("import", path)


def test_a_zip_bomb_stops_at_the_bound(tmp_path: Path) -> None:
    """config.json of 80 MiB of spaces, 80 KB compressed: decompressed no further than the bound."""
    from convcalc.sources.reading import MAX_TEXT_BYTES

    path = zip_file(tmp_path, [("metadata.json", b"{}"), ("config.json", b" " * (MAX_TEXT_BYTES + 16 * 2**20))])
    assert os.path.getsize(path) < 200_000
    assert_clear_error(*import_(path), "CC002", "config.json decompresses to more than 64 MiB", "a zip bomb?")


@pytest.mark.parametrize("member", ["../../evil.json", "/etc/passwd", "C:/windows/x", "a\\..\\..\\b", "ok/../../../x"])
def test_a_member_path_that_escapes_the_archive(tmp_path: Path, member: str) -> None:
    path = zip_file(tmp_path, [("config.json", NESTED.encode()), (member, b"x")])
    assert_clear_error(*import_(path), "CC002", "a member path that escapes it")


def test_a_member_twice_and_an_encrypted_member(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        path = zip_file(tmp_path, [("config.json", NESTED.encode()), ("config.json", b"{}")])
    assert_clear_error(*import_(path), "CC002", "'config.json' twice")
    data = bytearray(Path(zip_file(tmp_path, [("config.json", NESTED.encode())], "plain.keras")).read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the encrypted bit in both headers
        at = data.find(signature)
        data[at + flags] |= 1
    encrypted = tmp_path / "encrypted.keras"
    encrypted.write_bytes(bytes(data))
    assert_clear_error(*import_(str(encrypted)), "CC002", "config.json is encrypted")


def test_truncated_and_damaged_archives(tmp_path: Path) -> None:
    data = Path(zip_file(tmp_path, [("metadata.json", b"{}"), ("config.json", NESTED.encode() * 20)])).read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 10):
        path = tmp_path / f"cut{cut}.keras"
        path.write_bytes(data[:cut])
        assert_clear_error(*import_(str(path)), "CC002", "damaged or truncated zip archive")
    corrupt = bytearray(data)
    start = corrupt.find(b"PK\x03\x04", 10) + 60  # inside config.json's deflated data
    corrupt[start : start + 40] = bytes(40)
    path = tmp_path / "corrupt.keras"
    path.write_bytes(bytes(corrupt))
    result, seconds = import_(str(path))
    assert_clear_error(result, seconds, "CC00")


def test_an_archive_announcing_a_huge_directory(tmp_path: Path) -> None:
    """The end record is read before zipfile reads (and allocates) the directory."""
    import struct

    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04" + bytes(40) + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 65534, 65534, 3_000_000, 44, 0))
    assert_clear_error(*import_(str(path)), "CC002", "announces 65,534 entries")


def test_huge_model_files_are_refused_by_their_size(tmp_path: Path) -> None:
    for name in ("model.json", "model.cfg"):
        path = tmp_path / name
        with open(path, "wb") as handle:  # sparse: costs no disk
            handle.truncate(spec_module.MAX_BYTES + 1)
        assert_clear_error(*import_(str(path)), "CC001", "larger than 64 MiB")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 200_000 + "]" * 200_000, "nests too deeply"),
        ("[" + "[]," * 2_100_000 + "[]]", "more than 2,000,000 lists and objects"),
        ('{"class_name": ' + "9" * 5000 + "}", "CC002 malformed JSON"),
        ('{"class_name": "Functional", "config": {"layers": [', "CC002 malformed JSON"),
        ("\ufeff" + NESTED.replace('"keras_history": ["a", 0, 0]', '"keras_history": ["a", 0, 1e999]'), "CC003"),
    ],
)
def test_hostile_json(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    assert_clear_error(*import_(str(path)), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (bytes(range(256)) * 64, "CC00"),
        (b"[net]\nwidth=9999999999999\nheight=1\nchannels=1\n[convolutional]\nfilters=1\n", "CC105"),
        (b"[net]\nwidth=416\nheight=416\nchannels=3\n[convolutional]\nfilters=999999999999\nsize=1\n", "CC"),
        (b"[net]\nwidth=4\nheight=4\nchannels=1\n" + b"[route]\nlayers=-1\n" * 3, "CC105"),
        (
            b"[net]\nwidth=4\nheight=4\nchannels=1\n[maxpool]\nsize=1\nstride=1\n"
            + b"[route]\nlayers="
            + b"0," * 100_000
            + b"0\n",
            "CC",
        ),
    ],
)
def test_hostile_cfg(tmp_path: Path, text: bytes, expected: str) -> None:
    path = tmp_path / "model.cfg"
    path.write_bytes(text)
    result, seconds = import_(str(path))
    if result.exit_code == 0:  # a huge but honest network: computed within the bound all the same
        assert seconds < SECOND
        return
    assert_clear_error(result, seconds, expected)


def nested_with(**changes: object) -> str:
    """keras3-nested.json with the layer `shared` changed: a class or module of the attacker's choosing."""
    model = json.loads(NESTED)
    layer = next(entry for entry in model["config"]["layers"] if entry["name"] == "shared")
    layer.update(changes)
    return json.dumps(model)


MODEL_ATTACKS = [
    ("model.json", nested_with(module="os", class_name="system")),
    ("model.json", nested_with(class_name="Lambda", config={"function": "__import__('os').system('touch x')"})),
    ("model.json", nested_with(registered_name="os>system")),
    ("model.json", nested_with(module="builtins", class_name="eval", registered_name="builtins>eval")),
    ("model.cfg", "[net]\nwidth=4\nheight=4\nchannels=1\n[convolutional]\nfilters=1\nactivation=__import__('os')\n"),
    ("model.cfg", "[net]\nwidth=4\nheight=4\nchannels=1\n[include]\nfile=/etc/passwd\n"),
]


@pytest.mark.parametrize(("name", "text"), MODEL_ATTACKS)
def test_importing_never_runs_code_or_reads_other_files(
    tmp_path: Path, name: str, text: str, audit: list[tuple[str, tuple]]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    archive = (
        zip_file(tmp_path, [("config.json", text.encode()), ("model.weights.h5", b"never read")])
        if name.endswith(".json")
        else None
    )
    import_(str(path))  # warm: imports happen outside the recording
    audit.clear()
    for source in (str(path), archive):
        if source is None:
            continue
        result, seconds = import_(source)
        assert result.exit_code == 2 and seconds < SECOND, result.output
    opened = {str(args[0]) for event, args in audit if event == "open"}
    assert opened <= {str(path), archive}, opened  # the model file itself and nothing else
    ran = [(event, args) for event, args in audit if event.startswith(FORBIDDEN_EVENTS)]
    assert not ran, ran


# --- ONNX files: the wire format walked before anything is parsed (convcalc/sources/onnx_model.py)

TINY_ONNX = Path(__file__).parents[1] / "docs" / "examples" / "tiny-cnn.onnx"


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    from convcalc.sources.onnx_model import _length_delimited

    return _length_delimited(number, payload)


@pytest.fixture
def onnx_installed() -> None:
    pytest.importorskip("onnx", reason="the ONNX importer needs onnx")


def test_a_truncated_onnx_file(tmp_path: Path, onnx_installed: None) -> None:
    data = TINY_ONNX.read_bytes()
    for cut in (len(data) // 2, len(data) - 3, 7):
        path = write(tmp_path, data[:cut], f"cut{cut}.onnx")
        assert_clear_error(*import_(path), "CC002", "not a well-formed ONNX model")


def test_an_onnx_field_claiming_a_terabyte(tmp_path: Path, onnx_installed: None) -> None:
    """ir_version, then a graph whose length says 2**40 bytes: refused before anything allocates."""
    data = b"\x08\x08" + b"\x3a" + bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]) + b"\x0a\x00" * 10
    assert_clear_error(*import_(write(tmp_path, data, "huge.onnx")), "CC002", "runs", "past the end")


def test_an_onnx_graph_of_a_million_nodes(tmp_path: Path, onnx_installed: None) -> None:
    """Two bytes a node: the count is refused at the bound, not parsed."""
    graph = b"\x0a\x00" * 1_000_000
    data = b"\x08\x08" + field(7, graph)
    assert_clear_error(*import_(write(tmp_path, data, "many.onnx")), "CC002", "more than 500,000 nodes and tensors")


def test_onnx_graphs_nested_in_attributes(tmp_path: Path, onnx_installed: None) -> None:
    """A node's attribute holding a graph holding a node... 500 deep: protobuf's limit, one line."""
    graph = b""
    for _ in range(500):
        attribute = field(1, b"g") + field(6, graph)  # AttributeProto name, g
        graph = field(1, field(5, attribute))  # GraphProto.node, NodeProto.attribute
    data = b"\x08\x08" + field(7, graph)
    assert_clear_error(*import_(write(tmp_path, data, "nested.onnx")), "CC002")


def test_bytes_that_are_not_onnx(tmp_path: Path, onnx_installed: None) -> None:
    assert_clear_error(*import_(write(tmp_path, b"", "empty.onnx")), "CC001", "empty")
    assert_clear_error(*import_(write(tmp_path, b"\x08\x08\x10\x01", "nograph.onnx")), "CC002", "holds no graph")
    assert_clear_error(*import_(write(tmp_path, b"\x0f\xff\xff", "wire.onnx")), "CC002", "wire type 7")


def constant_graph(
    tmp_path: Path, name: str, nodes: list[tuple[str, list[str], dict[str, int]]], integers: dict[str, list[int]]
) -> str:
    """A small valid ONNX file: x -> Reshape(x, shape) -> y, `shape` computed from int64
    initializers by `nodes` (op, inputs, attributes; each node's output is named after its index),
    so the importer must follow the constants to read the Reshape."""
    import numpy
    from onnx import TensorProto, helper, numpy_helper, save

    made = [helper.make_node(op, inputs, [f"c{i}"], **attrs) for i, (op, inputs, attrs) in enumerate(nodes)]
    made.append(helper.make_node("Reshape", ["x", f"c{len(nodes) - 1}"], ["y"]))
    inits = [numpy_helper.from_array(numpy.array(v, dtype=numpy.int64), k) for k, v in integers.items()]
    graph = helper.make_graph(
        made,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    path = tmp_path / name
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


HOSTILE_CONSTANTS = {
    # 10 ** 100,000,000: Python's unbounded ints would compute it for minutes
    "pow": ([("Pow", ["ten", "big"], {})], {"ten": [10], "big": [100_000_000]}),
    # 4,096 indices into a row of 4,096, concatenated eight times: 134 million elements
    "gather": (
        [("Gather", ["row", "zeros"], {"axis": 0}), ("Concat", ["row", *["c0"] * 8], {"axis": 0})],
        {"row": [[0] * 4096], "zeros": [0] * 4096},
    ),
    # 2**62 squared, past int64, handed to ONNX's shape inference (Tile's repeats)
    "overflow": ([("Mul", ["a", "a"], {}), ("Tile", ["a", "c0"], {})], {"a": [2**62]}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONSTANTS))
def test_onnx_constants_that_would_grow_are_not_followed(tmp_path: Path, onnx_installed: None, name: str) -> None:
    """Constant arithmetic is followed within KEEP_INTEGERS elements and int64 values (the reviewer's
    cases: a hang, 2.3 GB then a MemoryError, an OverflowError traceback): past them the value is
    unknown and the Reshape that reads it is refused at its node, in a line, within a second."""
    nodes, integers = HOSTILE_CONSTANTS[name]
    result, seconds = import_(constant_graph(tmp_path, f"{name}.onnx", nodes, integers))
    assert_clear_error(result, seconds, "CC003", "Reshape")


def test_an_ultralytics_file_alias_bomb_stops_before_expanding(tmp_path: Path) -> None:
    """A YOLO model YAML is read by its own importer (YAML 1.1, as Ultralytics reads it), with the
    same alias check as a spec."""
    lines = ["a0: &a0 [Conv]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    text = "\n".join(lines) + "\nbackbone: *a9\nhead: []\n"
    result, seconds = timed("import", write(tmp_path, text, "yolo-bomb.yaml"))
    assert_clear_error(result, seconds, "CC003", "alias bomb")
