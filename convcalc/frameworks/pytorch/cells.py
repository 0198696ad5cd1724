"""PyTorch's recurrent cells, one time step of an RNN, LSTM or GRU (torch/nn/modules/rnn.py
RNNCellBase, RNNCell, LSTMCell, GRUCell; the checks of aten's RNN.cpp check_rnn_cell_forward_*).

A cell reads one step, (N, input_size) or an unbatched (input_size,), and optionally the previous
state: its inputs are [input] or [input, h_0] (RNNCell, GRUCell) and [input] or [input, h_0, c_0]
(LSTMCell, whose forward takes hx as the tuple (h_0, c_0)); without a state torch starts from
zeros. The output is h_1, (N, hidden_size); an LSTMCell's second output `name[1]` is c_1.
Parameters, as named_parameters() names them: weight_ih (gates x hidden_size, input_size),
weight_hh (gates x hidden_size, hidden_size), then bias_ih and bias_hh (gates x hidden_size).

MACs: the cells run F.linear twice a step when fvcore traces them (aten::rnn_tanh_cell,
lstm_cell and gru_cell are written with it), so fvcore counts every weight matrix once per row of
the batch: the recurrent rule (ops/macs.py), with one step.
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Code, Family, LayerType
from convcalc.frameworks.pytorch.layers import declared, exact_choice, torch_type
from convcalc.ops.layout import format_shape
from convcalc.ops.recurrent import gates, states
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args

TYPES: list[LayerType] = []
NAMES = {"rnn": "RNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}


def state_names(cell: str) -> tuple[str, ...]:
    return ("h_0", "c_0") if cell == "lstm" else ("h_0",)


def cell(kind: str) -> Build:
    def build(args: Args, shapes: tuple[Shape, ...]) -> Built:
        hidden = args.int("hidden_size", 1)
        bias = args.bool("bias")
        if kind == "rnn":
            exact_choice(args, "nonlinearity", ("tanh", "relu"))  # forward: "Unknown nonlinearity"
        names = state_names(kind)
        if len(shapes) not in (1, 1 + len(names)):
            raise LayerError(
                f"{args.type_name} takes the inputs [input] or [input, {', '.join(names)}], found {len(shapes)}",
                argument="inputs",
                code="CC200",
            )
        step, *hidden_states = shapes
        if len(step) not in (1, 2):
            raise LayerError(
                f"{args.type_name} expects a 2-D input (batch, input_size) or an unbatched 1-D one, "
                f"found the {len(step)}-D shape {format_shape(step)}",
                hint="a cell runs one time step; the recurrent layers (RNN, LSTM, GRU) take whole sequences",
                code="CC200",
            )
        features = declared(args, "input_size", step[-1])
        out = (*step[:-1], hidden)
        for name, state in zip(names, hidden_states):
            check_state(args, name, state, step, hidden)
        width = gates(kind) * hidden
        weights: tuple[Weight, ...] = (Weight("weight_ih", (width, features)), Weight("weight_hh", (width, hidden)))
        if bias:
            weights += (Weight("bias_ih", (width,)), Weight("bias_hh", (width,)))
        return Built(out, weights, (out,) * (states(kind) - 1))

    return build


def check_state(args: Args, name: str, state: Shape, step: Shape, hidden: int) -> None:
    """A state is batched when the input is ("Input batch size 2 doesn't match hidden0 batch size 3")
    and hidden_size wide ("hidden0 has inconsistent hidden_size: got 6, expected 5")."""
    if len(state) != len(step):
        raise LayerError(
            f"{name} {format_shape(state)} must be {len(step)}-D like the input {format_shape(step)}",
            argument="inputs",
            code="CC200",
        )
    if len(step) == 2 and None not in (state[0], step[0]) and state[0] != step[0]:
        raise LayerError(f"the input's batch size {step[0]} does not match {name}'s {state[0]}", argument="inputs", code="CC200")
    if state[-1] is not None and state[-1] != hidden:
        raise LayerError(
            f"{name} has {state[-1]} features, but hidden_size is {hidden}",
            hint=f"set hidden_size={state[-1]}, or pass a state of hidden_size features",
            argument="hidden_size",
            code="CC201",
        )


def lstm_call(shapes: tuple[Shape, ...]) -> str:
    """LSTMCell.forward(input, hx=None) takes its state as the tuple (h_0, c_0)."""
    return "{self}({0}, ({1}, {2}))" if len(shapes) == 3 else ""


for _kind, _name in NAMES.items():
    # an LSTMCell returns the tuple (h_1, c_1); the others h_1 alone
    _code = Code(outputs=("{}[0]", "{}[1]"), choose=lstm_call) if _kind == "lstm" else None
    TYPES.append(torch_type(_name, cell(_kind), Family.RECURRENT_CELL, merges=True, variant=_kind, code=_code))
