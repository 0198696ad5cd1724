"""The specs/ library of published networks: every spec passes `convcalc check`, and each one that
models a published network reproduces its published figure (sources below), both in its
`expect:` block and in what convcalc computes. No framework here: the layer-by-layer comparisons
are tests/conformance/test_torch_models.py (torch.nn) and test_applications.py (keras.applications).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import convcalc
from convcalc.cli.app import main
from convcalc.spec.loading import load_path

SPECS = Path(__file__).resolve().parent.parent / "specs"
ALL = sorted(SPECS.glob("*.yaml"))

# The published figures: spec file -> (total params, non-trainable params).
PUBLISHED = {
    # torchvision's model documentation pages (pytorch.org/vision/stable/models.html), `num_params`
    # of each model's weights; torch counts parameters
    # only (BatchNorm's running statistics are buffers), so none is non-trainable.
    "pytorch-alexnet.yaml": (61_100_840, 0),
    "pytorch-vgg16.yaml": (138_357_544, 0),
    "pytorch-resnet18.yaml": (11_689_512, 0),
    "pytorch-resnet50.yaml": (25_557_032, 0),
    "pytorch-mobilenet_v2.yaml": (3_504_872, 0),
    "pytorch-swin_t.yaml": (28_288_354, 0),
    # keras.io, "Keras Applications" (https://keras.io/api/applications/, rounded there: 25.6M);
    # exactly, and the non-trainable counts, model.summary() of keras.applications with weights=None
    "keras-vgg16.yaml": (138_357_544, 0),
    "keras-resnet50.yaml": (25_636_712, 53_120),
    "keras-mobilenetv2.yaml": (3_538_984, 34_112),
    "keras-densenet121.yaml": (8_062_504, 83_648),
    "keras-efficientnetb0.yaml": (5_330_571, 42_023),
    "keras-inceptionv3.yaml": (23_851_784, 34_432),
    "keras-resnet50v2.yaml": (25_613_800, 45_440),
    "keras-mobilenet.yaml": (4_253_864, 21_888),
    "keras-xception.yaml": (22_910_480, 54_528),
    # Hugging Face model cards (openai-community/gpt2: 124M; google-bert/bert-base-uncased: 110M),
    # exactly as transformers counts them: GPT-2 small with its tied head counted once; BERT-base
    # encoder with pooler
    "gpt2-small.yaml": (124_439_808, 0),
    "bert-base.yaml": (109_482_240, 0),
    # Meta's model cards (Llama 2: 7B; Llama 3.2: 1.23B), exactly as transformers counts
    # LlamaForCausalLM built from each config.json (tests/conformance/test_llama.py), the tied
    # head of Llama 3.2 counted once
    "llama-2-7b.yaml": (6_738_415_616, 0),
    "llama-3.2-1b.yaml": (1_235_814_400, 0),
}
TORCHVISION = [name for name in PUBLISHED if name.startswith("pytorch-")]
# The same table's figures for the other members of a family a spec writes (the spec with the
# member's arguments, as its header lists them: tests/conformance/applications.py).
PUBLISHED_MEMBERS = {"VGG19": (143_667_240, 0)}


def test_the_pytorch_library_is_there() -> None:
    # issue 3, "specs/ library": pytorch alexnet, vgg16, resnet18, resnet50, mobilenet_v2, a U-Net.
    names = {path.name for path in ALL}
    assert {*TORCHVISION, "pytorch-unet.yaml"} <= names


@pytest.mark.parametrize("path", ALL, ids=[path.stem for path in ALL])
def test_check_passes_and_published_figures_hold(path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(path)])
    assert (result.exit_code, result.output) == (0, "")
    if path.name not in PUBLISHED:
        return
    total, frozen = PUBLISHED[path.name]
    # the spec states the published figure, so `check` passing above means convcalc computes it
    expect = load_path(str(path)).expect
    assert expect is not None
    assert (expect.values["params"], expect.values["non_trainable_params"]) == (total, frozen)
    totals = convcalc.summarize(path.read_text(), str(path)).totals
    assert (totals.params, totals.trainable_params, totals.non_trainable_params) == (total, total - frozen, frozen)


@pytest.mark.parametrize("name", TORCHVISION, ids=[name.removesuffix(".yaml") for name in TORCHVISION])
def test_summary_prints_the_published_total(name: str) -> None:
    # issue 3, "Done means": `convcalc summary specs/<each>.yaml` prints the published totals.
    result = CliRunner().invoke(main, ["summary", str(SPECS / name), "--color", "never"])
    assert result.exit_code == 0
    assert f"Total params: {PUBLISHED[name][0]:,} (" in result.output


@pytest.mark.parametrize("factory", sorted(PUBLISHED_MEMBERS))
def test_family_members_compute_their_published_figures(factory: str) -> None:
    from conformance.applications import members

    (member,) = [m for m in members(every=True) if m.factory == factory]
    totals = convcalc.summarize(member.text()).totals
    assert (totals.params, totals.non_trainable_params) == PUBLISHED_MEMBERS[factory]


def test_the_unets_skips_are_concatenated_where_the_paper_draws_them() -> None:
    """Fig. 1 of Ronneberger et al.: each expanding step concatenates the contracting map of its
    own size, so every Concat joins two maps of one size and doubles the up-sampled width."""
    report = convcalc.summarize((SPECS / "pytorch-unet.yaml").read_text())
    concats = [row for row in report.rows if row.type == "Concat"]
    assert [row.inputs[0].split(".")[0] for row in concats] == ["down3", "down2", "down1", "inc"]
    # torch 2.13.0: torch.cat's outputs in the torch.nn U-Net of tests/conformance/test_torch_models.py
    assert [row.output_shape for row in concats] == [
        (None, 1024, 32, 32),
        (None, 512, 64, 64),
        (None, 256, 128, 128),
        (None, 128, 256, 256),
    ]
    assert all(len({shape[2:] for shape in row.input_shapes}) == 1 for row in concats)
