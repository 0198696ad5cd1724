"""PyTorch code for specs/pytorch-unet.yaml, written by `convcalc export`."""

import torch
from torch import nn


class DoubleConv(nn.Module):
    def __init__(self, inp, out):
        super().__init__()
        self.conv2d = nn.Conv2d(inp, out, 3, padding=1)
        self.batchnorm2d = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2d_1 = nn.Conv2d(out, out, 3, padding=1)
        self.batchnorm2d_1 = nn.BatchNorm2d(out)
        self.relu_1 = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.conv2d(x)
        x = self.batchnorm2d(x)
        x = self.relu(x)
        x = self.conv2d_1(x)
        x = self.batchnorm2d_1(x)
        x = self.relu_1(x)
        return x


class Down(nn.Module):
    def __init__(self, inp, out):
        super().__init__()
        self.maxpool2d = nn.MaxPool2d(2)
        self.double_conv = DoubleConv(inp, out)

    def forward(self, x):
        x = self.maxpool2d(x)
        x = self.double_conv(x)
        return x


class Up(nn.Module):
    def __init__(self, inp, out):
        super().__init__()
        self.convtranspose2d = nn.ConvTranspose2d(inp, inp // 2, 2, stride=2)
        self.double_conv = DoubleConv(inp, out)

    def forward(self, x, skip):
        x = self.convtranspose2d(x)
        x = torch.cat([skip, x], dim=1)
        x = self.double_conv(x)
        return x


class PytorchUnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inc = DoubleConv(1, 64)
        self.down1 = Down(64, 128)
        self.down2 = Down(128, 256)
        self.down3 = Down(256, 512)
        self.down4 = Down(512, 1024)
        self.up1 = Up(1024, 512)
        self.up2 = Up(512, 256)
        self.up3 = Up(256, 128)
        self.up4 = Up(128, 64)
        self.outc = nn.Conv2d(64, 2, 1)

    def forward(self, x):
        inc = self.inc(x)
        down1 = self.down1(inc)
        down2 = self.down2(down1)
        down3 = self.down3(down2)
        x = self.down4(down3)
        x = self.up1(x, down3)
        x = self.up2(x, down2)
        x = self.up3(x, down1)
        x = self.up4(x, inc)
        x = self.outc(x)
        return x


if __name__ == "__main__":
    model = PytorchUnet()
    # 31,042,434 parameters by convcalc's count
    print(sum(p.numel() for p in model.parameters()))
    x = torch.zeros(1, 1, 256, 256)
    print(model(x).shape)
