"""specs/llama-2-7b.yaml and specs/llama-3.2-1b.yaml against Hugging Face transformers'
LlamaForCausalLM, built from each model's published configuration (its config.json on the
Hugging Face hub, written out below) on the meta device: real parameters and shapes, no data,
so a 7B model takes a second. Skipped where transformers is not installed (pip install
transformers).

- Row for row (modules.py): every module the model runs under its path (model.layers.31.mlp.up_proj),
  with its output shape, and every torch function its forwards call between them, in order,
  with their shapes and keywords (F.scaled_dot_product_attention's is_causal, scale and, for
  grouped-query attention, enable_gqa). The one thing the spec writes otherwise: the position
  ids, which LlamaModel makes (torch.arange(seq).unsqueeze(0)) and the spec takes as an input.
- Every parameter by its path, the tied head of Llama 3.2 counted once, the totals those of the
  released models; the buffers.
- MACs as fvcore counts them, on the same networks at a small size (fvcore traces a real CPU
  model: the blocks of the spec, with a small configuration, against LlamaForCausalLM with it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

torch = pytest.importorskip("torch", reason="the conformance suite needs torch (pip install torch)")

from modules import compare, trace  # noqa: E402
from oracle import import_module  # noqa: E402

from convcalc import summarize  # noqa: E402
from convcalc.analysis.costs import costs, layer_macs  # noqa: E402
from convcalc.report import Report  # noqa: E402

pytestmark = pytest.mark.conformance
SPECS = Path(__file__).parents[2] / "specs"

# config.json of meta-llama/Llama-2-7b-hf and meta-llama/Llama-3.2-1B (the fields that shape the
# network), and the sequence length each spec runs: its context.
CONFIGS: dict[str, tuple[dict[str, Any], int, int]] = {
    "llama-2-7b": (
        {
            "vocab_size": 32000,
            "hidden_size": 4096,
            "intermediate_size": 11008,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 32,
            "max_position_embeddings": 4096,
            "rms_norm_eps": 1e-05,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0},
            "tie_word_embeddings": False,
        },
        4096,
        6_738_415_616,
    ),
    "llama-3.2-1b": (
        {
            "vocab_size": 128256,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_hidden_layers": 16,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": 64,
            "max_position_embeddings": 131072,
            "rms_norm_eps": 1e-05,
            "rope_parameters": {
                "rope_type": "llama3",
                "rope_theta": 500000.0,
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
            },
            "tie_word_embeddings": True,
        },
        131072,
        1_235_814_400,
    ),
}
POSITIONS = ["arange", "add", "unsqueeze"]  # LlamaModel's torch.arange(seq) + past_seen_tokens, .unsqueeze(0)


def transformers() -> Any:
    try:
        return import_module("transformers")
    except ImportError:
        pytest.skip("Hugging Face transformers is not installed (pip install transformers)")


def llama(config: dict[str, Any], device: str = "meta", attention: str = "sdpa") -> Any:
    hub = transformers()
    with torch.device(device):
        return hub.LlamaForCausalLM(hub.LlamaConfig(**config, attn_implementation=attention)).eval()


def report(name: str) -> Report:
    path = SPECS / f"{name}.yaml"
    return summarize(path.read_text(), str(path))


@pytest.fixture
def no_packed_sequences(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cache, transformers reads the position ids for sequences packed into one row
    (.item(), which no meta tensor has): these are one sequence each."""
    masking = import_module("transformers.masking_utils")
    monkeypatch.setattr(masking, "find_packed_sequence_indices", lambda position_ids: None)


@pytest.mark.parametrize("name", CONFIGS)
def test_every_row_is_a_module_llama_runs_or_a_call_of_its_forwards(name: str, no_packed_sequences: None) -> None:
    config, length, _ = CONFIGS[name]
    model = llama(config)
    found = trace(model, input_ids=torch.zeros(1, length, dtype=torch.long, device="meta"), use_cache=False)
    left = compare(report(name), found)
    assert {scope: [call.name for call in calls] for scope, calls in left.items()} == {"model": POSITIONS}
    assert left["model"][-1].shape == (1, length)


@pytest.mark.parametrize("name", CONFIGS)
def test_parameters_by_path_the_tied_head_and_the_released_count(name: str) -> None:
    config, _, published = CONFIGS[name]
    model = llama(config)
    ours = report(name)
    parameters = {f"{row.name}.{w.name}": w.shape for row in ours.rows for w in row.weights}
    assert parameters == {n: tuple(p.shape) for n, p in model.named_parameters(remove_duplicate=False)}
    tied = [f"{row.name}.{w.name}" for row in ours.rows for w in row.weights if w.shared]
    assert tied == (["lm_head.weight"] if config["tie_word_embeddings"] else [])
    assert (model.lm_head.weight is model.model.embed_tokens.weight) == bool(tied)
    assert ours.totals.params == sum(p.numel() for p in model.parameters()) == published
    buffers = {row.name: row.output_shape for row in ours.rows if row.type == "Buffer"}
    real = {n: tuple(b.shape) for n, b in model.named_buffers()}
    assert buffers == {"model.rotary_emb.inv_freq": real["model.rotary_emb.inv_freq"]}
    assert set(real) - set(buffers) == {"model.rotary_emb.original_inv_freq"}  # a copy kept for dynamic rope types
    assert not [row for row in ours.rows if row.type == "Buffer" and row.arguments["persistent"]]
    assert not [n for n in model.state_dict() if "inv_freq" in n]  # persistent=False, as the spec says


SMALL = {"vocab_size": 96, "hidden_size": 64, "intermediate_size": 80, "num_hidden_layers": 2, "max_position_embeddings": 64}


def small_spec(name: str, config: dict[str, Any], length: int) -> str:
    """The spec's blocks, called with a small configuration: its inputs, the llama_model call and
    the head (the spec's top level) rewritten, the rest as written."""
    data = yaml.safe_load((SPECS / f"{name}.yaml").read_text())
    data["inputs"] = {"input_ids": [length], "position_ids": [length]}
    head_dim = config.get("head_dim", config["hidden_size"] // config["num_attention_heads"])
    numbers = [config[k] for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers")]
    numbers += [config["num_attention_heads"], config["num_key_value_heads"]]
    call = f"llama_model({', '.join(map(str, numbers))}, rms_norm_eps=1e-05, head_dim={head_dim}, name='model', inputs=input_ids)"
    shares = ', shares="model.embed_tokens"' if config["tie_word_embeddings"] else ""
    head = f'Linear({config["hidden_size"]}, {config["vocab_size"]}, bias=False, name="lm_head"{shares})'
    data["layers"] = [call, data["layers"][1], head]
    del data["expect"]
    return yaml.safe_dump(data, sort_keys=False)


class Logits(torch.nn.Module):
    """The model called as the spec calls it: token ids and position ids in, logits out."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: Any, position_ids: Any) -> Any:
        return self.model(input_ids=input_ids, position_ids=position_ids, use_cache=False).logits


def fvcore_total(model: Any, length: int) -> int:
    from fvcore.nn import FlopCountAnalysis

    logging.getLogger("fvcore").setLevel(logging.ERROR)
    inputs = (torch.zeros(1, length, dtype=torch.long), torch.arange(length)[None])
    analysis = FlopCountAnalysis(Logits(model), inputs)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return analysis.total()


@pytest.mark.parametrize("name", CONFIGS)
def test_macs_are_fvcores(name: str) -> None:
    """fvcore has no handler for F.scaled_dot_product_attention (it counts 0) and counts the
    projections; with transformers' eager attention, which writes QK^T and AV with matmul (key
    and value heads repeated, as enable_gqa does), it counts those too: convcalc counts the
    attention as that, so its total is fvcore's of the eager model, and of the sdpa model plus
    the attention rows."""
    pytest.importorskip("fvcore", reason="the MACs conformance needs fvcore (pip install fvcore)")
    config, _, _ = CONFIGS[name]
    heads = {
        "num_attention_heads": 8,
        "num_key_value_heads": 8 if config["num_key_value_heads"] == config["num_attention_heads"] else 2,
    }
    small = {**config, **SMALL, **heads, **({"head_dim": 16} if "head_dim" in config else {})}
    length = 12
    ours = summarize(small_spec(name, small, length))
    attention = sum(layer_macs(row, "pytorch") or 0 for row in ours.rows if row.type == "ScaledDotProductAttention")
    assert attention > 0
    torch.manual_seed(0)
    assert costs(ours).macs == fvcore_total(llama(small, "cpu", "eager"), length)
    assert costs(ours).macs - attention == fvcore_total(llama(small, "cpu", "sdpa"), length)
