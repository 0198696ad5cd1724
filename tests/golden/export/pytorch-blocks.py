"""PyTorch code for tests/specs/export/pytorch-blocks.yaml, written by `convcalc
export`."""

import torch
from torch import nn


class Residual(nn.Module):
    """Block residual, as same uses it."""

    def __init__(self, inp=8, out=8, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(inp, out, 3, stride, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.conv(x)
        out = self.relu(out)
        out = out + x
        return out


class Residual2(nn.Module):
    """Block residual, as down uses it."""

    def __init__(self, inp=8, out=8, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(inp, out, 3, stride, 1)
        self.relu = nn.ReLU()
        self.projection = nn.Conv2d(inp, out, 1, stride)

    def forward(self, x):
        out = self.conv(x)
        relu = self.relu(out)
        out = self.projection(x)
        out = relu + out
        return out


class Widen(nn.Module):
    def __init__(self, factor=2, *, input_shape):
        super().__init__()
        self.conv = nn.Conv2d(input_shape[1], input_shape[1] * factor, 1)

    def forward(self, x):
        x = self.conv(x)
        return x


class Dilated(nn.Module):
    """Block dilated, as context.block1 uses it, worked out (its arithmetic reads
    copy)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 3, padding=1, dilation=1)

    def forward(self, x):
        x = self.conv(x)
        return x


class Dilated2(nn.Module):
    """Block dilated, as context.block2 uses it, worked out (its arithmetic reads
    copy)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 3, padding=2, dilation=2)

    def forward(self, x):
        x = self.conv(x)
        return x


class Dilated3(nn.Module):
    """Block dilated, as context.block3 uses it, worked out (its arithmetic reads
    copy)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 16, 3, padding=3, dilation=3)

    def forward(self, x):
        x = self.conv(x)
        return x


class Mix(nn.Module):
    """Block mix, as mixer.block1 uses it."""

    def __init__(self, channels=16):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        sum_ = x + x
        conv = self.conv(sum_)
        return conv, sum_


class Mix2(nn.Module):
    """Block mix, as mixer.block2 uses it."""

    def __init__(self, channels=16):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x, skip):
        x = x + skip
        x = self.conv(x)
        return x


class ExportBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.same = Residual()
        self.down = Residual2(8, 16, 2)
        self.keep = Widen(1, input_shape=(2, 16, 8, 8))
        self.stem = nn.Identity()
        self.mixer = nn.Sequential()
        self.mixer.add_module("block1", Mix())
        self.mixer.add_module("block2", Mix2())
        self.context = nn.Sequential()
        self.context.add_module("block1", Dilated())
        self.context.add_module("block2", Dilated2())
        self.context.add_module("block3", Dilated3())
        # self.forward_2 is 'forward' in the spec, which cannot be an attribute
        self.forward_2 = nn.Identity()
        # self.my_layer is 'my-layer' in the spec, which cannot be an attribute
        self.my_layer = nn.Identity()

    def forward(self, x):
        x = self.same(x)
        x = self.down(x)
        x = self.keep(x)
        stem = self.stem(x)
        mixer, sum_ = self.mixer.block1(stem)
        x = self.mixer.block2(mixer, stem)
        x = self.context(x)
        x = self.forward_2(x)
        x = self.my_layer(x)
        gate = x * mixer
        return gate, sum_


if __name__ == "__main__":
    model = ExportBlocks()
    # 9,672 parameters by convcalc's count
    print(sum(p.numel() for p in model.parameters()))
    x = torch.zeros(2, 8, 16, 16)
    for output in model(x):
        print(output.shape)
