"""Python identifiers for what a spec names: attributes, variables, classes and functions.

A spec's names are text (`conv1`, `block-3`, `class`); code needs identifiers that are not
keywords and do not hide what the code itself uses. Each scope hands out names once.
"""

from __future__ import annotations

import keyword
import re

from convcalc.record import Record


def identifier(text: str, fallback: str = "layer") -> str:
    """The closest identifier: other characters become `_`, a leading digit gets `_` before it,
    a keyword `_` after it.

    >>> identifier("conv1"), identifier("block-3.conv"), identifier("3x3"), identifier("class"), identifier("")
    ('conv1', 'block_3_conv', '_3x3', 'class_', 'layer')
    """
    name = re.sub(r"\W", "_", text, flags=re.ASCII)
    if not name:
        return fallback
    if name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def camel(text: str, fallback: str = "Model") -> str:
    """A class name: `basic_down` -> `BasicDown`, `pytorch-resnet18` -> `PytorchResnet18`.

    >>> camel("basic_down"), camel("pytorch-resnet18"), camel("3d"), camel(""), camel("None")
    ('BasicDown', 'PytorchResnet18', 'Model3d', 'Model', 'ModelNone')
    """
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    name = "".join(w[0].upper() + w[1:] for w in words)
    if not name:
        return fallback
    return fallback + name if name[0].isdigit() or keyword.iskeyword(name) else name


def snake(text: str, fallback: str = "model") -> str:
    """A function name: `keras-resnet50` -> `keras_resnet50`.

    >>> snake("keras-resnet50"), snake("VGG 16"), snake("")
    ('keras_resnet50', 'vgg_16', 'model')
    """
    name = "_".join(w for w in re.split(r"[^0-9A-Za-z]+", text) if w).lower()
    if not name:
        return fallback
    return identifier(fallback + "_" + name if name[0].isdigit() else name)


class Names(Record):
    """The names taken in one scope: each request gets a free one, derived from what it asks for."""

    __slots__ = ("taken",)

    taken: set[str]

    def __init__(self, reserved: frozenset[str] | set[str] = frozenset()) -> None:
        self.taken = set(reserved)

    def take(self, wanted: str, separator: str = "_") -> str:
        """`wanted` if free, else `wanted_2`, `wanted_3`... (`Block2` with no separator, for classes).

        >>> names = Names({"x"})
        >>> names.take("x"), names.take("conv"), names.take("conv"), names.take("Stage", ""), names.take("Stage", "")
        ('x_2', 'conv', 'conv_2', 'Stage', 'Stage2')
        """
        name = wanted
        count = 1
        while name in self.taken:
            count += 1
            name = f"{wanted}{separator}{count}"
        self.taken.add(name)
        return name


# What nn.Module's instances already hold (torch 2.x, `dir(nn.Module())`): a submodule stored under
# one of these names would hide it or be hidden by it. The conformance suite checks the list
# against the installed torch.
MODULE_ATTRIBUTES = frozenset(
    {
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    }
)
