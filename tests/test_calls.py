"""The fast reading of plain layer calls against `ast`, the authority: on generated calls, a call
the fast path reads is read exactly as `ast` reads it (arguments, keywords and the column of each),
and the calls real specs are made of take the fast path."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.errors import LayerError
from convcalc.spec import calls as calls_module
from convcalc.spec.calls import Call, _parse_with_ast, _skeleton, forget, plain_call
from convcalc.spec.expr import Expr

ROOT = Path(__file__).resolve().parent.parent

space = st.sampled_from(["", " ", "  ", "\t"])
integer = st.one_of(
    st.integers(-1000, 10**6).map(str),
    st.sampled_from(["0", "-0", "007", "1_000", "10" * 60, "+3", "- 3"]),
)
number = st.one_of(
    integer,
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["1e-3", "1E5", "1.001e-5", "1.", ".5", "1e", "2e+3", "0.0", "-0.5"]),
)
string = st.one_of(
    st.text(alphabet="abc ,()=[]'#:-_{}\t\f\0", max_size=8).map(lambda t: '"' + t.replace('"', "") + '"'),
    st.text(alphabet='abc ,()=[]"#:-_{}\t\f\0', max_size=8).map(lambda t: "'" + t.replace("'", "") + "'"),
    st.sampled_from(['"a\\"b"', "'\\n'", 'b"x"', 'f"{x}"', '"""x"""', "'é'"]),
)
name = st.sampled_from(["x", "filters", "input", "True", "None", "lambda", "match", "_", "a1", "if", "int"])
f_string = st.one_of(
    st.lists(st.one_of(name.map(lambda n: "{" + n + "}"), st.text(alphabet="ab_ -{}:!", max_size=3)), max_size=4).map(
        lambda parts: "".join(parts)
    ),
    st.sampled_from(["{x!r}", "{x:3}", "{ x }", "{x + 1}", "{{x}}", "{x}}", "{}"]),
).flatmap(lambda body: st.sampled_from([f'f"{body}"', f"f'{body}'", f'F"{body}"', f'rf"{body}"', f'f "{body}"']))
operand = st.one_of(
    name,
    integer,
    f_string,
    string,
    st.tuples(name, st.sampled_from(["[0]", "[2]", " [1]", "[-1]", "[01]", "[1.5]", "[x]", "[0][1]", "[0, 1]"])).map("".join),
)
operator = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "=", "* *", "<>", "!"])
arithmetic = st.one_of(
    operand,
    st.tuples(operand, space, operator, space, operand).map("".join),
    st.tuples(operand, space, operator, space, operand, space, operator, space, operand).map("".join),
)
sequence = st.lists(st.one_of(integer, string, arithmetic), max_size=4).flatmap(
    lambda items: st.sampled_from(
        [
            "(" + ", ".join(items) + ")",
            "(" + ", ".join(items) + ",)",
            "[" + ", ".join(items) + "]",
            "[" + ",".join(items) + ",]",
            "(" + " , ".join(items) + " )",
        ]
    )
)
other = st.sampled_from(["True", "False", "None", "filters * 4", "LSTM(64)", "x", "{1: 2}", "(3)", "[(1, 2)]", ""])
value = st.one_of(number, string, sequence, other, arithmetic)
keyword = st.sampled_from(["units", "kernel_size", "padding", "lambda", "True", "a1", "_x", "strides"])


@st.composite
def calls(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["Conv2D", "Dense", "keras.layers.Dense", "nn . Conv2d", "class", "Flatten", "x1"]))
    arguments = []
    for _ in range(draw(st.integers(0, 5))):
        text = draw(value)
        if draw(st.booleans()):
            text = f"{draw(keyword)}{draw(space)}={draw(space)}{text}"
        arguments.append(text)
    separator = draw(st.sampled_from([", ", ",", " , ", ",\t"]))
    body = separator.join(arguments) + draw(st.sampled_from(["", ",", " ,"]))
    if draw(st.integers(0, 9)) == 0:
        return draw(space) + name + draw(space)
    return draw(space) + name + draw(space) + "(" + draw(space) + body + draw(space) + ")" + draw(space)


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A generated call with one character taken out or put in: the texts the fast path must not
    misread, such as `Dense((1, 2)`."""
    text = draw(calls())
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        return text[:at] + text[at + 1 :]
    return text[:at] + draw(st.sampled_from("()[],=.'\" -1a")) + text[at:]


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        calls(),
        damaged(),
        st.text(max_size=40),
        st.text(alphabet="()[]{},=-+*'\"\\ .:0123456789abcxyzCDN_\n#\t", max_size=40),
    )
)
def test_a_call_read_fast_is_read_as_ast_reads_it(text: str) -> None:
    """Any text: the fast path never fails, and what it reads, ast reads the same."""
    fast = plain_call(text)
    if fast is None:
        return
    try:
        authority = _parse_with_ast(text)
    except LayerError as exc:  # the fast path must never accept what ast refuses
        raise AssertionError(f"{text!r}: fast path read {fast}, ast refuses: {exc.message}") from None
    assert read(fast) == read(authority), text
    assert type(fast.args) is tuple
    assert fast.plain == (not any(isinstance(v, Expr) for v in (*fast.args, *fast.kwargs.values()))), text


@st.composite
def computed_calls(draw: st.DrawFn) -> str:
    """Calls whose arguments are mostly arithmetic, as block templates write them
    (`Conv2D(4 * filters, 1, name=f"{name}_conv", inputs=[input, -1])`), and near misses."""
    arguments = []
    for _ in range(draw(st.integers(1, 3))):
        text = draw(st.one_of(arithmetic, sequence))
        arguments.append(f"{draw(keyword)}={text}" if draw(st.booleans()) else text)
    return "Conv2D(" + (", " if draw(st.booleans()) else ",").join(arguments) + ")"


@settings(max_examples=1500, deadline=None)
@given(computed_calls())
def test_arithmetic_read_fast_is_read_as_ast_reads_it(text: str) -> None:
    """Arithmetic the fast path reads is the Expr ast makes: the same text, the same tree."""
    test_a_call_read_fast_is_read_as_ast_reads_it.hypothesis.inner_test(text)  # type: ignore[attr-defined]


@settings(max_examples=500, deadline=None)
@given(calls(), st.lists(st.text(alphabet="ab ,()=[]{}#'\"f\0", max_size=4), min_size=3, max_size=3))
def test_calls_that_differ_in_their_strings_are_read_as_ast_reads_each(text: str, contents: list[str]) -> None:
    """A call, then calls with other strings in its strings' places (the same skeleton: met,
    worked out, then filled), each read by the fast path as ast reads it."""
    forget()
    test_a_call_read_fast_is_read_as_ast_reads_it.hypothesis.inner_test(text)  # type: ignore[attr-defined]
    for content in contents:
        other = re.sub(r"""("[^"]*"|'[^']*')""", lambda m, c=content: m[0][0] + c.replace(m[0][0], "") + m[0][0], text)
        test_a_call_read_fast_is_read_as_ast_reads_it.hypothesis.inner_test(other)  # type: ignore[attr-defined]
    forget()


def read(value: object) -> object:
    """A reading as it can be compared: each value with its type, an Expr by its text and its
    tree (an Expr compares its tree by identity), a Call by its fields, its column and whether it
    holds one."""
    if isinstance(value, Call):
        computed = [v for v in (*value.args, *value.kwargs.values()) if isinstance(v, Expr)]
        return (value.name, read(value.args), read(value.kwargs), value.offsets, value.at, bool(computed))
    if isinstance(value, Expr):
        return ("Expr", value.text, ast.dump(value.node))
    if isinstance(value, tuple | list):
        return (type(value), [read(v) for v in value])
    if isinstance(value, dict):
        return {k: read(v) for k, v in value.items()}
    return (type(value), value)


@pytest.mark.parametrize(
    "text",
    ['Conv2D(name="a\x00b")', "Dense(1, name='\x00')", 'Dense(f"{x}\x00")', 'Dense(["\x00"])'],
)
def test_a_nul_byte_in_a_string_is_left_to_ast(text: str) -> None:
    """ast refuses a text with a NUL byte anywhere, in a string too: the fast path read the
    string's NUL as any other character (review of the fast path), for a skeleton met before too."""
    forget()
    plain_call(text.replace("\x00", "a"))  # the skeleton met, then worked out
    plain_call(text.replace("\x00", "b"))
    assert plain_call(text) is None
    with pytest.raises(LayerError, match="null bytes"):
        _parse_with_ast(text)
    forget()


@pytest.mark.parametrize("text", ["  Conv2D(3)", "\tDense(units=8, name='a')", " nn . Conv2d(x - 1)", "  Dense()", "  Flatten"])
def test_a_call_after_spaces_is_at_its_own_column(text: str) -> None:
    """A call's own column (`at`) is where its name starts, as ast gives it: the fast path gave
    0 for a call after spaces or tabs (review of the fast path), and so did a skeleton's call."""
    forget()
    for _ in range(3):  # read as it is, then by its skeleton (met, then worked out)
        fast = plain_call(text)
        assert fast is not None
        assert read(fast) == read(_parse_with_ast(text)), text
    forget()


def written_calls(item: str) -> list[str]:
    """The one-line calls of the bundled specs: each line's list item (`item`, a pattern whose
    group 1 is the call) without its comment."""
    written = []
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        for line in spec.read_text().splitlines():
            found = re.fullmatch(item, line.split("  #")[0].rstrip())
            if found:
                written.append(found.group(1).strip())
    return written


def test_the_calls_of_real_specs_take_the_fast_path() -> None:
    """Nearly every one-line call written in the bundled specs is a plain call; the rest hold
    arithmetic, bare layer names, nested tuples or containers' nested calls (torchvision's
    `Sequential(Conv2d(...), ...)`), which `ast` reads."""
    written = written_calls(r"  - ([A-Z][A-Za-z0-9]*\(.*\)|[A-Z][A-Za-z0-9]*)")
    assert len(written) > 100
    slow = [text for text in written if plain_call(text) is None]
    assert len(slow) / len(written) < 0.1, slow


def test_the_calls_of_blocks_take_the_fast_path() -> None:
    """Most calls of the bundled specs' blocks are literals and simple arithmetic of the block's
    parameters (`Conv2D(4 * filters, 1, name=f"{name}_0_conv", when=conv_shortcut)`): 975 of
    1,134 written are read without `ast` (160 before it read arithmetic); the rest call helpers or
    nest calls, or hold longer arithmetic."""
    written = written_calls(r" *- ([A-Za-z_][A-Za-z0-9_]*\(.*\)|[A-Z][A-Za-z0-9]*)")
    assert len(written) > 1000
    slow = [text for text in written if plain_call(text) is None]
    assert len(slow) / len(written) < 0.2, slow


def test_a_skeleton_is_worked_out_once_it_repeats() -> None:
    """Most calls are written once: the first of a skeleton is read as it is, and the skeleton is
    worked out (and kept) when a second call has it."""
    forget()
    assert plain_call('Dense(1, name="a")') == _parse_with_ast('Dense(1, name="a")')
    assert _skeleton.cache_info().misses == 0
    for text in ('Dense(1, name="b")', 'Dense(1, name="c")'):
        assert plain_call(text) == _parse_with_ast(text)
    assert _skeleton.cache_info().misses == 1


def test_a_long_call_is_read_by_its_skeleton_in_linear_time() -> None:
    """A call of 19,000 strings (76,000 characters, under MAX_CALL_LENGTH) worked out from its
    skeleton as fast as ast reads it: counting the strings before each argument was quadratic,
    6 s of CPU here against ast's 0.03 s (review of the fast path)."""
    forget()
    texts = ["Dense(" + ", ".join([f'"{letter}"'] * 19_000) + ")" for letter in "abc"]
    plain_call(texts[0])  # the skeleton met
    start = time.process_time()
    fast = plain_call(texts[1])  # worked out
    took = time.process_time() - start
    assert fast is not None and read(fast) == read(_parse_with_ast(texts[1]))
    assert took < 1.0, f"{took:.2f} s"
    forget()


def test_the_skeletons_met_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that reads spec after spec remembers at most SKELETONS_SEEN skeletons as met."""
    forget()
    monkeypatch.setattr(calls_module, "SKELETONS_SEEN", 3)
    for index in range(10):
        text = f'Dense({index}, name="a")'
        assert plain_call(text) == _parse_with_ast(text)
        assert len(calls_module._skeletons_seen) <= 3
    forget()


@st.composite
def graph_calls(draw: st.DrawFn) -> str:
    """Calls with the keywords every layer may carry (name=, inputs=...) among others, with strings
    in many places: the form of a generated network's layers."""
    value = st.sampled_from(["16", "3", "-1", "1.5", "True", "None", "(3, 3)", '"a"', "'b'", '("a", 2)', '["x", -1]', "[]"])
    graph = {
        "name": st.sampled_from(['"n1"', "'layer_two'", '""', "3"]),
        "inputs": st.sampled_from(['["n0"]', '["n0", "n12"]', '"n0"', "-1", '[-1, "a"]', "[]", '("a", "b")']),
        "shares": st.sampled_from(['"n0"', "'other'"]),
        "when": st.sampled_from(["True", "False", '"x"']),
        "repeat": st.sampled_from(["2", '"3"']),
    }
    arguments = draw(st.lists(value, max_size=3))
    for key in draw(st.lists(st.sampled_from([*graph, "padding", "activation"]), unique=True, max_size=5)):
        arguments.append(f"{key}={draw(graph[key]) if key in graph else draw(value)}")
    return "Conv2D(" + ", ".join(arguments) + ")"


@settings(max_examples=400, deadline=None)
@given(graph_calls(), st.lists(st.text(alphabet="abn0123 ,=[]", max_size=6), min_size=3, max_size=3))
def test_layers_split_from_their_graph_keywords_read_as_ast_reads_each(text: str, contents: list[str]) -> None:
    """A call, then calls with other strings (of other lengths) in its strings' places: each layer
    read with its graph keywords split off by its skeleton (calls.layer_call) is the layer read
    from ast's call, arguments, graph keys and columns alike, or the same error."""
    from convcalc.errors import Location, SpecError
    from convcalc.spec.reader import call_layer, layer_from_call

    def both(text: str) -> tuple[str, str]:
        where = Location("t.yaml", 3, 5)
        try:
            fast = repr(call_layer(text, where, "keras"))
        except SpecError as exc:
            fast = str(exc.diagnostic)
        try:
            slow = repr(layer_from_call(_parse_with_ast(text), where, "keras"))
        except SpecError as exc:
            slow = str(exc.diagnostic)
        return fast, slow

    forget()
    first = calls_module.READ_BY_AST_FIRST
    calls_module.READ_BY_AST_FIRST = 0  # the fast path at once: the second text meets the skeleton
    try:
        texts = [text] + [
            re.sub(r"""("[^"]*"|'[^']*')""", lambda m, c=content: m[0][0] + c + m[0][0], text) for content in contents
        ]
        for each in texts:
            fast, slow = both(each)
            assert fast == slow, each
    finally:
        calls_module.READ_BY_AST_FIRST = first
        forget()
