"""How docs/examples/tiny-cnn.onnx was made: a small CNN exported by torch.onnx (torch 2.13, its
TorchScript exporter, constant folding on as by default, the batch left dynamic).

    python docs/examples/tiny-cnn.py docs/examples/tiny-cnn.onnx
"""

import sys

import torch
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.features(x))
        return self.classifier(x.view(x.size(0), -1))


if __name__ == "__main__":
    torch.manual_seed(0)
    model = TinyCNN().eval()
    torch.onnx.export(
        model,
        (torch.zeros(1, 3, 32, 32),),
        sys.argv[1],
        dynamo=False,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
    )
