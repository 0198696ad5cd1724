"""Spec generators for the benchmark and the scale tests: a ResNet-50-sized network, deep stacks
of any length, and a wide graph with long skip connections.

Each generator returns YAML text. The networks use the layer types a user would write; where
the convcalc vocabulary does not (yet) know one, `substitute` swaps in a stand-in with the same
output shape and says so, so the benchmark always runs on what the engine can compute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# ResNet-50 (He et al. 2016; keras.applications.ResNet50 and torchvision.models.resnet50):
# (filters, blocks, stride of the stage's first block), each block 1x1 -> 3x3 -> 1x1 (x4 filters).
RESNET50_STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))

# Stand-ins with the same output shape, for types a vocabulary does not know yet (Keras).
KERAS_STAND_INS: dict[str, Callable[[str], str | None]] = {
    "ZeroPadding2D": lambda call: None,  # folded into the next convolution's padding="same"
    "BatchNormalization": lambda call: "DepthwiseConv2D(1)",
    "Activation": lambda call: 'DepthwiseConv2D(1, use_bias=False, activation="relu")',
    "MaxPooling2D": lambda call: 'DepthwiseConv2D(3, strides=2, padding="same")',
    "GlobalAveragePooling2D": lambda call: "DepthwiseConv2D(7)",
}
PYTORCH_STAND_INS: dict[str, Callable[[str], str | None]] = {
    "BatchNorm2d": lambda call: None,
    "ReLU": lambda call: None,
    "MaxPool2d": lambda call: None,  # then the stage strides carry the downsampling alone
    "AdaptiveAvgPool2d": lambda call: None,
}


def type_name(call: str) -> str:
    return call.split("(", 1)[0].strip()


def substitute(
    calls: Iterable[str], known: set[str] | None, stand_ins: dict[str, Callable[[str], str | None]]
) -> tuple[list[str], list[str]]:
    """The calls with unknown types replaced by their stand-ins (or dropped), and what was replaced."""
    out: list[str] = []
    replaced: list[str] = []
    for call in calls:
        name = type_name(call)
        if known is None or name in known or name not in stand_ins:
            out.append(call)
            continue
        stand_in = stand_ins[name](call)
        if name not in replaced:
            replaced.append(name)
        if stand_in is not None:
            out.append(stand_in)
    return out, replaced


def resnet50_keras_calls() -> list[str]:
    """ResNet-50's main path as a straight line (keras.applications.resnet.ResNet50 without the
    shortcut branches and Add layers, which need graph support): 152 layers."""
    calls = [
        "ZeroPadding2D(3)",
        "Conv2D(64, 7, strides=2)",
        "BatchNormalization(epsilon=1.001e-5)",
        'Activation("relu")',
        "ZeroPadding2D(1)",
        "MaxPooling2D(3, strides=2)",
    ]
    for filters, blocks, stride in RESNET50_STAGES:
        for block in range(blocks):
            first = stride if block == 0 else 1
            for size, out, strides in ((1, filters, first), (3, filters, 1), (1, 4 * filters, 1)):
                pad = ', padding="same"' if size == 3 else ""
                step = f", strides={strides}" if strides > 1 else ""
                calls += [f"Conv2D({out}, {size}{step}{pad})", "BatchNormalization(epsilon=1.001e-5)", 'Activation("relu")']
    return calls + ["GlobalAveragePooling2D()", 'Dense(1000, activation="softmax")']


def resnet50_pytorch_calls() -> list[str]:
    """torchvision's resnet50 main path as a straight line (no downsample branches): 151 modules."""
    calls = ["Conv2d(3, 64, 7, stride=2, padding=3, bias=False)", "BatchNorm2d(64)", "ReLU()", "MaxPool2d(3, 2, 1)"]
    channels = 64
    for filters, blocks, stride in RESNET50_STAGES:
        for block in range(blocks):
            first = stride if block == 0 else 1
            calls += [f"Conv2d({channels}, {filters}, 1, bias=False)", f"BatchNorm2d({filters})", "ReLU()"]
            calls += [
                f"Conv2d({filters}, {filters}, 3, stride={first}, padding=1, bias=False)",
                f"BatchNorm2d({filters})",
                "ReLU()",
            ]
            calls += [f"Conv2d({filters}, {4 * filters}, 1, bias=False)", f"BatchNorm2d({4 * filters})", "ReLU()"]
            channels = 4 * filters
    return calls + ["AdaptiveAvgPool2d(1)", "Flatten()", f"Linear({channels}, 1000)"]


def keras_fold_padding(calls: list[str]) -> list[str]:
    """Without ZeroPadding2D, a ZeroPadding2D(p) + k x k stride-2 convolution or pooling is the
    same shape as the convolution with padding="same" (224 -> 112 -> 56)."""
    out: list[str] = []
    pad_next = False
    for call in calls:
        if type_name(call) == "ZeroPadding2D":
            pad_next = True
            continue
        if pad_next and call.endswith(")") and "padding" not in call:
            call = call[:-1] + ', padding="same")'
        pad_next = False
        out.append(call)
    return out


def resnet50(framework: str = "keras", known: set[str] | None = None) -> tuple[str, list[str]]:
    """YAML for ResNet-50's main path, and the names of types replaced by stand-ins."""
    if framework == "keras":
        calls = resnet50_keras_calls()
        if known is not None and "ZeroPadding2D" not in known:
            calls = keras_fold_padding(calls)
        calls, replaced = substitute(calls, known, KERAS_STAND_INS)
        if known is not None and "GlobalAveragePooling2D" not in known:
            calls.insert(len(calls) - 1, "Flatten()")
        head = "framework: keras\ninput: [224, 224, 3]\n"
    else:
        calls, replaced = substitute(resnet50_pytorch_calls(), known, PYTORCH_STAND_INS)
        head = "framework: pytorch\ninput: [3, 224, 224]\n"
    body = "".join(f"  - {quote(call)}\n" for call in calls)
    return f"name: resnet50-main-path\n{head}layers:\n{body}", replaced


def quote(call: str) -> str:
    """A call as a YAML plain scalar when that is safe, else single-quoted."""
    if ": " in call or " #" in call or call.startswith(("{", "[", "'", '"', "&", "*", "!", "|", ">", "%", "@", "`")):
        return "'" + call.replace("'", "''") + "'"
    return call


# A repeating pattern of shape-preserving layers, in both forms a user writes (call and mapping).
DEEP_PATTERNS = {
    "keras": (
        "[8, 8, 16]",
        (
            'Conv2D(16, 3, padding="same", activation="relu")',
            "Dense(16)",
            "{type: Conv2D, filters: 16, kernel_size: 1, use_bias: false}",
            'DepthwiseConv2D(3, padding="same")',
        ),
    ),
    "pytorch": (
        "[16, 8, 8]",
        (
            "Conv2d(16, 16, 3, padding=1)",
            "Conv2d(16, 16, 1, bias=False)",
            "{type: Conv2d, in_channels: 16, out_channels: 16, kernel_size: 3, padding: 1, groups: 4}",
            "ConvTranspose2d(16, 16, 3, padding=1)",
        ),
    ),
}


def deep_stack(layers: int, framework: str = "keras", distinct: bool = False) -> str:
    """`layers` layers that keep the shape, so any depth is valid. With `distinct`, every call
    text differs (a unique name), which defeats any cache keyed on the text."""
    shape, pattern = DEEP_PATTERNS[framework]
    lines = [f"framework: {framework}", f"input: {shape}", "layers:"]
    for i in range(layers):
        call = pattern[i % len(pattern)]
        if distinct and framework == "keras":
            call = call[:-1] + (f", name: l{i}}}" if call.startswith("{") else f', name="l{i}")')
        lines.append(f"  - {call if call.startswith('{') else quote(call)}")
    return "\n".join(lines) + "\n"


def wide_graph(layers: int, width: int = 4, skip: int = 50) -> str:
    """A graph for the engine that names inputs ("Real architectures", issue 3): `width`
    parallel branches per stage merged by Add, and every `skip` layers a long skip connection
    adding the output from `skip` layers back. Awaits graph support in the engine."""
    lines = ["framework: keras", "input: [8, 8, 16]", "layers:", "  - {type: Conv2D, name: n0, filters: 16, kernel_size: 1}"]
    made = 1
    trunk = ["n0"]  # the merge points, oldest first, for long skips
    while made < layers:
        source = trunk[-1]
        branches = []
        for _ in range(min(width, layers - made)):
            name = f"n{made}"
            lines.append(f'  - Conv2D(16, 3, padding="same", name="{name}", inputs=["{source}"])')
            branches.append(name)
            made += 1
        if made >= layers:
            break
        back = max(1, skip // (width + 1))  # stages between the ends of a long skip
        inputs = branches + ([trunk[-1 - back]] if len(trunk) > back else [])
        name = f"n{made}"
        if len(inputs) > 1:
            lines.append(f"  - {{type: Add, name: {name}, inputs: [{', '.join(inputs)}]}}")
        else:
            lines.append(f'  - Conv2D(16, 1, name="{name}", inputs=["{inputs[0]}"])')
        trunk.append(name)
        made += 1
    return "\n".join(lines) + "\n"
