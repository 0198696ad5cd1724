"""PyTorch code for specs/pytorch-mobilenet_v2.yaml, written by `convcalc export`."""

import torch
from torch import nn


class ConvBn(nn.Module):
    def __init__(self, inp=None, out=None, kernel=3, stride=1, groups=1):
        super().__init__()
        self.conv2d = nn.Conv2d(
            inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False
        )
        self.batchnorm2d = nn.BatchNorm2d(out)
        self.relu6 = nn.ReLU6(inplace=True)

    def forward(self, x):
        x = self.conv2d(x)
        x = self.batchnorm2d(x)
        x = self.relu6(x)
        return x


class Inverted(nn.Module):
    def __init__(self, inp, out, stride):
        super().__init__()
        self.expand = ConvBn(inp, inp * 6, 1)
        self.depthwise = ConvBn(inp * 6, inp * 6, 3, stride, groups=inp * 6)
        self.project = nn.Conv2d(inp * 6, out, 1, bias=False)
        self.batchnorm2d = nn.BatchNorm2d(out)

    def forward(self, x):
        x = self.expand(x)
        x = self.depthwise(x)
        x = self.project(x)
        x = self.batchnorm2d(x)
        return x


class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.inverted = Inverted(channels, channels, 1)

    def forward(self, x):
        out = self.inverted(x)
        out = out + x
        return out


class Bottleneck(nn.Module):
    """Block bottleneck, as c24 uses it."""

    def __init__(self, inp, out, stride, n):
        super().__init__()
        self.inverted = Inverted(inp, out, stride)
        self.residual = Residual(out)

    def forward(self, x):
        x = self.inverted(x)
        x = self.residual(x)
        return x


class Bottleneck2(nn.Module):
    """Block bottleneck, as c32, c64, c96 and c160 use it."""

    def __init__(self, inp, out, stride, n):
        super().__init__()
        self.inverted = Inverted(inp, out, stride)
        self.residual = nn.Sequential()
        for i in range(n - 1):
            self.residual.add_module(f"block{i + 1}", Residual(out))

    def forward(self, x):
        x = self.inverted(x)
        x = self.residual(x)
        return x


class PytorchMobilenetV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBn(3, 32, 3, 2)
        self.depthwise = ConvBn(32, 32, 3, groups=32)
        self.project = nn.Conv2d(32, 16, 1, bias=False)
        self.batchnorm2d = nn.BatchNorm2d(16)
        self.c24 = Bottleneck(16, 24, 2, 2)
        self.c32 = Bottleneck2(24, 32, 2, 3)
        self.c64 = Bottleneck2(32, 64, 2, 4)
        self.c96 = Bottleneck2(64, 96, 1, 3)
        self.c160 = Bottleneck2(96, 160, 2, 3)
        self.c320 = Inverted(160, 320, 1)
        self.last = ConvBn(320, 1280, 1)
        self.adaptiveavgpool2d = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.2)
        self.linear = nn.Linear(1280, 1000)

    def forward(self, x):
        x = self.stem(x)
        x = self.depthwise(x)
        x = self.project(x)
        x = self.batchnorm2d(x)
        x = self.c24(x)
        x = self.c32(x)
        x = self.c64(x)
        x = self.c96(x)
        x = self.c160(x)
        x = self.c320(x)
        x = self.last(x)
        x = self.adaptiveavgpool2d(x)
        x = self.flatten(x)
        x = self.dropout(x)
        x = self.linear(x)
        return x


if __name__ == "__main__":
    model = PytorchMobilenetV2()
    # 3,504,872 parameters by convcalc's count
    print(sum(p.numel() for p in model.parameters()))
    x = torch.zeros(1, 3, 224, 224)
    print(model(x).shape)
