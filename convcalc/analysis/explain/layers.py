"""Layers that mix features rather than positions: dense and linear, flatten, normalizations,
embeddings, merges, recurrent layers and attention, in each framework's own terms."""

from __future__ import annotations

from convcalc.analysis.explain.steps import Context, Explainer, shape_same
from convcalc.frameworks.base import Family
from convcalc.ops.layout import format_shape
from convcalc.ops.recurrent import gates, recurrent_params
from convcalc.ops.reshape import flattened


def keras_dense(ctx: Context) -> None:
    units = ctx.args.int("units")
    ctx.use("units", "use_bias")
    features = ctx.shape[-1]
    ctx.add("last axis", "units", str(units), units)
    ctx.dims = {"kernel": ("input features", "units"), "bias": ("units",)}
    ctx.weight_note = f"Each of the {units} units weighs all {features:,} input features."
    if len(ctx.shape) > 2:
        other = format_shape(ctx.shape[1:-1])
        ctx.weight_note += (
            f" Dense acts on the last axis only: the same ({features}, {units}) kernel serves every position of "
            f"{other}, so the weights do not grow with those axes."
        )


def linear(ctx: Context) -> None:
    out = ctx.args.int("out_features")
    ctx.use("in_features", "out_features", "bias")
    features = ctx.shape[-1]
    ctx.add("last axis", "out_features", str(out), out)
    ctx.dims = {"weight": ("out_features", "in_features"), "bias": ("out_features",)}
    ctx.weight_note = f"Each of the {out} outputs weighs all {features:,} input features."
    if len(ctx.shape) > 2:
        ctx.weight_note += (
            f" Linear acts on the last axis only: the same weight serves every position of "
            f"{format_shape(ctx.shape[1:-1])}, so the weights do not grow with those axes."
        )


def flatten(ctx: Context) -> None:
    """Keras flattens every axis but the batch; PyTorch's Flatten start_dim..end_dim (1..-1)."""
    rest = ctx.shape[1:]
    if ctx.framework == "pytorch":
        ctx.use("start_dim", "end_dim")
        n = len(ctx.shape)
        rest = ctx.shape[ctx.args.int("start_dim") % n : ctx.args.int("end_dim") % n + 1]
    value = flattened(rest)
    text = " x ".join("None" if d is None else str(d) for d in rest)
    ctx.add("flattened axis", "product of the flattened axes", text, value, "the values are laid out in one row")


def batch_norm(ctx: Context) -> None:
    shape_same(ctx)
    if ctx.framework == "keras":
        ctx.use("axis", "center", "scale")
        axis = ctx.args.int("axis")
        size = ctx.shape[axis]
        ctx.dims = {n: ("features along axis",) for n in ("gamma", "beta", "moving_mean", "moving_variance")}
        moving = [w for w in ctx.row.weights if not w.trainable]
        ctx.weight_note = (
            f"One scale (gamma) and one offset (beta) per feature ({size}) are learned; moving_mean and "
            f"moving_variance are running averages of the batch statistics, updated during training but not "
            f"by gradients, so Keras counts them as non-trainable parameters"
            f" ({' + '.join(f'{w.size:,}' for w in moving)} of the {ctx.row.params:,})."
        )
    else:
        ctx.use("num_features", "affine", "track_running_stats")
        features = ctx.args.int("num_features")
        ctx.dims = {"weight": ("num_features",), "bias": ("num_features",)}
        ctx.weight_note = (
            f"weight and bias scale and shift each of the {features} channels. running_mean and running_var "
            f"(and num_batches_tracked) are buffers, not parameters: saved with the model, updated by running "
            f"averages, and not counted by PyTorch (Keras counts its moving statistics as non-trainable)."
        )


def keras_recurrent(cell: str) -> Explainer:
    """Keras SimpleRNN / GRU / LSTM: gates x units x (features + units + bias vectors)."""

    def explain(ctx: Context) -> None:
        args = ctx.args
        units = args.int("units")
        ctx.use("units", "return_sequences", "return_state", "use_bias", "reset_after")
        count = gates(cell)
        steps = ctx.shape[1]
        if args.bool("return_sequences"):
            ctx.add("output", "(batch, timesteps, units)", format_shape(ctx.row.output_shape), None, "return_sequences=True")
        else:
            ctx.add("output", "(batch, units)", format_shape(ctx.row.output_shape), None, f"only the last of the {steps} steps")
        features = ctx.shape[-1]
        prefix = ctx.row.weights[0].name.rsplit("/", 1)[0] + "/" if ctx.row.weights else ""
        width = f"({count} gates x units)" if count > 1 else "units"
        ctx.spelled = {width: f"({count} x {units})" if count > 1 else str(units), "2": "2"}
        bias = next((w for w in ctx.row.weights if w.name.endswith("bias")), None)
        vectors = 0 if bias is None else (2 if len(bias.shape) == 2 else 1)
        ctx.dims = {
            f"{prefix}kernel": ("input features", width),
            f"{prefix}recurrent_kernel": ("units", width),
            f"{prefix}bias": ("2", width) if vectors == 2 else (width,),
        }
        total = recurrent_params(cell, features, units, vectors) if features else None
        gate_names = {"lstm": "input, forget, cell and output", "gru": "update, reset and candidate", "rnn": "one"}[cell]
        ctx.weight_note = (
            f"{count} gate{'s' * (count > 1)} ({gate_names}), each with weights on the {features} input features, "
            f"on the {units} units of the previous step, and {vectors} bias vector{'s' * (vectors != 1)}: "
            f"{count} x {units} x ({features} + {units} + {vectors}) = {total:,}"
            if total is not None
            else ""
        )

    return explain


def torch_recurrent(cell: str) -> Explainer:
    def explain(ctx: Context) -> None:
        args = ctx.args
        hidden, layers = args.int("hidden_size"), args.int("num_layers")
        directions = 2 if args.bool("bidirectional") else 1
        ctx.use("input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional", "proj_size")
        ctx.add("output", "(..., directions x hidden_size)", format_shape(ctx.row.output_shape), None)
        count = gates(cell)
        width = f"({count} gates x hidden_size)" if count > 1 else "hidden_size"
        ctx.spelled = {width: f"({count} x {hidden})" if count > 1 else str(hidden)}
        recurrent_input = "hidden_size" if not args.get("proj_size") else "proj_size"
        names = {
            "weight_ih": (width, "layer input"),
            "weight_hh": (width, recurrent_input),
            "bias_ih": (width,),
            "bias_hh": (width,),
            "weight_hr": ("proj_size", "hidden_size"),
        }
        ctx.dims = {w.name: names[w.name.split("_l")[0]] for w in ctx.row.weights}
        features = ctx.shape[-1]
        bias = 2 if args.bool("bias") else 0
        if layers == 1 and directions == 1 and not args.get("proj_size") and features:
            total = recurrent_params(cell, features, hidden, bias)
            ctx.weight_note = (
                f"{count} gate{'s' * (count > 1)}, each with weights on the {features} inputs, on the {hidden} hidden "
                f"values, and {bias} bias vectors (PyTorch keeps bias_ih and bias_hh; Keras one): "
                f"{count} x {hidden} x ({features} + {hidden} + {bias}) = {total:,}"
            )
        else:
            ctx.weight_note = (
                f"{layers} layer(s) x {directions} direction(s), each with its own weights; "
                "layers after the first read the previous layer's directions side by side"
            )

    return explain


def keras_attention(ctx: Context) -> None:
    args = ctx.args
    heads, key_dim = args.int("num_heads"), args.int("key_dim")
    value_dim = args.optional_int("value_dim") or key_dim
    ctx.use("num_heads", "key_dim", "value_dim", "output_shape", "use_bias")
    query = ctx.row.input_shapes[0]
    ctx.add("output", "query's shape, last axis = query features (or output_shape)", format_shape(ctx.row.output_shape), None)
    ctx.dims = {
        "query/kernel": ("query features", "num_heads", "key_dim"),
        "query/bias": ("num_heads", "key_dim"),
        "key/kernel": ("key features", "num_heads", "key_dim"),
        "key/bias": ("num_heads", "key_dim"),
        "value/kernel": ("value features", "num_heads", "value_dim"),
        "value/bias": ("num_heads", "value_dim"),
        "gate/kernel": ("query features", "num_heads", "value_dim"),
        "gate/bias": ("num_heads", "value_dim"),
        "attention_output/kernel": ("num_heads", "value_dim", "output features"),
        "attention_output/bias": ("output features",),
    }
    ctx.weight_note = (
        f"Four projections: query, key and value map each position's features to {heads} heads of "
        f"{key_dim} (value: {value_dim}) numbers, and attention_output maps the {heads} x {value_dim} back to "
        f"{ctx.row.output_shape[-1]} features. None depends on the sequence length ({query[1]})."
    )


def torch_attention(ctx: Context) -> None:
    args = ctx.args
    embed, heads = args.int("embed_dim"), args.int("num_heads")
    ctx.use("embed_dim", "num_heads", "bias", "add_bias_kv", "kdim", "vdim", "batch_first")
    ctx.add("output", "query's shape", format_shape(ctx.row.output_shape), None)
    ctx.dims = {
        "in_proj_weight": ("(3 x embed_dim)", "embed_dim"),
        "in_proj_bias": ("(3 x embed_dim)",),
        "q_proj_weight": ("embed_dim", "embed_dim"),
        "k_proj_weight": ("embed_dim", "kdim"),
        "v_proj_weight": ("embed_dim", "vdim"),
        "bias_k": ("1", "1", "embed_dim"),
        "bias_v": ("1", "1", "embed_dim"),
        "out_proj.weight": ("embed_dim", "embed_dim"),
        "out_proj.bias": ("embed_dim",),
    }
    ctx.spelled = {"(3 x embed_dim)": f"(3 x {embed})"}
    ctx.weight_note = (
        f"in_proj_weight packs the query, key and value projections (3 x {embed} rows); the {heads} heads split "
        f"each projection into {embed // heads} numbers; out_proj maps the joined heads back to {embed}."
    )


def embedding(ctx: Context) -> None:
    rows_name, width_name = ("input_dim", "output_dim") if ctx.framework == "keras" else ("num_embeddings", "embedding_dim")
    ctx.use(rows_name, width_name)
    width = ctx.args.int(width_name)
    ctx.add("output", f"input shape + ({width_name},)", format_shape(ctx.row.output_shape), None, "each index becomes a row")
    ctx.dims = {"embeddings": (rows_name, width_name), "weight": (rows_name, width_name)}
    ctx.weight_note = f"A table with one row of {width} numbers per possible index."


def merge(ctx: Context) -> None:
    """Element-wise merges (Add, Multiply...) keep the common shape; Concatenate adds up one axis."""
    shapes = ctx.row.input_shapes
    out = ctx.row.output_shape
    if ctx.family is Family.CONCATENATE:
        name = "axis" if ctx.framework == "keras" else "dim"
        ctx.use(name)
        axis = ctx.args.int(name) % len(out)
        sizes = [s[axis] for s in shapes]
        text = " + ".join("None" if n is None else f"{n:,}" for n in sizes)
        ctx.add(
            f"axis {axis}", " + ".join(f"input {i + 1}" for i in range(len(shapes))), text, out[axis], "the other axes must agree"
        )
        return
    listed = ", ".join(format_shape(s) for s in shapes)
    if ctx.args.get("other") is not None:
        ctx.use("other")
        listed += f" and the number {ctx.args['other']}"
    ctx.add("output", "the inputs' common shape", format_shape(out), None, f"element by element over {listed}")


def torch_cell(cell: str) -> Explainer:
    """RNNCell / LSTMCell / GRUCell: one step, (batch, input_size) -> (batch, hidden_size)."""

    def explain(ctx: Context) -> None:
        args = ctx.args
        hidden = args.int("hidden_size")
        ctx.use("input_size", "hidden_size", "bias", "nonlinearity")
        states = "h_1 and c_1" if cell == "lstm" else "h_1"
        ctx.add("output", "(..., hidden_size)", format_shape(ctx.row.output_shape), None, f"one time step: {states}")
        count = gates(cell)
        width = f"({count} gates x hidden_size)" if count > 1 else "hidden_size"
        ctx.spelled = {width: f"({count} x {hidden})" if count > 1 else str(hidden)}
        ctx.dims = {
            "weight_ih": (width, "input_size"),
            "weight_hh": (width, "hidden_size"),
            "bias_ih": (width,),
            "bias_hh": (width,),
        }
        features = ctx.shape[-1]
        bias = 2 if args.bool("bias") else 0
        total = recurrent_params(cell, features, hidden, bias) if features else None
        ctx.weight_note = (
            f"The weights of one layer of {'RNN' if cell == 'rnn' else cell.upper()}({features}, {hidden}), applied to "
            f"one step: {count} x {hidden} x ({features} + {hidden} + {bias}) = {total:,}"
            if total is not None
            else f"{count} gate(s) on the input and on the {hidden} hidden values"
        )

    return explain


def bilinear(ctx: Context) -> None:
    out = ctx.args.int("out_features")
    ctx.use("in1_features", "in2_features", "out_features", "bias")
    ctx.add("last axis", "out_features", str(out), out, "the other axes of the two inputs must match")
    ctx.dims = {"weight": ("out_features", "in1_features", "in2_features"), "bias": ("out_features",)}
    ctx.weight_note = f"Each of the {out} outputs is x1 A x2 with its own in1_features x in2_features matrix A."


def keras_einsum(ctx: Context) -> None:
    ctx.use("equation", "output_shape", "bias_axes")
    ctx.add(
        "output",
        f"the equation {ctx.args['equation']!r} with output_shape",
        format_shape(ctx.row.output_shape),
        None,
        "output_shape lists the output's axes after the batch; None takes the input's size",
    )
    ctx.weight_note = (
        "The kernel has one axis per letter of the equation's second operand: an input letter takes the input's "
        "size, an output letter the output's; the bias spans the output from the first of bias_axes on."
    )


def keras_score_attention(ctx: Context) -> None:
    """Keras's Attention and AdditiveAttention: the query's shape with the value's last axis."""
    ctx.use("use_scale", "score_mode")
    query, value = ctx.row.input_shapes[0], ctx.row.input_shapes[1]
    ctx.add("output", "query's shape, last axis = value's", format_shape(ctx.row.output_shape), None)
    ctx.add(
        "scores",
        "(..., Tq, Tv)",
        format_shape(ctx.row.outputs[1]),
        None,
        f"one score for each of the {query[-2]} query and {value[-2]} value positions",
    )
    ctx.dims = {"scale": ("query features",)}
    ctx.weight_note = "Attention has no projections: only scalars (or, additive, one scale per feature) are learned."


def embedding_bag(ctx: Context) -> None:
    ctx.use("num_embeddings", "embedding_dim", "mode")
    dim = ctx.args.int("embedding_dim")
    reduced = f"each bag's rows reduced by {ctx.args['mode']}"
    ctx.add("output", "(bags, embedding_dim)", format_shape(ctx.row.output_shape), None, reduced)
    ctx.dims = {"weight": ("num_embeddings", "embedding_dim")}
    ctx.weight_note = f"A table with one row of {dim} numbers per possible index."


def category_encoding(ctx: Context) -> None:
    ctx.use("num_tokens", "output_mode")
    tokens = ctx.args.int("num_tokens")
    mode = f"output_mode={ctx.args['output_mode']!r}: a vector of num_tokens per index set"
    ctx.add("last axis", "num_tokens", str(tokens), tokens, mode)


def augmentation(ctx: Context) -> None:
    """The random augmentations: the shape is kept (RandomCrop: height and width are its own)."""
    if "height" in ctx.args.values:
        ctx.use("height", "width")
        note = "a random crop while training; a centred, resized window in inference"
        ctx.add("output", "(..., height, width, ...)", format_shape(ctx.row.output_shape), None, note)
        return
    shape_same(ctx, "random while training; in inference the input passes through unchanged")
