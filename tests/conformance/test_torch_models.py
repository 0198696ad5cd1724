"""The bundled PyTorch specs of published networks against the same networks built with torch.nn.

torchvision does not import beside torch 2.13.0 here, so each network is built in this file
from plain torch.nn modules, following the papers and the structure torchvision documents
(torchvision/models/alexnet.py, vgg.py, resnet.py, mobilenetv2.py; the U-Net as
milesial/Pytorch-UNet's unet/unet_parts.py). Each runs on a zero tensor with a forward hook on
every leaf module, and convcalc's report must agree with it:

- the total parameter count equals the torch model's, and torchvision's documented
  `num_params` (pytorch.org/vision/stable/models.html, each model's page) where there is one;
- layer by layer, as a multiset of (module class, output shape without the batch, parameters
  by name and shape, parameter count). Names differ (specs scope names by block), so rows are
  matched as a multiset, which still pins every single layer. convcalc's merge rows (Add,
  Concat) stand for torch functions (`out += identity`, torch.cat), which no hook sees: they
  are left out, as torch's functional ops are.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the conformance suite needs torch (pip install torch)")
nn = torch.nn

from convcalc import summarize  # noqa: E402
from convcalc.errors import SpecError  # noqa: E402

pytestmark = pytest.mark.conformance
SPECS = Path(__file__).parents[2] / "specs"
MERGES = {"Add", "Multiply", "Concat"}  # convcalc's own PyTorch merges: functions in torch


class Residual(nn.Module):
    """body(x) + shortcut(x) (the identity when there is none), then `after`: the sum is the
    `+` of torchvision's forward methods, a function no hook sees."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None, after: nn.Module | None = None) -> None:
        super().__init__()
        self.body, self.shortcut, self.after = body, shortcut, after

    def forward(self, x):  # type: ignore[no-untyped-def]
        y = self.body(x) + (x if self.shortcut is None else self.shortcut(x))
        return y if self.after is None else self.after(y)


def alexnet() -> nn.Module:
    """torchvision's AlexNet: features, AdaptiveAvgPool2d((6, 6)), flatten, classifier."""
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(256 * 6 * 6, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(inplace=True),
        nn.Linear(4096, 1000),
    )


def vgg16() -> nn.Module:
    """Configuration D of Simonyan & Zisserman (Table 1): "M" is a 2x2 max pool."""
    layers: list[nn.Module] = []
    channels = 3
    for width in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if width == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, int(width), 3, padding=1), nn.ReLU(inplace=True)]
            channels = int(width)
    head = [nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True)]
    head += [nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers, *head)


def conv_bn(inp: int, out: int, kernel: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    """A bias-free convolution that keeps the size at stride 1, and the BatchNorm2d after it."""
    return [nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(out)]


def resnet_block(inp: int, planes: int, stride: int, bottleneck: bool) -> nn.Module:
    """He et al.'s basic block (two 3x3) or bottleneck (1x1, 3x3, 1x1 x4), as torchvision
    builds them: the stride on the 3x3 (v1.5), a 1x1 projection + BatchNorm2d shortcut where the
    size or the width changes, ReLU after the sum."""
    relu = nn.ReLU(inplace=True)
    if bottleneck:
        out = planes * 4
        body = [*conv_bn(inp, planes, 1), relu, *conv_bn(planes, planes, 3, stride), relu, *conv_bn(planes, out, 1)]
    else:
        out = planes
        body = [*conv_bn(inp, planes, 3, stride), relu, *conv_bn(planes, planes, 3)]
    shortcut = None if stride == 1 and inp == out else nn.Sequential(*conv_bn(inp, out, 1, stride))
    return Residual(nn.Sequential(*body), shortcut, nn.ReLU(inplace=True))


def resnet(blocks: tuple[int, int, int, int], bottleneck: bool) -> nn.Module:
    """Table 1 of He et al.: a 7x7 stem and max pool, four stages, global pooling, fc."""
    layers: list[nn.Module] = [*conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    inp = 64
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
        for index in range(count):
            layers.append(resnet_block(inp, planes, 2 if stage > 0 and index == 0 else 1, bottleneck))
            inp = planes * 4 if bottleneck else planes
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(inp, 1000))


def mobilenet_v2() -> nn.Module:
    """Table 2 of Sandler et al., rows (t, c, n, s); ReLU6; linear bottlenecks; Dropout + Linear."""

    def activated(*args: int, **kwargs: int) -> list[nn.Module]:
        return [*conv_bn(*args, **kwargs), nn.ReLU6(inplace=True)]

    layers: list[nn.Module] = activated(3, 32, 3, 2)
    inp = 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for index in range(n):
            stride, hidden = (s if index == 0 else 1), inp * t
            expand = activated(inp, hidden, 1) if t != 1 else []
            body = nn.Sequential(*expand, *activated(hidden, hidden, 3, stride, groups=hidden), *conv_bn(hidden, c, 1))
            layers.append(Residual(body) if stride == 1 and inp == c else body)
            inp = c
    layers += activated(inp, 1280, 1)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 1000))


def double_conv(inp: int, out: int) -> nn.Sequential:
    """U-Net's two 3x3 convolutions, here with padding 1, BatchNorm2d and ReLU (biases kept)."""
    layers: list[nn.Module] = []
    for a in (inp, out):
        layers += [nn.Conv2d(a, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class UNetUp(nn.Module):
    """ConvTranspose2d(2, stride=2) halves the width, torch.cat puts the skip first, double conv."""

    def __init__(self, inp: int, out: int) -> None:
        super().__init__()
        self.up, self.conv = nn.ConvTranspose2d(inp, inp // 2, 2, stride=2), double_conv(inp, out)

    def forward(self, x, skip):  # type: ignore[no-untyped-def]
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNet(nn.Module):
    """Ronneberger et al.'s Fig. 1 with padded convolutions: widths 64 ... 1024, a 1x1 head."""

    def __init__(self, channels: int = 1, classes: int = 2) -> None:
        super().__init__()
        widths = (64, 128, 256, 512, 1024)
        self.inc = double_conv(channels, widths[0])
        self.downs = nn.ModuleList(nn.Sequential(nn.MaxPool2d(2), double_conv(a, b)) for a, b in pairwise(widths))
        self.ups = nn.ModuleList(UNetUp(b, a) for a, b in reversed(list(pairwise(widths))))
        self.outc = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


# spec -> (torch.nn builder, input shape without the batch, torchvision's num_params as its
# documentation page publishes it, or None where nothing is published)
MODELS = {
    "pytorch-alexnet.yaml": (alexnet, (3, 224, 224), 61_100_840),
    "pytorch-vgg16.yaml": (vgg16, (3, 224, 224), 138_357_544),
    "pytorch-resnet18.yaml": (lambda: resnet((2, 2, 2, 2), bottleneck=False), (3, 224, 224), 11_689_512),
    "pytorch-resnet50.yaml": (lambda: resnet((3, 4, 6, 3), bottleneck=True), (3, 224, 224), 25_557_032),
    "pytorch-mobilenet_v2.yaml": (mobilenet_v2, (3, 224, 224), 3_504_872),
    "pytorch-unet.yaml": (UNet, (1, 256, 256), None),
}


def torch_layers(model: nn.Module, shape: tuple[int, ...]) -> tuple[Counter[tuple], tuple[int, ...]]:
    """Every call of every leaf module on a zero tensor of batch 1: (class, output shape without
    the batch, ((parameter name, shape), ...), parameter count); and the model's output shape."""
    seen: Counter[tuple] = Counter()

    def record(module: nn.Module, _inputs: object, output: object) -> None:
        params = tuple((name, tuple(p.shape)) for name, p in module.named_parameters(recurse=False))
        count = sum(p.numel() for p in module.parameters(recurse=False))
        seen[(type(module).__name__, tuple(output.shape[1:]), params, count)] += 1  # type: ignore[attr-defined]

    for module in model.modules():
        if not any(True for _ in module.children()):
            module.register_forward_hook(record)
    with torch.no_grad():
        output = model.eval()(torch.zeros(1, *shape))
    return seen, tuple(output.shape[1:])


def convcalc_layers(report: object) -> Counter[tuple]:
    return Counter(
        (r.type, r.output_shape[1:], tuple((w.name, w.shape) for w in r.weights), r.params)
        for r in report.rows  # type: ignore[attr-defined]
        if r.type not in MERGES
    )


@pytest.fixture(scope="module", params=sorted(MODELS), ids=lambda name: name.removesuffix(".yaml"))
def case(request: pytest.FixtureRequest) -> tuple[str, object, nn.Module]:
    name = request.param
    path = SPECS / name
    if not path.exists():
        pytest.fail(f"{name} is missing from specs/")
    return name, summarize(path.read_text(), str(path)), MODELS[name][0]()


def test_total_parameters_match_torch_and_the_published_figure(case) -> None:
    name, report, model = case
    real = sum(p.numel() for p in model.parameters())
    assert report.totals.params == real
    assert report.totals.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    published = MODELS[name][2]
    if published is not None:
        assert real == published  # the torch.nn builder is torchvision's network
        assert report.totals.params == published


def test_every_layer_matches_torch(case) -> None:
    name, report, model = case
    real, output = torch_layers(model, MODELS[name][1])
    ours = convcalc_layers(report)
    assert report.output_shape[1:] == output
    missing, extra = real - ours, ours - real
    assert not missing and not extra, f"{name}: torch only {dict(missing)}\nconvcalc only {dict(extra)}"
    # the rows left out stand for torch's functions: one Add per residual `+`, one Concat per torch.cat
    merges = Counter(r.type for r in report.rows if r.type in MERGES)
    additions = sum(isinstance(m, Residual) for m in model.modules())
    concatenations = sum(isinstance(m, UNetUp) for m in model.modules())
    assert merges == Counter(Add=additions, Concat=concatenations) - Counter()


def test_unet_at_the_papers_572_fails_in_both() -> None:
    """With padding=1 the sides must divide by 16: 572 pools to 35, up-samples to 70, and meets a
    71x71 skip. torch.cat refuses; so does convcalc, naming both shapes."""
    text = (SPECS / "pytorch-unet.yaml").read_text().replace("input: [1, 256, 256]", "input: [1, 572, 572]")
    with torch.device("meta"), pytest.raises(RuntimeError, match="Expected 71 in dimension 2 but got 70"):
        UNet()(torch.zeros(1, 1, 572, 572))  # shapes only: the meta device computes nothing
    with pytest.raises(SpecError) as caught:
        summarize(text, "unet-572.yaml")
    problem = caught.value.diagnostic.text()
    assert "CC200" in problem and "(None, 512, 71, 71)" in problem and "(None, 512, 70, 70)" in problem
