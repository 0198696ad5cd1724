"""PyTorch code for specs/bert-base.yaml, written by `convcalc export`."""

import torch
from torch import nn


class EncoderLayer(nn.Module):
    def __init__(self, hidden=768, heads=12):
        super().__init__()
        self.attention = nn.MultiheadAttention(
            hidden, heads, dropout=0.1, batch_first=True
        )
        self.attention_dropout = nn.Dropout(0.1)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, 4 * hidden)
        self.gelu = nn.GELU()
        self.output = nn.Linear(4 * hidden, hidden)
        self.output_dropout = nn.Dropout(0.1)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x):
        out = self.attention(x, x, x)[0]
        out = self.attention_dropout(out)
        out = x + out
        attention_norm = self.attention_norm(out)
        out = self.intermediate(attention_norm)
        out = self.gelu(out)
        out = self.output(out)
        out = self.output_dropout(out)
        out = attention_norm + out
        out = self.output_norm(out)
        return out


class BertBase(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(30522, 768, padding_idx=0)
        self.position_embeddings = nn.Embedding(512, 768)
        self.token_type_embeddings = nn.Embedding(2, 768)
        self.embeddings_norm = nn.LayerNorm(768, eps=1e-12)
        self.embeddings_dropout = nn.Dropout(0.1)
        self.encoder = nn.Sequential()
        for i in range(1, 13):
            self.encoder.add_module(f"block{i}", EncoderLayer())
        self.pooler = nn.Linear(768, 768)
        self.pooler_activation = nn.Tanh()

    def forward(self, input_ids, token_type_ids, position_ids):
        word_embeddings = self.word_embeddings(input_ids)
        position_embeddings = self.position_embeddings(position_ids)
        x = self.token_type_embeddings(token_type_ids)
        x = word_embeddings + position_embeddings + x
        x = self.embeddings_norm(x)
        x = self.embeddings_dropout(x)
        encoder = self.encoder(x)
        x = encoder.select(1, 0)
        x = self.pooler(x)
        pooler_activation = self.pooler_activation(x)
        return encoder, pooler_activation


if __name__ == "__main__":
    model = BertBase()
    # 109,482,240 parameters by convcalc's count
    print(sum(p.numel() for p in model.parameters()))
    input_ids = torch.zeros(1, 512, dtype=torch.long)
    token_type_ids = torch.zeros(1, 512, dtype=torch.long)
    position_ids = torch.zeros(1, 512, dtype=torch.long)
    for output in model(input_ids, token_type_ids, position_ids):
        print(output.shape)
