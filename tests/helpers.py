"""What the test modules share: running a command as a user does, and comparing with golden files.

Imported as `from helpers import ...` (pytest puts tests/ on sys.path, as for conformance/oracle.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from convcalc.cli.app import main


def invoke(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """`convcalc ARGS...` run in-process by click's CliRunner: exit code, stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), input=input, env=env)


def compare(actual: str, golden: Path) -> None:
    """`actual` must be the golden file's text; UPDATE_GOLDEN=1 rewrites the file instead (review the diff)."""
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()


@contextmanager
def stand_in_holding_weights() -> Iterator[None]:
    """A PyTorch stand-in that holds weights, as parameter tensors do: `Scale(features)` is
    `x * self.scale`, `self.scale = nn.Parameter(torch.ones(features))`. Registered while the
    `with` lasts (the export's extension point, tried without a real one)."""
    from convcalc.frameworks import vocabulary
    from convcalc.frameworks.base import Code, Family, LayerType
    from convcalc.ops.tensor import Built, Weight
    from convcalc.signature import REQUIRED, Args, Signature

    def build(args: Args, shape: tuple[int | None, ...]) -> Built:
        return Built(shape, (Weight("scale", (args.int("features", 1),)),))

    code = Code("{0} * {self}", holds="nn.Parameter(torch.ones({features}))")
    types = vocabulary("pytorch").types
    types["Scale"] = LayerType("Scale", Signature((("features", REQUIRED),)), build, Family.ELEMENTWISE, own=True, code=code)
    try:
        yield
    finally:
        del types["Scale"]


SCALED = "framework: pytorch\ninput: [4, 8]\nlayers:\n- Linear(8, 8)\n- Scale(8, name='gain')\n- Linear(8, 2)\n"
"""A spec using the stand-in above."""
