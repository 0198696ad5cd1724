"""Nested containers: PyTorch's `Sequential`, `ModuleList` and `ModuleDict` and Keras's
`Sequential`, written as a layer that holds layers, so that row names are the real module paths
(`features.3.block.0.0`, the prefixes of torchvision's `state_dict`) and `--depth` folds them.

A container is no layer type of its own: it has no arithmetic, and its children are expanded into
the graph like a block's layers, each under the container's path. What differs between the
classes is said here and nowhere else: how its children are named, whether they run one after
the other, and how a spec gives them.

- torch `Sequential`: `Sequential(Conv2d(...), ReLU())` or `{type: Sequential, layers: [...]}`;
  children are named 0, 1, 2... as torch numbers them, or by key when a mapping names them
  (`Sequential(OrderedDict(...))`); its forward runs them in order, so none takes `inputs`.
- torch `ModuleList`: `ModuleList([...])` or `{type: ModuleList, modules: [...]}` (torch's own
  keyword); numbered children. A ModuleList has no forward: the one convcalc runs is the loop
  torchvision and transformers write (`for layer in self.layers: x = layer(x)`), and a child may
  take other `inputs` where the real forward wires them otherwise.
- torch `ModuleDict`: `ModuleDict({"conv": Conv2d(...)})` or `{type: ModuleDict, modules: {...}}`;
  children named by key, run in the mapping's order (`for name, layer in self.items()`).
- Keras `Sequential`: `Sequential([Dense(64), Dense(10)])` or `{type: Sequential, layers: [...]}`;
  children keep their own Keras names, counted with the layers around them as Keras counts its
  automatic names (`dense`, then `sequential.dense_1`); Keras's variables are then
  `sequential/dense_1/kernel`.

In a numbered container a child written with `name=` keeps that name and takes no number: it
stands for a function the forward calls between the modules (convcalc's own `Add`...).
"""

from __future__ import annotations

from convcalc.record import Record


class Container(Record):
    """What a container class does with its children."""

    __slots__ = ("name", "keyword", "positional", "numbered", "chained", "keyed", "keywords")

    name: str
    keyword: str  # the argument that holds the children (the mapping form's key)
    positional: tuple[str, ...]  # its positional parameters; ("*",): each positional argument is a child
    numbered: bool  # children named 0, 1, 2... (torch), not by their own names (Keras)
    chained: bool  # its forward runs the children one after the other: none takes `inputs`
    keyed: bool | None  # children given as a mapping of names: always (True), never (False), or either (None)
    keywords: tuple[str, ...]  # its other arguments, which change nothing convcalc computes

    def __init__(
        self,
        name: str,
        keyword: str,
        positional: tuple[str, ...],
        numbered: bool,
        chained: bool,
        keyed: bool | None,
        keywords: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.keyword = keyword
        self.positional = positional
        self.numbered = numbered
        self.chained = chained
        self.keyed = keyed
        self.keywords = keywords


CONTAINERS: dict[str, dict[str, Container]] = {
    # torch/nn/modules/container.py: Sequential(*args) or Sequential(OrderedDict), ModuleList(modules=None),
    # ModuleDict(modules=None). Its `layers` keyword is convcalc's, for the mapping form.
    "pytorch": {
        "Sequential": Container("Sequential", "layers", ("*",), numbered=True, chained=True, keyed=None),
        "ModuleList": Container("ModuleList", "modules", ("modules",), numbered=True, chained=False, keyed=False),
        "ModuleDict": Container("ModuleDict", "modules", ("modules",), numbered=True, chained=False, keyed=True),
    },
    # keras/src/models/sequential.py: Sequential(layers=None, trainable=True, name=None)
    "keras": {
        "Sequential": Container(
            "Sequential",
            "layers",
            ("layers", "trainable", "name"),
            numbered=False,
            chained=True,
            keyed=False,
            keywords=("trainable",),
        ),
    },
}


def container_of(framework: str, type_name: str) -> Container | None:
    """The container class `type_name` names in `framework`, or None for any other name.

    >>> container_of("pytorch", "ModuleList").keyword, container_of("keras", "ModuleList")
    ('modules', None)
    """
    return CONTAINERS.get(framework, {}).get(type_name)
