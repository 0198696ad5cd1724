"""Recurrent layers' arithmetic: how many gates a cell has, and how stacked layers chain.

Keras and PyTorch agree on the cells (SimpleRNN/RNN, GRU, LSTM) and differ only in layout
(Keras's kernel is (input, gates * units), torch's weight_ih (gates * hidden, input)) and in
how many bias vectors they keep; those stay in the vocabularies.
"""

from __future__ import annotations

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
"""Gates per cell: keras/src/layers/rnn/{simple_rnn,gru,lstm}.py build() makes the kernel
(input_dim, units * gates); torch/nn/modules/rnn.py RNNBase.__init__ sets gate_size = gates * hidden_size."""


def gates(cell: str) -> int:
    """The number of gates of a cell, 'rnn', 'gru' or 'lstm'.

    >>> gates("lstm"), gates("gru"), gates("rnn")
    (4, 3, 1)
    """
    return GATES[cell]


def states(cell: str) -> int:
    """How many state tensors a cell carries: an LSTM has h and c, the others h only
    (Keras's `return_state`, torch's h_n and c_n).

    >>> states("lstm"), states("gru")
    (2, 1)
    """
    return 2 if cell == "lstm" else 1


def recurrent_params(cell: str, input_size: int, units: int, bias_vectors: int = 1) -> int:
    """Parameters of one recurrent layer in one direction: gates * units * (input + units + biases).

    Keras keeps one bias vector (GRU with reset_after=True two), torch two (bias_ih and bias_hh).

    >>> recurrent_params("lstm", 3, 8)  # keras 3.15.1: LSTM(8) on 3 features, count_params() 384
    384
    >>> recurrent_params("lstm", 3, 8, bias_vectors=2)  # torch 2.13: nn.LSTM(3, 8), 416 parameters
    416
    >>> recurrent_params("gru", 3, 8, bias_vectors=2)  # keras GRU(8), reset_after=True: 312
    312
    """
    return gates(cell) * units * (input_size + units + bias_vectors)


def stacked_input_sizes(input_size: int, output_size: int, num_layers: int, directions: int) -> tuple[int, ...]:
    """The input width of each layer of a stacked recurrent network: the first reads the
    input, each later one the previous layer's directions side by side
    (torch/nn/modules/rnn.py: layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions).

    >>> stacked_input_sizes(10, 20, 3, 2)
    (10, 40, 40)
    """
    return (input_size,) + (output_size * directions,) * (num_layers - 1)
