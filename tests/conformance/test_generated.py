"""Hundreds of generated layer stacks, each built in the real framework and in convcalc.

For every stack: the same layers accepted or rejected (rejected at the same layer), and for
accepted ones every layer's type, output shape, weights (name, shape, trainable) and parameter
counts equal. Ids name the family and number (test_keras_stack[pool-017]); the stack is
rebuilt with `generate("keras", "pool", 17)`.

    python tests/conformance/test_generated.py   # a tally of disagreements per family
"""

from __future__ import annotations

import os
from functools import cache

import pytest
from click.testing import CliRunner
from generate import FAMILIES, generate, ids
from oracle import NEEDS, Facts, Stack, convcalc_facts, explain, verdict

os.environ.setdefault("KERAS_BACKEND", "torch")  # as tests/conftest.py, for running this file as a script
pytest.importorskip("torch", reason=NEEDS)
pytest.importorskip("keras", reason=NEEDS)


pytestmark = pytest.mark.conformance


@cache
def case(framework: str, name: str) -> tuple[Stack, Facts]:
    family, number = name.rsplit("-", 1)
    return generate(framework, family, int(number))


def check(framework: str, name: str) -> None:
    stack, real = case(framework, name)
    ours = convcalc_facts(stack)
    problem = verdict(stack, real, ours)
    assert not problem, explain(stack, real, ours, problem)


@pytest.mark.parametrize("name", ids("keras"))
def test_keras_stack(name: str) -> None:
    check("keras", name)


@pytest.mark.parametrize("name", ids("pytorch"))
def test_pytorch_stack(name: str) -> None:
    check("pytorch", name)


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_verdict_catches_every_kind_of_difference(framework: str) -> None:
    """The comparison itself can fail: change one fact of a real answer and it must object."""
    from dataclasses import replace

    stack, real = next(c for c in (case(framework, n) for n in ids(framework)) if c[1].accepted and c[1].layers[0].weights)
    assert verdict(stack, real, real) == ""
    first = real.layers[0]
    weight = first.weights[0]
    changes = [
        replace(first, output_shape=(*first.output_shape[:-1], (first.output_shape[-1] or 0) + 1)),
        replace(first, type=first.type + "X"),
        replace(first, weights=(replace(weight, shape=(*weight.shape, 1)), *first.weights[1:])),
        replace(first, weights=(replace(weight, name="other"), *first.weights[1:])),
        replace(first, weights=(replace(weight, trainable=not weight.trainable), *first.weights[1:])),
        replace(first, weights=first.weights[1:] + first.weights[:1]) if len(first.weights) > 1 else replace(first, params=0),
        replace(first, params=first.params + 1),
        replace(first, non_trainable_params=first.non_trainable_params + 1),
    ]
    for changed in changes:
        ours = replace(real, source="convcalc", layers=(changed, *real.layers[1:]))
        assert verdict(stack, real, ours).startswith("wrong:"), changed
    rejected = replace(real, source="convcalc", layers=(), rejected_at=0, error="no", code="CC200")
    assert verdict(stack, real, rejected).startswith("wrong:")
    assert verdict(stack, rejected, real).startswith("wrong:")
    unknown = replace(rejected, code="CC101")
    assert verdict(stack, real, unknown).startswith("not implemented:")


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_generator_covers_both_outcomes(framework: str) -> None:
    """Each family mostly builds working stacks (so shapes are compared) and some the framework
    rejects (so rejections are compared): a generator that drifted would make the suite hollow."""
    for family, (_, count) in FAMILIES[framework].items():
        accepted = sum(case(framework, f"{family}-{i:03d}")[1].accepted for i in range(count))
        assert accepted >= 0.6 * count, f"{framework}/{family}: only {accepted} of {count} stacks are accepted"
        assert accepted < count, f"{framework}/{family}: the framework rejects none of {count} stacks"
        layers = sum(len(case(framework, f"{family}-{i:03d}")[0].layers) for i in range(count))
        assert layers >= count


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_cli_agrees_with_the_library(framework: str) -> None:
    """`convcalc summary - --format json` prints the same document (exit 0), or exits 2 with one
    message line where the library raises a SpecError."""
    import json

    import convcalc
    from convcalc import document
    from convcalc.cli.app import main
    from convcalc.errors import SpecError

    names = ids(framework)[::17]  # 17 is prime to BAD_EVERY, so some of these are meant to be rejected
    seen = {True: 0, False: 0}
    for name in names:
        stack, _ = case(framework, name)
        result = CliRunner().invoke(main, ["summary", "-", "--format", "json"], input=stack.yaml())
        try:
            expected = document(convcalc.summarize(stack.yaml(), "<stdin>"))
        except SpecError as exc:
            seen[False] += 1
            assert result.exit_code == 2, f"{name}: exit {result.exit_code}\n{result.output}"
            assert exc.diagnostic.message in result.output
            assert "Traceback" not in result.output
            continue
        seen[True] += 1
        assert result.exit_code == 0, f"{name}: exit {result.exit_code}\n{result.output}"
        assert json.loads(result.output) == expected
    assert seen[True] and seen[False], seen


def tally() -> None:
    """Print, per family, how many stacks agree, how many use a layer convcalc lacks, and the
    distinct disagreements with one example each."""
    import collections

    for framework in ("keras", "pytorch"):
        for family, (_, count) in FAMILIES[framework].items():
            kinds: collections.Counter[str] = collections.Counter()
            examples: dict[str, str] = {}
            for i in range(count):
                stack, real = case(framework, f"{family}-{i:03d}")
                ours = convcalc_facts(stack)
                problem = verdict(stack, real, ours)
                key = problem.split(":")[0] if problem else "agrees"
                kinds[key] += 1
                if problem and problem not in examples and len(examples) < 12:
                    examples[problem] = f"{family}-{i:03d}"
            print(f"{framework}/{family}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
            for problem, where in examples.items():
                print(f"    [{where}] {problem}")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    tally()
