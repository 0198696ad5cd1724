"""Ultralytics' modules (ultralytics/nn/modules: conv.py, block.py, head.py) as convcalc blocks.

Each block is the module's `__init__` and `forward` written in the spec language: its
parameters are the class's own (`C2f(c1, c2, n=1, shortcut=False, g=1, e=0.5)`), with the
widths `__init__` works out (`self.c = int(c2 * e)`) as parameters whose defaults compute them;
its layers are the module's submodules under their attribute names (`cv1`, `m`, `cv2`, so
that rows are Ultralytics' module paths, `model.2.m.0.cv1.conv`) and the tensor functions the
forward calls between them (`chunk`, `torch.cat`, `+`) as convcalc's own layers.

A few blocks depend on the file: Conv's activation (a file's `activation:`), how many
bottleneck outputs a C2f-like block concatenates (one `Concat` line for each repeat count the
file uses), Detect's levels and its classification branch (the `legacy` one of the files before
YOLO11, or YOLO11's depthwise one). `Blocks` collects what a file needs and writes each once.
"""

from __future__ import annotations

import ast

from convcalc.signature import REQUIRED
from convcalc.sources.draft import Arithmetic, Block, Call, Layer


def parse_layer(text: str, comment: str = "") -> Layer:
    """A layer written as a spec writes it, as a Layer record: literals stay values, arithmetic
    stays text, a layer inside the arguments is a Call.

    >>> layer = parse_layer('Conv2d(c1, c2, 3, bias=False, name="conv")')
    >>> layer.type, layer.args, layer.kwargs, layer.name
    ('Conv2d', (Arithmetic(text='c1'), Arithmetic(text='c2'), 3), {'bias': False}, 'conv')
    """
    node = ast.parse(text, mode="eval").body
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name), text
    call = _call(node, text)
    kwargs = dict(call.kwargs)
    name = kwargs.pop("name", None)
    assert name is None or isinstance(name, str), text
    inputs = kwargs.pop("inputs") if isinstance(kwargs.get("inputs"), list) else None  # arithmetic stays a keyword
    listed = None if not isinstance(inputs, list) else tuple(i for i in inputs if isinstance(i, str | int))
    return Layer(call.type, call.args, kwargs, name, listed, comment=comment)


def _call(node: ast.Call, text: str) -> Call:
    assert isinstance(node.func, ast.Name), text
    args = tuple(_value(a, text) for a in node.args)
    kwargs = {str(k.arg): _value(k.value, text) for k in node.keywords}
    return Call(node.func.id, args, kwargs)


def _value(node: ast.expr, text: str) -> object:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper():
        return _call(node, text)
    if isinstance(node, ast.List) and any(isinstance(e, ast.Call) for e in node.elts):
        return [_value(e, text) for e in node.elts]
    try:
        return ast.literal_eval(node)
    except ValueError:
        segment = ast.get_source_segment(text, node)
        assert segment is not None, text
        return Arithmetic(segment)


def block(name: str, params: dict[str, object], layers: list[str], comment: str) -> Block:
    return Block(name, params, tuple(parse_layer(line) for line in layers), comment)


def req(*names: str) -> dict[str, object]:
    return dict.fromkeys(names, REQUIRED)


INPUT = '["input"]'
ACTIVATION = "SiLU()"
"""Conv.default_act, nn.SiLU(), unless the file's `activation:` says otherwise."""


def conv(activation: str) -> Block:
    """Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True): convolution without bias, batch norm,
    the default activation when `act is True`, nn.Identity otherwise (conv.py; autopad: a
    padding of the dilated kernel's size // 2)."""
    act = parse_layer(activation)
    call = f"{act.type}({', '.join(_literal(a) for a in act.args)}"
    return block(
        "Conv",
        req("c1", "c2") | {"k": 1, "s": 1, "p": None, "g": 1, "d": 1, "act": True},
        [
            'Conv2d(c1, c2, k, s, (d * (k - 1) + 1) // 2 if p is None else p, groups=g, dilation=d, bias=False, name="conv")',
            'BatchNorm2d(c2, name="bn")',
            call + (", " if act.args else "") + 'name="act", when=act is True)',
            'Identity(name="act", when=act is not True)',
        ],
        f"ultralytics.nn.modules.conv.Conv: conv, bn, act ({activation} as Conv.default_act)",
    )


def _literal(value: object) -> str:
    from convcalc.sources.writer import literal

    return literal(value)


def dwconv(activation: str) -> Block:
    """DWConv(c1, c2, k=1, s=1, d=1, act=True): a Conv (its modules conv, bn, act) whose groups
    are math.gcd(c1, c2)."""
    base = conv(activation)
    first = parse_layer(
        'Conv2d(c1, c2, k, s, (d * (k - 1) + 1) // 2, groups=math.gcd(c1, c2), dilation=d, bias=False, name="conv")'
    )
    params = req("c1", "c2") | {"k": 1, "s": 1, "d": 1, "act": True}
    return Block(
        "DWConv", params, (first, *base.layers[1:]), "ultralytics.nn.modules.conv.DWConv: a Conv of groups math.gcd(c1, c2)"
    )


def concat_lines(source: str, pieces: tuple[str, ...], repeats: tuple[int, ...]) -> list[str]:
    """`torch.cat(y, 1)` of a C2f-like block, whose list y grows by one output per repeat: one
    line for each repeat count the file uses, kept by `when`.

    >>> concat_lines("m", ("chunk",), (2,))
    ['Concat(1, inputs=["chunk", "m.0", "m.1"], when=n == 2, name="cat")']
    """
    lines = []
    for n in repeats:
        names = ", ".join(f'"{name}"' for name in (*pieces, *(f"{source}.{i}" for i in range(n))))
        lines.append(f'Concat(1, inputs=[{names}], when=n == {n}, name="cat")')
    return lines


def c2f_like(name: str, unit: list[str], repeats: tuple[int, ...], params: dict[str, object], comment: str) -> Block:
    """C2f and its kin (C3k2, C2fCIB): cv1, chunk in two, the repeated units in `m` each on the
    one before, torch.cat of all, cv2 (block.py C2f.forward)."""
    return block(
        name,
        req("c1", "c2") | params | {"c": "int(c2 * e)"},
        [
            'Conv(c1, 2 * c, 1, 1, name="cv1")',
            'Chunk(2, 1, name="chunk")',
            f'ModuleList([{", ".join(unit)}], name="m", inputs=["chunk[1]"])',
            *concat_lines("m", ("chunk", "chunk[1]"), repeats),
            'Conv((2 + n) * c, c2, 1, name="cv2")',
        ],
        comment,
    )


def c3_like(name: str, unit: str, params: dict[str, object], comment: str) -> Block:
    """C3 and its kin (C3k, C3Ghost): cv1 then the repeated units `m`, cv2 beside them on the
    input, torch.cat, cv3 (block.py C3.forward)."""
    return block(
        name,
        req("c1", "c2") | {"n": 1, "shortcut": True, "g": 1, "e": 0.5} | params | {"c_": "int(c2 * e)"},
        [
            'Conv(c1, c_, 1, 1, name="cv1")',
            f'Sequential({unit}, name="m")',
            'Conv(c1, c_, 1, 1, name="cv2", inputs=["input"])',
            'Concat(1, inputs=["m", "cv2"])',
            'Conv(2 * c_, c2, 1, name="cv3")',
        ],
        comment,
    )


def attention() -> Block:
    """Attention(dim, num_heads=8, attn_ratio=0.5) of PSA blocks (block.py): qkv, one view into
    heads split into q, k, v, softmax((q * scale)^T k), v attn^T viewed back, plus pe on v, proj."""
    return block(
        "Attention",
        req("dim")
        | {
            "num_heads": 8,
            "attn_ratio": 0.5,
            "head_dim": "dim // num_heads",
            "key_dim": "int(head_dim * attn_ratio)",
            "positions": "input_shape[2] * input_shape[3]",
        },
        [
            'Conv(dim, dim + key_dim * num_heads * 2, 1, act=False, name="qkv")',
            'View(-1, num_heads, key_dim * 2 + head_dim, positions, name="heads")',
            'Split([key_dim, key_dim, head_dim], 2, name="qkv_split")',
            'Multiply(key_dim ** -0.5, inputs=["qkv_split"])',
            "Transpose(-2, -1)",
            'Matmul(inputs=[-1, "qkv_split[1]"])',
            "Softmax(-1)",
            "Transpose(-2, -1)",
            'Matmul(inputs=["qkv_split[2]", -1])',
            "View(-1, dim, input_shape[2], input_shape[3])",
            'Reshape(-1, dim, input_shape[2], input_shape[3], inputs=["qkv_split[2]"])',
            'Conv(dim, dim, 3, 1, g=dim, act=False, name="pe")',
            "Add(inputs=[-3, -1])",
            'Conv(dim, dim, 1, act=False, name="proj")',
        ],
        "ultralytics.nn.modules.block.Attention (its non-CoreML forward)",
    )


def psa_block() -> Block:
    """PSABlock(c, attn_ratio=0.5, num_heads=4, shortcut=True): x + attn(x), then x + ffn(x)."""
    return block(
        "PSABlock",
        req("c") | {"attn_ratio": 0.5, "num_heads": 4, "shortcut": True},
        [
            'Attention(c, num_heads, attn_ratio, name="attn")',
            'Add(inputs=["input", "attn"], when=shortcut)',
            'Sequential(Conv(c, c * 2, 1), Conv(c * 2, c, 1, act=False), name="ffn")',
            'Add(inputs=[-2, "ffn"], when=shortcut)',
        ],
        "ultralytics.nn.modules.block.PSABlock",
    )


def detect(levels: int, legacy: bool) -> Block:
    """Detect(nc, reg_max, end2end, ch) on `levels` feature maps (head.py): per level a box
    branch cv2 and a class branch cv3, each flattened and joined along the positions, DFL on the
    boxes, sigmoid on the classes, joined along the channels: (batch, 4 + nc, positions)."""
    others = [f"x{i}" for i in range(1, levels)]
    sources = ["input", *others]
    box = "Conv({x}, c2, 3), Conv(c2, c2, 3), Conv2d(c2, 4 * reg_max, 1)"
    if legacy:
        cls = "Conv({x}, c3, 3), Conv(c3, c3, 3), Conv2d(c3, nc, 1)"
    else:
        cls = (
            "Sequential(DWConv({x}, {x}, 3), Conv({x}, c3, 1)), Sequential(DWConv(c3, c3, 3), Conv(c3, c3, 1)), Conv2d(c3, nc, 1)"
        )

    def branches(name: str, body: str) -> Layer:
        children = tuple(
            parse_layer(f"Sequential({body.format(x=f'shape({s})[1]')}, inputs={INPUT if s == 'input' else f'[{s}]'})")
            for s in sources
        )
        return Layer("ModuleList", name=name, inputs=("input",), children=children)  # `input` in it: the block's

    flat = [
        *(f'Flatten(2, inputs=["cv2.{i}"])' for i in range(levels)),
        f'Concat(2, inputs=[{", ".join(str(-levels + i) for i in range(levels))}], name="boxes")',
        *(f'Flatten(2, inputs=["cv3.{i}"])' for i in range(levels)),
        f'Concat(2, inputs=[{", ".join(str(-levels + i) for i in range(levels))}], name="scores")',
        'DFL(reg_max, name="dfl", inputs=["boxes"])',
        'Sigmoid(inputs=["scores"])',
        'Concat(1, inputs=["dfl", -1])',
    ]
    params = req("nc", "reg_max", *others) | {
        "c2": "max(16, input_shape[1] // 4, reg_max * 4)",
        "c3": "max(input_shape[1], min(nc, 100))",
    }
    layers = (branches("cv2", box), branches("cv3", cls), *(parse_layer(line) for line in flat))
    kind = "legacy (v3, v5, v6, v8, v9)" if legacy else "YOLO11's depthwise class branch"
    return Block("Detect", params, layers, f"ultralytics.nn.modules.head.Detect, {levels} levels, {kind}")


def dfl() -> Block:
    """DFL(c1=16): each box side's c1 bins softmaxed and weighed by a fixed 1x1 convolution."""
    return block(
        "DFL",
        {"c1": 16},
        [
            "Unflatten(1, (4, c1))",
            "Transpose(2, 1)",
            "Softmax(1)",
            'Conv2d(c1, 1, 1, bias=False, name="conv")',
            "Flatten(1, 2)",
        ],
        "ultralytics.nn.modules.block.DFL: x.view(b, 4, c1, a).transpose(2, 1).softmax(1), conv, .view(b, 4, a)",
    )


FIXED: dict[str, Block] = {}


def fixed() -> dict[str, Block]:
    """The blocks that do not depend on the file."""
    if FIXED:
        return FIXED
    blocks = [
        block(
            "Bottleneck",
            req("c1", "c2") | {"shortcut": True, "g": 1, "k": (3, 3), "e": 0.5, "c_": "int(c2 * e)"},
            [
                'Conv(c1, c_, k[0], 1, name="cv1")',
                'Conv(c_, c2, k[1], 1, g=g, name="cv2")',
                'Add(inputs=["input", "cv2"], when=shortcut and c1 == c2)',
            ],
            "ultralytics.nn.modules.block.Bottleneck: x + cv2(cv1(x)) when shortcut and c1 == c2; k is (cv1's kernel, cv2's)",
        ),
        block(
            "GhostConv",
            req("c1", "c2") | {"k": 1, "s": 1, "g": 1, "act": True, "c_": "c2 // 2"},
            [
                'Conv(c1, c_, k, s, None, g, act=act, name="cv1")',
                'Conv(c_, c_, 5, 1, None, c_, act=act, name="cv2")',
                'Concat(1, inputs=["cv1", "cv2"])',
            ],
            "ultralytics.nn.modules.conv.GhostConv",
        ),
        block(
            "GhostBottleneck",
            req("c1", "c2") | {"k": 3, "s": 1, "c_": "c2 // 2"},
            [
                "Sequential(GhostConv(c1, c_, 1, 1), DWConv(c_, c_, k, s, act=False, when=s == 2), Identity(when=s != 2), "
                'GhostConv(c_, c2, 1, 1, act=False), name="conv")',
                "Sequential(DWConv(c1, c1, k, s, act=False), Conv(c1, c2, 1, 1, act=False), "
                'name="shortcut", inputs=["input"], when=s == 2)',
                'Identity(name="shortcut", inputs=["input"], when=s != 2)',
                'Add(inputs=["conv", "shortcut"])',
            ],
            "ultralytics.nn.modules.block.GhostBottleneck",
        ),
        c3_like(
            "C3",
            "Bottleneck(c_, c_, shortcut, g, (1, 3), 1.0, repeat=n)",
            {},
            "ultralytics.nn.modules.block.C3: its bottlenecks' k=((1, 1), (3, 3)), 1 x 1 then 3 x 3",
        ),
        c3_like(
            "C3k",
            "Bottleneck(c_, c_, shortcut, g, (k, k), 1.0, repeat=n)",
            {"k": 3},
            "ultralytics.nn.modules.block.C3k: a C3 of k x k bottlenecks",
        ),
        c3_like("C3Ghost", "GhostBottleneck(c_, c_, repeat=n)", {}, "ultralytics.nn.modules.block.C3Ghost"),
        block(
            "C2",
            req("c1", "c2") | {"n": 1, "shortcut": True, "g": 1, "e": 0.5, "c": "int(c2 * e)"},
            [
                'Conv(c1, 2 * c, 1, 1, name="cv1")',
                'Chunk(2, 1, name="chunk")',
                'Sequential(Bottleneck(c, c, shortcut, g, (3, 3), 1.0, repeat=n), name="m", inputs=["chunk"])',
                'Concat(1, inputs=["m", "chunk[1]"])',
                'Conv(2 * c, c2, 1, name="cv2")',
            ],
            "ultralytics.nn.modules.block.C2",
        ),
        block(
            "SPP",
            req("c1", "c2") | {"k": (5, 9, 13), "c_": "c1 // 2"},
            [
                'Conv(c1, c_, 1, 1, name="cv1")',
                'ModuleList([MaxPool2d(k[0], 1, k[0] // 2, inputs=["input"]), MaxPool2d(k[1], 1, k[1] // 2, inputs=["input"]), '
                'MaxPool2d(k[2], 1, k[2] // 2, inputs=["input"])], name="m")',
                'Concat(1, inputs=["cv1", "m.0", "m.1", "m.2"])',
                'Conv(c_ * 4, c2, 1, 1, name="cv2")',
            ],
            "ultralytics.nn.modules.block.SPP, three pools (k of three sizes)",
        ),
        block(
            "SPPF",
            req("c1", "c2") | {"k": 5, "c_": "c1 // 2"},
            [
                'Conv(c1, c_, 1, 1, name="cv1")',
                'MaxPool2d(k, 1, k // 2, name="m")',
                'MaxPool2d(k, 1, k // 2, name="m@1", shares="m")',
                'MaxPool2d(k, 1, k // 2, name="m@2", shares="m")',
                'Concat(1, inputs=["cv1", "m", "m@1", "m@2"])',
                'Conv(c_ * 4, c2, 1, 1, name="cv2")',
            ],
            "ultralytics.nn.modules.block.SPPF as parse_model makes it from a row of three arguments or fewer "
            "(n=3 pools of one module m, cv1 activated)",
        ),
        attention(),
        psa_block(),
        block(
            "C2PSA",
            req("c1", "c2") | {"n": 1, "e": 0.5, "c": "int(c1 * e)"},
            [
                'Conv(c1, 2 * c, 1, 1, name="cv1")',
                'Split((c, c), 1, name="split")',
                'Sequential(PSABlock(c, 0.5, max(c // 64, 1), repeat=n), name="m", inputs=["split[1]"])',
                'Concat(1, inputs=["split", "m"])',
                'Conv(2 * c, c1, 1, name="cv2")',
            ],
            "ultralytics.nn.modules.block.C2PSA",
        ),
        block(
            "SCDown",
            req("c1", "c2", "k", "s"),
            ['Conv(c1, c2, 1, 1, name="cv1")', 'Conv(c2, c2, k, s, g=c2, act=False, name="cv2")'],
            "ultralytics.nn.modules.block.SCDown",
        ),
        dfl(),
    ]
    FIXED.update((b.name, b) for b in blocks)
    return FIXED


def c2f(repeats: tuple[int, ...]) -> Block:
    return c2f_like(
        "C2f",
        ["Bottleneck(c, c, shortcut, g, (3, 3), 1.0, repeat=n)"],
        repeats,
        {"n": 1, "shortcut": False, "g": 1, "e": 0.5},
        "ultralytics.nn.modules.block.C2f",
    )


def c3k2(repeats: tuple[int, ...]) -> Block:
    return c2f_like(
        "C3k2",
        [
            "Sequential(Bottleneck(c, c, shortcut, g), PSABlock(c, 0.5, max(c // 64, 1)), repeat=n, when=attn)",
            "C3k(c, c, 2, shortcut, g, repeat=n, when=c3k and not attn)",
            "Bottleneck(c, c, shortcut, g, repeat=n, when=not c3k and not attn)",
        ],
        repeats,
        {"n": 1, "c3k": False, "e": 0.5, "attn": False, "g": 1, "shortcut": True},
        "ultralytics.nn.modules.block.C3k2: a C2f of C3k (c3k), Bottleneck+PSABlock (attn) or Bottleneck units",
    )


USES: dict[str, tuple[str, ...]] = {
    "Conv": (),
    "DWConv": (),
    "Bottleneck": ("Conv",),
    "GhostConv": ("Conv",),
    "GhostBottleneck": ("GhostConv", "DWConv", "Conv"),
    "C2f": ("Conv", "Bottleneck"),
    "C3k2": ("Conv", "Bottleneck", "C3k", "PSABlock"),
    "C3": ("Conv", "Bottleneck"),
    "C3k": ("Conv", "Bottleneck"),
    "C3Ghost": ("Conv", "GhostBottleneck"),
    "C2": ("Conv", "Bottleneck"),
    "SPP": ("Conv",),
    "SPPF": ("Conv",),
    "Attention": ("Conv",),
    "PSABlock": ("Attention", "Conv"),
    "C2PSA": ("Conv", "PSABlock"),
    "SCDown": ("Conv",),
    "Detect": ("Conv", "DWConv", "DFL"),
    "DFL": (),
}
"""The blocks each block's layers call: a file that uses C2f needs Conv and Bottleneck too."""
ORDER = tuple(USES)


class Blocks:
    """The blocks one file needs, each once, in ORDER."""

    def __init__(self, activation: str) -> None:
        self.activation = activation
        self.used: set[str] = set()
        self.repeats: dict[str, set[int]] = {}
        self.detect: tuple[int, bool] | None = None

    def use(self, name: str) -> None:
        if name not in self.used:
            self.used.add(name)
            for inner in USES[name]:
                self.use(inner)

    def repeat(self, name: str, n: int) -> None:
        self.repeats.setdefault(name, set()).add(n)

    def blocks(self) -> tuple[Block, ...]:
        made: dict[str, Block] = dict(fixed())
        made["Conv"] = conv(self.activation)
        made["DWConv"] = dwconv(self.activation)
        made["C2f"] = c2f(tuple(sorted(self.repeats.get("C2f", {1}))))
        made["C3k2"] = c3k2(tuple(sorted(self.repeats.get("C3k2", {1}))))
        if self.detect is not None:
            made["Detect"] = detect(*self.detect)
        return tuple(made[name] for name in ORDER if name in self.used)
