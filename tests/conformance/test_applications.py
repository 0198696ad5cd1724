"""The bundled specs of keras.applications against keras.applications itself, row for row.

Each spec in specs/ that writes a Keras Application lists its family in its header
(applications.py reads it). For each member, the real model is built (weights=None,
include_top=True, its default input) and every row `model.summary()` shows (layers and keras.ops
operations, the layers of a model inside as `inner.layer`) must be a row of convcalc's report
under the same name, with the same class, output shape, parameter and non-trainable counts, and
convcalc may have no other row. The spec as written must also hold the real totals in its
`expect:` block. By default the first member of each family is checked (the spec as written);
CONVCALC_EVERY_APPLICATION=1 checks them all (about 40 models, a few minutes).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the conformance suite needs keras 3 (pip install torch keras)")

from applications import EVERY, differences, members, totals  # noqa: E402

from convcalc import load, summarize  # noqa: E402

pytestmark = pytest.mark.conformance
MEMBERS = members()


def test_every_application_of_keras_is_written() -> None:
    """Every model keras.applications offers (RegNet left tf.keras with Keras 3) is a member of
    a family in specs/."""
    offered = {name for name in dir(keras.applications) if name[0].isupper()}
    written = {member.factory for member in members(every=True)}
    assert offered - written == set() and written - offered == set()


@pytest.mark.parametrize("member", MEMBERS, ids=repr)
def test_spec_matches_keras_applications_row_for_row(member) -> None:
    report = summarize(member.text())
    model = member.build()
    differ = differences(report, model)
    assert not differ, f"{len(differ)} rows differ (Keras's, convcalc's): {dict(sorted(differ.items())[:8])}"
    assert (report.totals.params, report.totals.non_trainable_params) == totals(model)
    if member.first:
        expect = load(str(member.spec)).expect
        assert expect is not None
        assert (expect.values["params"], expect.values["non_trainable_params"]) == totals(model)


@pytest.mark.skipif(EVERY, reason="every member is checked above")
def test_each_family_lists_members_that_compute() -> None:
    """Without the real models: every member of every family is a spec convcalc computes, with
    the published total the header gives where keras.io's table gives one."""
    for member in members(every=True):
        summarize(member.text())
