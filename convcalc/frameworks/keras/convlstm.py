"""Keras's convolutional LSTMs, ConvLSTM1D/2D/3D (keras/src/layers/rnn/conv_lstm.py ConvLSTMCell and
ConvLSTM, conv_lstm{1,2,3}d.py): an LSTM whose four gates are convolutions.

The input is a sequence of feature maps, (batch, time, *spatial, channels) (or channels_first:
(batch, time, channels, *spatial)); its spatial sizes and channels must be known (ConvLSTMCell.build).
Each step convolves the input with `kernel` (kernel_size + (channels, 4 x filters)) by strides,
padding and dilation_rate, and the previous state with `recurrent_kernel` (kernel_size +
(filters, 4 x filters)) with stride 1 and "same" padding, so the state keeps the size of the
input convolution's output: (batch, *conv output, filters), for every step with
return_sequences=True. return_state=True adds the last h and c as `name[1]` and `name[2]`.
Weights are the cell's, named by their path: conv_lstm_cell/kernel, conv_lstm_cell/recurrent_kernel,
conv_lstm_cell/bias (4 x filters).

MACs, as fvcore counts the convolutions Keras runs on the torch backend: per time step, the
kernel and the recurrent kernel once per output position. Receptive fields end here, as at any
recurrent layer: the recurrent convolution widens each position's field once per step.
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Build, Family, LayerType
from convcalc.frameworks.keras.layers import activation, keras_type, known, layout, number, seed
from convcalc.ops import macs
from convcalc.ops.conv import conv_output_length
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.signature import Args

PREFIX = "conv_lstm_cell"


def conv_lstm(rank: int) -> Build:
    def build(args: Args, shape: Shape) -> Built:
        filters = args.int("filters", 1)
        kernel = args.ints("kernel_size", rank)
        strides = args.ints("strides", rank)
        padding = args.choice("padding", ("valid", "same"))
        fmt = layout(args)
        dilation = args.ints("dilation_rate", rank)
        if max(strides) > 1 and max(dilation) > 1:
            raise LayerError(
                "strides > 1 cannot be combined with dilation_rate > 1 in Keras", argument="dilation_rate", code="CC105"
            )
        activation(args)
        activation(args, "recurrent_activation")
        for name in ("dropout", "recurrent_dropout"):
            number(args, name)  # ConvLSTMCell clips them into [0, 1]
        seed(args)
        for name in ("use_bias", "unit_forget_bias", "return_sequences", "return_state", "go_backwards", "stateful"):
            args.bool(name)
        if len(shape) != rank + 3:
            order = "*spatial, channels" if fmt.channels_last else "channels, *spatial"
            raise LayerError(
                f"{args.type_name} expects a {rank + 3}-D input (batch, time, {order}), "
                f"found the {len(shape)}-D shape {format_shape(shape)}",
                code="CC200",
            )
        batch, steps = shape[0], shape[1]
        _, spatial, channels = fmt.split((batch, *shape[2:]), rank, args.type_name)
        if None in spatial:
            raise LayerError(
                f"{args.type_name} needs known spatial sizes, found {format_shape(spatial)}",
                hint="ConvLSTM layers only support static input shapes for the spatial dimensions",
                code="CC200",
            )
        cin = known(channels, "input channel")
        if args.bool("stateful") and batch is None:
            raise LayerError(
                "stateful=True needs a fixed batch size, found None", hint="give the spec a `batch:` size", argument="stateful"
            )
        out = tuple(conv_output_length(n, k, s, padding, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))
        if any(n is not None and n < 1 for n in out):
            raise LayerError(f"the convolution's output would be {format_shape(out)}", argument="kernel_size", code="CC200")
        state = fmt.join(batch, out, filters)
        output = (batch, steps, *state[1:]) if args.bool("return_sequences") else state
        weights = [
            Weight(f"{PREFIX}/kernel", (*kernel, cin, 4 * filters)),
            Weight(f"{PREFIX}/recurrent_kernel", (*kernel, filters, 4 * filters)),
        ]
        if args.bool("use_bias"):
            weights.append(Weight(f"{PREFIX}/bias", (4 * filters,)))
        return Built(output, tuple(weights), (state, state) if args.bool("return_state") else ())

    return build


def conv_lstm_macs(layer: macs.Layer) -> int | None:
    """Both kernels once per output position of the state, every time step."""
    shape = layer.input_shapes[0]
    state = layer.outputs[0][:1] + layer.outputs[0][2:] if len(layer.outputs[0]) == len(shape) else layer.outputs[0]
    kernels = sum(w.size for w in layer.weights if not w.name.endswith("/bias"))
    channel_axis = 1 if layer.args.get("data_format") == "channels_first" else -1
    return macs.multiply(kernels, macs.positions(state, channel_axis), shape[1])


TYPES: list[LayerType] = [
    keras_type(
        f"ConvLSTM{rank}D",
        conv_lstm(rank),
        Family.CONVOLUTIONAL_RECURRENT,
        extra=("unroll", "zero_output_for_mask"),
        rank=rank,
        variant="lstm",
        macs=conv_lstm_macs,
    )
    for rank in (1, 2, 3)
]
