"""The fast reading of plain layer calls against `ast`, the authority: on generated calls, a call
the fast path reads is read exactly as `ast` reads it (arguments, keywords and the column of each),
and the calls real specs are made of take the fast path."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.errors import LayerError
from convcalc.spec.calls import _parse_with_ast, plain_call

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
    st.text(alphabet="abc ,()=[]'#:-_", max_size=8).map(lambda t: '"' + t.replace('"', "") + '"'),
    st.text(alphabet='abc ,()=[]"#:-_', max_size=8).map(lambda t: "'" + t.replace("'", "") + "'"),
    st.sampled_from(['"a\\"b"', "'\\n'", 'b"x"', 'f"{x}"', '"""x"""', "'é'"]),
)
sequence = st.lists(st.one_of(integer, string), max_size=4).flatmap(
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
value = st.one_of(number, string, sequence, other)
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
    assert fast == authority, text
    assert type(fast.args) is tuple
    assert [type(v) for v in fast.args] == [type(v) for v in authority.args], text
    assert {k: type(v) for k, v in fast.kwargs.items()} == {k: type(v) for k, v in authority.kwargs.items()}, text


def test_the_calls_of_real_specs_take_the_fast_path() -> None:
    """Nearly every one-line call written in the bundled specs is a plain call; the rest hold
    arithmetic, bare layer names, nested tuples or containers' nested calls (torchvision's
    `Sequential(Conv2d(...), ...)`), which `ast` reads."""
    written = []
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        for line in spec.read_text().splitlines():
            found = re.fullmatch(r"  - ([A-Z][A-Za-z0-9]*\(.*\)|[A-Z][A-Za-z0-9]*)", line.split("  #")[0].rstrip())
            if found:
                written.append(found.group(1).strip())
    assert len(written) > 100
    slow = [text for text in written if plain_call(text) is None]
    assert len(slow) / len(written) < 0.1, slow
