"""Every answer of `convcalc solve` built in the real framework: the layer, given the input
length, must produce the wanted output length. Also the lengths an unsolvable ask reports as
reachable. Skipped when torch or keras is absent."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="the conformance suite needs torch")
keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3")

from convcalc.analysis.solve.length import Fixed, forward, settings, solve_length  # noqa: E402

pytestmark = pytest.mark.conformance

# (framework, operation, input, output, fixed)
PROBLEMS = [
    ("keras", "conv", 28, 14, Fixed()),
    ("keras", "conv", 28, 26, Fixed()),
    ("keras", "conv", 13, 5, Fixed()),
    ("keras", "transposed", 7, 28, Fixed()),
    ("keras", "transposed", 7, 14, Fixed()),
    ("keras", "transposed", 5, 11, Fixed()),
    ("keras", "pool", 28, 14, Fixed()),
    ("keras", "pool", 7, 3, Fixed()),
    ("pytorch", "conv", 28, 14, Fixed()),
    ("pytorch", "conv", 28, 28, Fixed(kernel=4)),
    ("pytorch", "conv", 13, 5, Fixed()),
    ("pytorch", "transposed", 7, 28, Fixed()),
    ("pytorch", "transposed", 7, 14, Fixed()),
    ("pytorch", "pool", 28, 14, Fixed()),
    ("pytorch", "pool", 7, 3, Fixed()),
    ("pytorch", "pool", 28, 14, Fixed(dilation=2)),
]


def real_length(framework: str, operation: str, setting, length: int) -> int:
    """The output length of the real 1-D layer (Conv1d, ConvTranspose1d, MaxPool1d; Keras's
    Conv1D, Conv1DTranspose, MaxPooling1D) on an input of `length`."""
    s = setting
    if framework == "pytorch":
        x = torch.zeros(1, 1, length)
        if operation == "conv":
            layer = torch.nn.Conv1d(1, 1, s.kernel, s.stride, s.padding, s.dilation)
        elif operation == "transposed":
            layer = torch.nn.ConvTranspose1d(1, 1, s.kernel, s.stride, s.padding, s.output_padding, dilation=s.dilation)
        else:
            layer = torch.nn.MaxPool1d(s.kernel, s.stride, s.padding, s.dilation, ceil_mode=s.ceil_mode)
        return int(layer(x).shape[-1])
    if operation == "conv":
        layer = keras.layers.Conv1D(1, s.kernel, s.stride, s.padding, dilation_rate=s.dilation)
    elif operation == "transposed":
        layer = keras.layers.Conv1DTranspose(1, s.kernel, s.stride, s.padding, s.output_padding, dilation_rate=s.dilation)
    else:
        layer = keras.layers.MaxPooling1D(s.kernel, s.stride, s.padding)
    return int(layer(keras.ops.zeros((1, length, 1))).shape[1])


@pytest.mark.parametrize(("framework", "operation", "length", "target", "fixed"), PROBLEMS)
def test_every_answer_gives_the_wanted_length_in_the_real_framework(framework, operation, length, target, fixed) -> None:
    answer = solve_length(length, target, framework, operation, fixed)
    assert answer.settings, answer.reason
    for setting in answer.settings:
        assert real_length(framework, operation, setting, length) == target, setting


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
@pytest.mark.parametrize("operation", ["conv", "transposed", "pool"])
def test_every_setting_the_solver_allows_has_the_forward_length_of_the_real_layer(framework, operation) -> None:
    """Not just the answers: each allowed setting (kernel <= 5, stride <= 3) on a few lengths."""
    from convcalc.analysis.solve.length import Bounds

    candidates, _ = settings(framework, operation, Fixed(), Bounds(kernel=5, stride=3, dilation=2))
    for length in (6, 9):
        for setting in candidates:
            out = forward(setting, length, framework, operation)
            if out is not None:
                assert real_length(framework, operation, setting, length) == out, (length, setting)


def test_the_reach_reported_for_an_unsolvable_ask_is_real() -> None:
    # "these settings give 9-14": Keras Conv1D with strides=2, padding="valid", kernel 1..11 on 28.
    answer = solve_length(28, 15, "keras", "conv", Fixed(stride=2, padding="valid"))
    assert "these settings give 9-14" in answer.reason
    reached = {int(keras.layers.Conv1D(1, k, 2)(keras.ops.zeros((1, 28, 1))).shape[1]) for k in range(1, 12)}
    assert reached == set(range(9, 15))


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
@pytest.mark.parametrize("operation", ["conv", "transposed", "pool"])
def test_the_solver_refuses_exactly_what_the_framework_refuses(framework, operation) -> None:
    from itertools import product

    from convcalc.analysis.solve.length import Setting, rejects

    paddings = ["valid", "same", 1] if framework == "keras" else ["valid", "same", 0, 1, 2, 3]
    extras = [None, 0, 1, 2, 3] if operation == "transposed" else [None]
    dilations = [1] if (framework, operation) == ("keras", "pool") else [1, 2]
    ceil_modes = [False, True] if (framework, operation) == ("pytorch", "pool") else [False]
    for kernel, stride, dilation, padding, extra, ceil in product(
        range(1, 5), (1, 2, 3), dilations, paddings, extras, ceil_modes
    ):
        if framework == "pytorch" and operation == "transposed" and extra is None:
            continue
        setting = Setting(kernel, stride, padding, dilation, extra, ceil)
        try:
            real_length(framework, operation, setting, 12)
            refused = False
        except (ValueError, RuntimeError, TypeError, AttributeError):
            refused = True
        assert bool(rejects(setting, framework, operation)) == refused, setting


# --- `solve SPEC` on a spec that fails: every change it lists, built in the real framework

BROKEN = ["broken-kernel.yaml", "broken-channels.yaml", "broken-twice.yaml"]


def _stack(spec):  # type: ignore[no-untyped-def]
    """A sequential spec as the oracle's Stack."""
    from oracle import L, Stack

    (item,) = spec.inputs
    return Stack(spec.framework, item.shape, tuple(L(layer.type, *layer.args, **layer.kwargs) for layer in spec.layers))


@pytest.mark.parametrize("name", BROKEN)
def test_every_repair_makes_the_real_network_build_as_convcalc_says(name: str) -> None:
    """The spec as written fails in the real framework where convcalc says it does; with each
    change `solve` lists, the framework builds it and agrees with convcalc layer by layer (or,
    for a change that only gets the failing layer computing, fails where convcalc says next)."""
    from pathlib import Path

    from oracle import convcalc_facts, framework_facts, verdict

    from convcalc.analysis.solve.repair import applied, repair
    from convcalc.spec.loading import load_path

    spec = load_path(str(Path(__file__).parent.parent / "golden" / "solve" / name))
    stack = _stack(spec)
    real = framework_facts(stack)
    assert not real.accepted and verdict(stack, real, convcalc_facts(stack)) == "", real
    answer = repair(spec)
    assert answer is not None and answer.changes
    for change in answer.changes:
        built = _stack(applied(spec, change))
        real = framework_facts(built)
        assert verdict(built, real, convcalc_facts(built)) == "", (change, real)
        assert real.accepted == (change.then is None), (change, real)
