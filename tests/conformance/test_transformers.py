"""specs/gpt2-small.yaml and specs/bert-base.yaml against the same networks built with torch.nn.

The two networks are written here from their papers, module by module, with plain torch.nn:
GPT-2 small (Radford et al. 2019: pre-LN decoder, final LayerNorm, output head tied to the
token embedding) and BERT-base (Devlin et al. 2019: post-LN encoder, token + position + segment
embeddings, pooler). They are counted as PyTorch counts (model.parameters(), which yields a
tied tensor once) and run once on integer ids, every module's output recorded by a forward
hook. They are built on PyTorch's meta device: real parameters and shapes, no data, so a run
takes seconds, not a CPU's minute. convcalc must agree with them on the total, on every module's parameter count (as a
multiset), on every module's weights, and on every module's output shape, in order; and both
totals must be the published ones (the Hugging Face model cards round them: 124M and 110M).

When Hugging Face transformers is importable (it is no dependency of convcalc), its own
GPT2LMHeadModel and BertModel are compared too.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from oracle import import_module

import convcalc
from convcalc.report import Report

torch = pytest.importorskip("torch")
nn = torch.nn

pytestmark = pytest.mark.conformance

SPECS = Path(__file__).resolve().parents[2] / "specs"

# The model cards (openai-community/gpt2: 124M; google-bert/bert-base-uncased: 110M), exactly.
GPT2_SMALL_PARAMS = 124_439_808
BERT_BASE_PARAMS = 109_482_240

# The modules that hold parameters in these networks; MultiheadAttention is one unit (its
# in_proj and its out_proj), as convcalc shows it.
HOLDERS = ("Embedding", "LayerNorm", "Linear", "MultiheadAttention")


def spec_report(name: str) -> Report:
    path = SPECS / name
    return convcalc.summarize(path.read_text(), str(path))


# --- GPT-2 small: vocabulary 50,257, 1,024 positions, 12 layers of width 768, 12 heads.


class GPT2Block(nn.Module):
    """x + attn(ln_1(x)), then x + mlp(ln_2(x)); the attention is causal."""

    def __init__(self, width: int = 768, heads: int = 12) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=0.1, batch_first=True)
        self.resid_dropout = nn.Dropout(0.1)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.act = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * width, width)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: Any) -> Any:
        length = x.shape[1]
        causal = torch.ones(length, length, dtype=torch.bool).triu(1)
        h = self.ln_1(x)
        x = x + self.resid_dropout(self.attn(h, h, h, attn_mask=causal)[0])
        return x + self.dropout(self.c_proj(self.act(self.c_fc(self.ln_2(x)))))


class GPT2(nn.Module):
    def __init__(self, vocabulary: int = 50257, positions: int = 1024, width: int = 768, layers: int = 12) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocabulary, width)
        self.wpe = nn.Embedding(positions, width)
        self.drop = nn.Dropout(0.1)
        self.h = nn.ModuleList(GPT2Block(width) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocabulary, bias=False)
        self.lm_head.weight = self.wte.weight  # tied: one tensor

    def forward(self, input_ids: Any, position_ids: Any) -> Any:
        x = self.drop(self.wte(input_ids) + self.wpe(position_ids))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


# --- BERT-base: vocabulary 30,522, 512 positions, 2 segments, 12 layers of width 768, 12 heads.


class BertLayer(nn.Module):
    """LayerNorm(x + attention(x)), then LayerNorm(x + output(gelu(intermediate(x))))."""

    def __init__(self, hidden: int = 768, heads: int = 12) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(hidden, heads, dropout=0.1, batch_first=True)
        self.attention_dropout = nn.Dropout(0.1)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, 4 * hidden)
        self.gelu = nn.GELU()
        self.output = nn.Linear(4 * hidden, hidden)
        self.output_dropout = nn.Dropout(0.1)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x: Any) -> Any:
        x = self.attention_norm(x + self.attention_dropout(self.attention(x, x, x)[0]))
        return self.output_norm(x + self.output_dropout(self.output(self.gelu(self.intermediate(x)))))


class Bert(nn.Module):
    def __init__(
        self, vocabulary: int = 30522, positions: int = 512, segments: int = 2, hidden: int = 768, layers: int = 12
    ) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocabulary, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(segments, hidden)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(0.1)
        self.encoder = nn.ModuleList(BertLayer(hidden) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.pooler_activation = nn.Tanh()

    def forward(self, input_ids: Any, token_type_ids: Any, position_ids: Any) -> tuple[Any, Any]:
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        x = self.dropout(self.embeddings_norm(x + self.token_type_embeddings(token_type_ids)))
        for layer in self.encoder:
            x = layer(x)
        return x, self.pooler_activation(self.pooler(x[:, 0]))  # the first ([CLS]) token


# --- What torch reports


def unique_params(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def holders(model: Any) -> list[tuple[str, Any]]:
    """The modules that hold parameters, named; a MultiheadAttention's out_proj belongs to it."""
    attention = [name for name, m in model.named_modules() if isinstance(m, nn.MultiheadAttention)]
    return [
        (name, m)
        for name, m in model.named_modules()
        if type(m).__name__ in HOLDERS and not any(name.startswith(a + ".") for a in attention)
    ]


def torch_module_counts(model: Any) -> Counter:
    """(type, parameters) per module; a tied tensor counts where it first appears, as PyTorch's
    model.parameters() yields it once."""
    seen: set[int] = set()
    counts: Counter = Counter()
    for _, module in holders(model):
        fresh = [p for p in module.parameters() if id(p) not in seen]
        seen.update(id(p) for p in fresh)
        counts[type(module).__name__, sum(p.numel() for p in fresh)] += 1
    return counts


def torch_module_weights(model: Any) -> Counter:
    """(type, ((name, shape), ...)) per module, tied tensors included where each is used."""
    return Counter((type(m).__name__, tuple((n, tuple(p.shape)) for n, p in m.named_parameters())) for _, m in holders(model))


def convcalc_module_counts(report: Report) -> Counter:
    return Counter((row.type, row.params) for row in report.rows if row.type in HOLDERS)


def convcalc_module_weights(report: Report) -> Counter:
    return Counter((row.type, tuple((w.name, w.shape) for w in row.weights)) for row in report.rows if row.type in HOLDERS)


def torch_outputs(model: Any, *inputs: Any) -> list[tuple[str, tuple]]:
    """(type, outputs' shapes without the batch) of every module torch calls, in call order.
    The residual additions are tensor `+`, not modules: they are not here."""
    calls: list[tuple[str, tuple]] = []

    def record(module: Any, _: Any, output: Any) -> None:
        outputs = output if isinstance(output, tuple) else (output,)
        calls.append((type(module).__name__, tuple(tuple(o.shape[1:]) for o in outputs if o is not None)))

    hooks = [m.register_forward_hook(record) for m in model.modules() if not list(m.children())]
    hooks += [m.register_forward_hook(record) for m in model.modules() if isinstance(m, nn.MultiheadAttention)]
    try:
        model.eval()
        with torch.no_grad():
            model(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return calls


def convcalc_outputs(report: Report) -> list[tuple[str, tuple]]:
    # convcalc's Add and Select stand for torch functions (x + y, x[:, 0]): no module, no hook
    return [(row.type, tuple(shape[1:] for shape in row.outputs)) for row in report.rows if row.type not in ("Add", "Select")]


def on_meta(make: Any) -> Any:
    with torch.device("meta"):
        return make()


def ids(length: int) -> Any:
    """A batch of one integer sequence (token ids, segments, positions: only the shape counts)."""
    return on_meta(lambda: torch.zeros(1, length, dtype=torch.long))


# --- GPT-2 small


@pytest.fixture(scope="module")
def gpt2() -> tuple[Any, Report, list[tuple[str, tuple]]]:
    model = on_meta(GPT2)
    return model, spec_report("gpt2-small.yaml"), torch_outputs(model, ids(1024), ids(1024))


def test_gpt2_total_is_the_published_one(gpt2) -> None:
    model, report, _ = gpt2
    assert unique_params(model) == report.totals.params == report.totals.trainable_params == GPT2_SMALL_PARAMS
    # The tie is what makes it so: counted twice, the token table would add 50,257 * 768.
    assert sum(p.numel() for m in model.modules() for p in m.parameters(recurse=False)) == GPT2_SMALL_PARAMS + 50257 * 768


def test_gpt2_agrees_module_by_module(gpt2) -> None:
    model, report, _ = gpt2
    assert convcalc_module_counts(report) == torch_module_counts(model)
    assert convcalc_module_weights(report) == torch_module_weights(model)
    head = report.rows[-1]
    assert (head.name, head.shared_with, head.params, [w.shared for w in head.weights]) == ("lm_head", "wte", 0, [True])


def test_gpt2_shapes_agree_module_by_module(gpt2) -> None:
    _, report, found = gpt2
    assert convcalc_outputs(report) == found
    assert found[-1] == ("Linear", ((1024, 50257),))
    assert report.output_shape == (None, 1024, 50257)


# --- BERT-base


@pytest.fixture(scope="module")
def bert() -> tuple[Any, Report, list[tuple[str, tuple]]]:
    model = on_meta(Bert)
    return model, spec_report("bert-base.yaml"), torch_outputs(model, ids(512), ids(512), ids(512))


def test_bert_total_is_the_published_one(bert) -> None:
    model, report, _ = bert
    assert unique_params(model) == report.totals.params == report.totals.trainable_params == BERT_BASE_PARAMS


def test_bert_agrees_module_by_module(bert) -> None:
    model, report, _ = bert
    assert convcalc_module_counts(report) == torch_module_counts(model)
    assert convcalc_module_weights(report) == torch_module_weights(model)


def test_bert_shapes_agree_module_by_module_up_to_the_pooler(bert) -> None:
    _, report, found = bert
    ours = convcalc_outputs(report)
    assert [row.name for row in report.rows[-2:]] == ["pooler", "pooler_activation"]
    assert ours[:-2] == found[:-2]
    assert [(kind, len(shapes)) for kind, shapes in ours[-2:]] == [("Linear", 1), ("Tanh", 1)]
    assert report.output_shape == (None, 512, 768)  # last_hidden_state


def test_bert_pooler_reads_the_first_token(bert) -> None:
    _, report, found = bert
    assert convcalc_outputs(report)[-2:] == found[-2:] == [("Linear", ((768,),)), ("Tanh", ((768,),))]


# --- Hugging Face transformers, when it is there


def grouped_counts(model: Any, groups: list[tuple[str, str]]) -> Counter:
    """Parameters per module that holds any (a tied tensor counted once, where first seen), the
    modules whose names match a pattern summed as one: BERT's query/key/value/output dense and
    GPT-2's c_attn/c_proj are one MultiheadAttention in the specs."""
    seen: set[int] = set()
    sums: dict[str, int] = {}
    for name, module in model.named_modules():
        own = list(module.parameters(recurse=False))
        if not own:
            continue
        fresh = [p for p in own if id(p) not in seen]
        seen.update(id(p) for p in fresh)
        for pattern, replacement in groups:
            name = re.sub(pattern, replacement, name)
        sums[name] = sums.get(name, 0) + sum(p.numel() for p in fresh)
    return Counter(sums.values())


def test_hugging_face_models_agree_module_by_module() -> None:
    try:
        transformers = import_module("transformers")
    except ImportError:
        pytest.skip("Hugging Face transformers is not installed (pip install transformers)")
    gpt2 = on_meta(lambda: transformers.GPT2LMHeadModel(transformers.GPT2Config()))
    bert = on_meta(lambda: transformers.BertModel(transformers.BertConfig()))
    gpt2_report, bert_report = spec_report("gpt2-small.yaml"), spec_report("bert-base.yaml")
    assert unique_params(gpt2) == gpt2_report.totals.params == GPT2_SMALL_PARAMS
    assert unique_params(bert) == bert_report.totals.params == BERT_BASE_PARAMS
    ours = Counter(row.params for row in gpt2_report.rows if row.type in HOLDERS)
    assert ours == grouped_counts(gpt2, [(r"\.attn\.c_(attn|proj)$", ".attn")])
    ours = Counter(row.params for row in bert_report.rows if row.type in HOLDERS)
    assert ours == grouped_counts(bert, [(r"\.attention\.(self\.(query|key|value)|output\.dense)$", ".attention")])
