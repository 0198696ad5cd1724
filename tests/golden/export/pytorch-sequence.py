"""PyTorch code for tests/specs/export/pytorch-sequence.yaml, written by `convcalc
export`."""

import torch
from torch import nn


class PytorchSequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.from_h = nn.Linear(32, 8)
        self.from_c = nn.Linear(32, 8)
        self.gru = nn.GRU(32, 16, batch_first=True)
        self.att = nn.MultiheadAttention(16, 2, batch_first=True)
        self.head = nn.Linear(16, 4)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(16, 2, 32, batch_first=True),
            2,
            norm=nn.LayerNorm(16),
        )

    def forward(self, x):
        x = self.embed(x)
        lstm = self.lstm(x)
        from_h = self.from_h(lstm[1][0])
        from_c = self.from_c(lstm[1][1])
        gru = self.gru(lstm[0])[0]
        att = self.att(gru, gru, gru)
        head = self.head(att[0])
        x = self.encoder(gru)
        last = x.select(1, -1)
        return head, att[1], from_h, from_c, last


if __name__ == "__main__":
    model = PytorchSequence()
    # 16,564 parameters by convcalc's count
    print(sum(p.numel() for p in model.parameters()))
    x = torch.zeros(4, 12, dtype=torch.long)
    for output in model(x):
        print(output.shape)
