"""Block arithmetic: the builtins (int, round, min, max, abs, ceil, floor, log2, str, chr), `is
None`, Python's and/or, chained comparisons, slices, lists made by range, comprehensions,
f-strings and +, `shape(name)`, and the spec's own helper formulas (`functions:`), each against
Python's own
evaluation of the same text."""

from __future__ import annotations

import ast
import math
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import summarize
from convcalc.errors import LayerError, SpecError
from convcalc.spec.expr import LIMIT, apply, evaluate
from convcalc.spec.loading import load_text


def value(text: str, **env: object) -> object:
    return evaluate(ast.parse(text, mode="eval").body, env, text)


def python(text: str, **env: object) -> object:
    """What Python itself makes of the text (the test's oracle: the evaluator never runs eval)."""
    builtins = {"int": int, "round": round, "min": min, "max": max, "abs": abs, "str": str, "chr": chr}
    return eval(text, {"__builtins__": {}, "math": math, **builtins}, env)


def report(text: str):
    return summarize(textwrap.dedent(text))


def problem(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        report(text)
    return caught.value.diagnostic.text()


@pytest.mark.parametrize(
    "text",
    [
        "round(2.5), round(3.5), round(-0.5), round(2.675, 2), round(7, -1)",  # banker's rounding, Python's float
        "int(-2.7), int(2.7), int(1e15), int(7)",
        "math.ceil(0.1), math.floor(-0.1), math.log2(8), abs(-3), abs(-2.5)",
        "min(3, 1, 2), max((4, 9)), max([1.5, 1]), min(2, 2.0)",
        "x is None, x is not None, y is None, True is True",
        "x or 8, y or 8, 0 and y, y and 0.5, not y",
        "1 < y < 3, 3 > y > 2, y in (1, 2), y not in [1, 2], 'a' in 'abc'",
        "s[1:], s[-2:], s[::2], s[:-1], s[-1]",
        "8 if x is None else x",
        "max(8, int(v + 8 / 2) // 8 * 8)",  # torchvision's _make_divisible without its 10% step
        "int(round(v / 2.5) * 2.5)",
        # layer names as keras.applications makes them
        'n + "_0_conv", f"{n}_block{y + 1}", f"block{y + 1}{chr(y + 97)}_", "block" + str(y + 5), f"{v}{x}{True}"',
        "str(y), str(v), str(n), str(None), chr(65), f'{n}' + f\"{s[1]}\"",
    ],
)
def test_builtins_are_pythons(text: str) -> None:
    env = {"x": None, "y": 2, "s": (None, 64, 28, 28), "v": 37.3, "n": "conv2"}
    assert value(text, **env) == python(text, **env)


def test_a_name_of_the_block_hides_a_builtin_as_in_python() -> None:
    with pytest.raises(LayerError) as caught:
        value("max(a, 2)", max=3, a=1)
    assert caught.value.message == "'max' is 3 here, not a function, in 'max(a, 2)'"
    assert value("math.ceil(a)", ceil=5, a=1.5) == 2  # math.ceil is the module's whatever the names


def test_ceil_floor_and_log2_may_be_written_bare() -> None:
    assert value("ceil(2.1), floor(2.9), log2(1024)") == (3, 2, 10.0)


def test_and_or_do_not_evaluate_the_side_they_do_not_need() -> None:
    assert value("x is None or x > 0", x=None) is True
    assert value("x is not None and x // 0", x=None) is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x is 3", "`is` compares with None, True or False"),
        ("int(x)", "expected a number in 'int(x)', found 'a'"),
        ("math.log2(0)", "log2(0) fails"),
        ("int(1e300)", "is larger than"),
        ("math.ceil(1e308 * 10)", "is larger than"),
        ("round(2.5, ndigits='a')", "ndigits must be an integer"),
        ("min()", "min() of nothing"),
        ("max(1, 'a')", "cannot compare"),
        ("abs(1, 2)", "takes one number"),
        ("min(1, key=2)", "takes no keyword 'key'"),
        ("sqrt(4)", "unknown function 'sqrt'"),
        ("shape(x)", "shape() reads the shape of a layer, which is not known here"),
        ("s[1:'a']", "a slice takes integers"),
        ("'a' * 3", "expected a number in \"'a' * 3\", found 'a'"),  # no text multiplies: it could fill memory
        ("'a' + 1", "expected a number"),
        ("str(s)", "expected a number or text to write as text in 'str(s)', found (1, 2)"),
        ("chr(-1)", "chr() takes a code point from 0 to 0x10FFFF, found -1"),
        ("str(1, 2)", "str() takes one value, found 2 arguments"),
        ("'ab' + 'c' * 0", "expected a number"),
    ],
)
def test_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(LayerError) as caught:
        value(text, x="a" if text == "int(x)" else 3, s=(1, 2))
    assert message in caught.value.message


def test_no_attribute_but_math_functions_and_no_other_call_is_allowed() -> None:
    spec = "input: [4]\nblocks:\n  mlp:\n    params: [width]\n    layers: ['Dense({expr})']\nlayers:\n  - mlp(3)\n"
    assert report(spec.format(expr="math.ceil(width / 2)")).output_shape == (None, 2)
    for expr in ["math.pi * width", "width.real", "math.sqrt(width)", "[w.x for w.x in (width,)][0]"]:
        assert f":5:21: CC102 argument {expr!r} is not a literal value" in problem(spec.format(expr=expr))
    assert report(spec.format(expr="[w * 2 for w in (width,)][0]")).output_shape == (None, 6)


@pytest.mark.parametrize(
    "text",
    [
        "range(4), range(1, 4), range(9, 0, -3), range(0)",
        "[f'denselayer{i}' for i in range(1, k)]",
        "['input'] + [f'denselayer{i}' for i in range(1, k)], (1, 2) + (3,), 'block' + f'{k}-{k - 1}'",
        "[i * j for i in range(3) for j in range(i) if i % 2 == 0 if j], [c for c in 'ab']",
        "f'{k:03d}', f'{v!r}', f'{v:.2f}', f'{None}', f'x{k}y'",
    ],
)
def test_lists_of_names_are_made_as_python_makes_them(text: str) -> None:
    """DenseNet's `["input"] + [f"denselayer{i}" for i in range(1, copy)]`: range, list
    comprehensions, f-strings and + between lists, tuples or strings, as Python evaluates them."""
    env = {"k": 4, "v": 2.5}
    assert value(text, **env) == eval(text, {"__builtins__": {}, "range": lambda *a: tuple(range(*a))}, env)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("range(10 ** 6)", "makes more than 100,000 items"),
        ("[i for i in range(1000) for j in range(1000)]", "runs more than 100,000 steps"),
        ("range(1, 5, 0)", "step must not be 0"),
        ("range(2.5)", "range() takes 1 to 3 integers"),
        ("[i for i in 3]", "a comprehension runs over a tuple, a list or range()"),
        ("f'{s}'", "an f-string formats numbers and text"),
        ("f'{k:q}'", "Unknown format code"),
        ("f'{n:>3}'", "unsupported format string passed to NoneType.__format__"),  # was a TypeError traceback
        ("[1] + (2,)", "expected a number"),
    ],
)
def test_lists_are_bounded_and_checked(text: str, message: str) -> None:
    with pytest.raises(LayerError) as caught:
        value(text, k=3, s=(1, 2), n=None)
    assert message in caught.value.message


# Generated arithmetic, evaluated by convcalc and by Python: the same value, or both refuse.
NAMES = {"a": 7, "b": -3, "c": 2.5, "n": None}
leaf = st.one_of(
    st.sampled_from(["a", "b", "c"]),
    st.integers(-20, 20).map(str),
    st.floats(-50, 50, allow_nan=False).map(lambda f: repr(round(f, 3))),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = st.sampled_from(["+", "-", "*", "/", "//", "%"])
    binary = st.tuples(children, operators, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    power = st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]} ** {t[1]})")
    unary_names = st.sampled_from(["int", "round", "abs", "math.ceil", "math.floor"])
    unary = st.tuples(unary_names, children).map(lambda t: f"{t[0]}({t[1]})")
    pair = st.tuples(st.sampled_from(["min", "max"]), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
    rounded = st.tuples(children, st.integers(-2, 3)).map(lambda t: f"round({t[0]}, {t[1]})")
    choice = st.tuples(children, st.sampled_from(["<", "<=", "==", "!="]), children, children, children).map(
        lambda t: f"({t[3]} if {t[0]} {t[1]} {t[2]} else {t[4]})"
    )
    default = st.tuples(children).map(lambda t: f"({t[0]} if n is None else n)")
    boolean = st.tuples(children, st.sampled_from(["and", "or"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    return st.one_of(binary, power, unary, pair, rounded, choice, default, boolean)


expressions = st.recursive(leaf, _combine, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(expressions)
def test_generated_arithmetic_evaluates_as_python_does(text: str) -> None:
    try:
        expected: object = python(text, **NAMES)
    except (ZeroDivisionError, OverflowError, ValueError, TypeError):
        expected = LayerError
    if isinstance(expected, complex):
        expected = LayerError  # a negative number to a fractional power: refused
    if isinstance(expected, int | float) and not isinstance(expected, bool) and not abs(expected) <= LIMIT:
        expected = LayerError  # convcalc's bound on any number
    try:
        found: object = value(text, **NAMES)
    except LayerError:
        found = LayerError
    if isinstance(expected, float) and isinstance(found, float) and math.isnan(expected):
        assert math.isnan(found)
    else:
        assert found == expected and type(found) is type(expected), text


# --- Helper formulas: `functions:`

MOBILENET = """
    framework: pytorch
    input: [3, 32, 32]
    functions:
      # torchvision/models/_utils.py
      _make_divisible(v, divisor, min_value=None):
        - min_value = divisor if min_value is None else min_value
        - new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
        - new_v + divisor if new_v < 0.9 * v else new_v
      width(channels, mult=0.75): _make_divisible(channels * mult, 8)
    blocks:
      conv:
        params: [out]
        layers:
          - Conv2d(shape(input)[1], out, 3, padding=1)
    layers:
      - Conv2d(3, width(16), 3)
      - {type: Conv2d, in_channels: "width(16)", out_channels: "_make_divisible(96 * 0.35, 8)", kernel_size: 1}
      - conv(_make_divisible(24, 8, min_value=32))
      - Conv2d(32, _make_divisible(10, 8) * 2, 1)
"""


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision/models/_utils.py `_make_divisible`, as published, the test's oracle."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


HELPERS = load_text(textwrap.dedent(MOBILENET), "<test>").functions


def test_helper_formulas_are_written_once_and_called_anywhere() -> None:
    result = report(MOBILENET)
    widths = [row.output_shape[1] for row in result.rows]
    assert widths == [
        make_divisible(16 * 0.75, 8),
        make_divisible(96 * 0.35, 8),
        make_divisible(24, 8, 32),
        make_divisible(10, 8) * 2,
    ]


@settings(max_examples=300, deadline=None)
@given(st.floats(0.01, 4096, allow_nan=False), st.sampled_from([1, 3, 4, 8, 16]), st.one_of(st.none(), st.integers(1, 64)))
def test_make_divisible_as_a_helper_is_torchvisions(v: float, divisor: int, min_value: int | None) -> None:
    found = apply(HELPERS["_make_divisible"], (v, divisor), {"min_value": min_value}, HELPERS)
    assert found == make_divisible(v, divisor, min_value)


@pytest.mark.parametrize(
    ("functions", "message"),
    [
        ("f(x): g(x)\n  g(x): f(x) + 1", "CC003 function 'f' calls itself (f -> g -> f)"),
        ("f(x): f(x)", "function 'f' calls itself (f -> f)"),
        ("f(x): x + y", "CC105 unknown name 'y' in function 'f'"),
        ("f(x): h(x)", "function 'f' calls 'h', which is not a function"),
        ("f(x):\n    - y = x\n    - y = 2", "last step is its result"),
        ("f(x):\n    - x + 1\n    - 2", "a step before the last assigns a name"),
        ("f(x, x): x", "parameter 'x' appears twice"),
        ("max(x): x", "'max' is a builtin of block arithmetic"),
        ("f: 3", "a function is written name(parameters)"),
        ("f(x): __import__('os')", "function 'f' calls '__import__', which is not a function"),
        ("f(x): x.real", "'x.real' is not allowed in a function"),
        ("f(x): shape(x)", "calls shape(), which reads layers"),
        ("f(x=[1, y]): x", "the default of f's 'x'"),
    ],
)
def test_bad_helpers_are_errors_at_their_definition(functions: str, message: str) -> None:
    text = problem(f"input: [4]\nfunctions:\n  {functions}\nlayers:\n  - Dense(2)\n")
    assert message in text
    assert text.split(":")[1] in ("3", "4", "5")  # the definition's line, or its step's


def test_a_helper_called_badly_is_an_error_at_the_argument() -> None:
    spec = "framework: pytorch\ninput: [4]\nfunctions:\n  half(v, d=2): v // d\nlayers:\n  - Linear(4, {call})\n"
    assert report(spec.format(call="half(9)")).output_shape == (None, 4)
    assert ":6:15: CC104 half() takes 2 arguments (v, d), found 3" in problem(spec.format(call="half(1, 2, 3)"))
    assert "CC103 half() has no parameter 'e'" in problem(spec.format(call="half(1, e=2)"))
    assert "CC104 half() needs the argument 'v'" in problem(spec.format(call="half(d=2)"))
    assert "division by zero in 'v // d' (in half)" in problem(spec.format(call="half(1, 0) + 1"))


def test_a_block_parameter_cannot_hide_a_function() -> None:
    text = problem("input: [4]\nfunctions:\n  w(x): x\nblocks:\n  b:\n    params: [w]\n    layers: [Dense(w)]\nlayers: [b(2)]\n")
    assert "'w' cannot be a block parameter's name: it is a function" in text


# --- shape(name): any input a block receives, by name


def test_a_block_reads_the_shape_of_a_second_input_by_name() -> None:
    result = report("""
        framework: pytorch
        input: [8, 16, 16]
        blocks:
          cell:                       # NASNet's cells take the previous two outputs
            params: [prev, out]
            layers:
              - Conv2d(shape(prev)[1], out, 1, inputs=prev, name="adjust")
              - Conv2d(shape(input)[1], out, 1, inputs=input, name="here")
              - Add(inputs=[adjust, here])
        layers:
          - Conv2d(8, 12, 3, padding=1, name="stem")
          - Conv2d(12, 20, 3, padding=1)
          - cell(stem, 6)
          - cell(prev="conv2d", out=6, name=again)
    """)
    weights = {row.name: row.weights[0].shape for row in result.rows if row.weights}
    assert weights["cell.adjust"] == (6, 12, 1, 1) and weights["cell.here"] == (6, 20, 1, 1)
    assert weights["again.adjust"] == (6, 20, 1, 1) and weights["again.here"] == (6, 6, 1, 1)


def test_shape_of_a_name_that_is_nowhere_is_an_error_at_the_argument() -> None:
    text = problem("framework: pytorch\ninput: [4]\nlayers:\n  - Linear(shape(nothing)[1], 2)\n")
    assert ":4:12: CC105 shape(nothing): no layer named 'nothing' before this point" in text


def test_a_list_of_names_feeds_every_earlier_layer_as_densenet_does() -> None:
    """torchvision's _DenseBlock: each layer concatenates the block's input and every layer
    before it; the names, made in a loop, are given to the block that uses them and looked up
    where it is written (a ModuleDict inside a block here)."""
    result = report("""
        framework: pytorch
        input: [4, 8, 8]
        blocks:
          dense_layer:
            params: [width, prev_features]
            layers:
              - Concat(1, inputs=prev_features)
              - Conv2d(width, 2, 3, padding=1, name="conv")
          dense_block:
            container: ModuleDict
            params: [num_layers, width]
            layers:
              - dense_layer(width + (copy - 1) * 2, ["input"] + [f"layer{i}" for i in range(1, copy)],
                            name="layer{copy}", repeat=num_layers)
              - Concat(1, inputs=["input"] + [f"layer{i}" for i in range(1, num_layers + 1)], name="cat")
          net:
            layers:
              - Conv2d(4, 4, 1, name="stem")
              - dense_block(3, 4, name="block")
        layers:
          - net()
    """)
    rows = {row.name: row for row in result.rows}
    assert rows["net.block.layer3.concat"].inputs == ("net.stem", "net.block.layer1.conv", "net.block.layer2.conv")
    assert rows["net.block.layer3.concat"].output_shape == (None, 8, 8, 8)
    assert rows["net.block.cat"].output_shape == (None, 10, 8, 8)


@pytest.mark.parametrize(
    "text",
    [
        "filters * 4", "(k, k // 2)", "x[1:]", "x[-1] if a and not b else -c", "a < b <= c is None", "b'x'", "1j * 2",
        "f'{name}_conv{i:02d}'", "x.real", "(y := 2)", "lambda: 1", "[a for a in b]", "a @ b", "~a", "a | b", "f(*a)",
        "max(a, b)", "math.ceil(a)", "del_ + 1", "a in (1, 2)", "{'a': 1}", "{1, 2}", "a[b][c]", "'a' 'b'", "...",
    ],
)  # fmt: skip
def test_the_quick_look_at_arithmetic_agrees_with_the_closer_one(text: str) -> None:
    """allowed() passes plain arithmetic at a glance: only where the closer look passes it too."""
    from convcalc.spec.expr import _closer_look, allowed

    tree = ast.parse(text, mode="eval")
    assert (allowed(tree) is None) == (_closer_look(tree) is None), text


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_parts_are_the_nodes_ast_walk_gives(text: str) -> None:
    """expr.parts (allowed(), an Expr's names and calls) gathers every node ast.walk does."""
    from convcalc.spec.expr import parts

    tree = ast.parse(f"[{text} for i in range(a) if i]", mode="eval")
    assert sorted(map(id, parts(tree))) == sorted(map(id, ast.walk(tree)))


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_an_argument_ast_literal_eval_refuses_is_not_tried(text: str) -> None:
    """calls.NEVER_LITERAL: each node kind skipped is one ast.literal_eval refuses, whatever it holds."""
    from convcalc.spec.calls import NEVER_LITERAL

    for node in ast.walk(ast.parse(f"[{text}, f'{{{text}}}', x[{text}], {text} < 1]", mode="eval")):
        if isinstance(node, NEVER_LITERAL):
            with pytest.raises(ValueError):
                ast.literal_eval(node)
