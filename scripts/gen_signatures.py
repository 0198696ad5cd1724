"""Regenerate convcalc/frameworks/keras/signatures.py and convcalc/frameworks/pytorch/signatures.py
from the real frameworks (one table a framework: a spec loads its own framework's alone).

Signatures (names, positional order, defaults) are facts about Keras and PyTorch; reading them
from `inspect.signature` rather than typing them keeps convcalc's calls exactly the real ones.
tests/conformance/test_signatures.py checks the file against the installed frameworks.

With --descriptions it writes convcalc/frameworks/descriptions.py instead: each class's first
docstring sentence and, per argument, its type as the framework states it (PyTorch's
annotation, Keras's docstring) and the first sentence of its docstring entry. Only
`convcalc schema` (convcalc/render/spec_schema.py) reads them, for the spec schema editors complete.

    KERAS_BACKEND=torch python scripts/gen_signatures.py    # writes both, then: ruff format convcalc/frameworks
    KERAS_BACKEND=torch python scripts/gen_signatures.py --descriptions > convcalc/frameworks/descriptions.py

Besides keras.layers and torch.nn it reads the layer classes of HOMES, which real models use
but those namespaces do not export (torchvision.ops, keras.applications' own layers); it needs
torchvision installed (`pip install torchvision`), imported as tests/conformance/oracle.py does.
"""

from __future__ import annotations

import inspect
import os
import re
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "conformance"))

HOMES: dict[str, dict[str, str]] = {
    "keras": {
        "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
        "LayerScale": "keras.src.applications.convnext",
        "StochasticDepth": "keras.src.applications.convnext",
    },
    "pytorch": {
        "Conv2dNormActivation": "torchvision.ops",
        "Conv3dNormActivation": "torchvision.ops",
        "LayerNorm2d": "torchvision.models.convnext",
        "SqueezeExcitation": "torchvision.ops",
        "StochasticDepth": "torchvision.ops",
    },
}
"""Layer classes that live outside keras.layers and torch.nn, by framework: the module each is
imported from (written into each framework's signatures.py; frameworks/signatures.py gathers them
for the conformance tests)."""

LITERALS = (int, float, str, bool, type(None))
NAMES = {"keras": "Keras", "pytorch": "PyTorch"}


def literal(value: object) -> object:
    """A default as a literal (tuples and lists, nested ones too, as tuples); a class becomes
    "<class Name>" (torchvision's norm_layer=BatchNorm2d), other objects (dtypes, callables)
    "<TypeName>"."""
    if isinstance(value, LITERALS):
        return value
    if inspect.isclass(value):
        return f"<class {value.__name__}>"
    if isinstance(value, tuple | list):
        items = tuple(literal(v) for v in value)
        if not any(isinstance(v, str) and v.startswith("<") for v in items):
            return items
    return f"<{type(value).__name__}>"


def signature_of(cls: type) -> tuple[tuple, tuple, bool]:
    positional, keyword_only, var_kwargs = [], [], False
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        default = "REQUIRED" if param.default is param.empty else literal(param.default)
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional.append((param.name, default))
        elif param.kind == param.KEYWORD_ONLY:
            keyword_only.append((param.name, default))
        elif param.kind == param.VAR_KEYWORD:
            var_kwargs = True
    return tuple(positional), tuple(keyword_only), var_kwargs


def layer_classes() -> dict[str, dict[str, type]]:
    """Every public layer class of keras.layers and torch.nn, by framework and name."""
    import keras
    import torch

    found: dict[str, dict[str, type]] = {"keras": {}, "pytorch": {}}
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer):
            found["keras"][name] = cls
    for name in sorted(dir(torch.nn)):
        cls = getattr(torch.nn, name)
        if inspect.isclass(cls) and issubclass(cls, torch.nn.Module) and not name.startswith("_"):
            found["pytorch"][name] = cls
    from oracle import import_module

    for framework, homes in HOMES.items():
        for name, module in homes.items():
            assert name not in found[framework], f"{name} is already a {framework} layer class"
            found[framework][name] = getattr(import_module(module), name)
        found[framework] = dict(sorted(found[framework].items()))
    return found


def classes() -> dict[str, dict[str, tuple]]:
    return {framework: {name: signature_of(cls) for name, cls in found.items()} for framework, found in layer_classes().items()}


ROLES = re.compile(r":(?:attr|class|meth|func|math|ref|mod|obj):`~?([^`<]*)(?:<[^>]*>)?`")
TYPE_WORDS = re.compile(
    r"\b(int|ints|integer|integers|float|floats|bool|boolean|str|string|strings|tuple|tuples|list|lists|dict)\b", re.I
)


def clean(text: str) -> str:
    """Docstring text as plain words: Sphinx roles and backquotes dropped, spaces collapsed."""
    text = ROLES.sub(r"\1", text)
    text = text.replace("``", "").replace("`", "")
    return " ".join(text.split())


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of `text`, cut to `limit` characters."""
    text = clean(text)
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"'])", text)
    sentence = text[: match.start()] if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."


def argument_docs(doc: str) -> dict[str, tuple[str, str]]:
    """The `Args:` section of a Google-style docstring: name -> (type in parentheses, text)."""
    lines = doc.splitlines()
    found: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    headings = [i for i, line in enumerate(lines) if line.strip() in ("Args:", "Arguments:", "Parameters:")]
    if not headings:
        return {}
    start = headings[0]
    indent = len(lines[start]) - len(lines[start].lstrip())
    entry_indent = None
    current = None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth <= indent:
            break
        entry_indent = depth if entry_indent is None else entry_indent
        match = re.match(r"\s*\*{0,2}(\w+)\*{0,2}\s*(?:\(([^)]*)\))?\s*:\s*(.*)", line)
        if depth == entry_indent and match:
            current = match.group(1)
            kinds[current] = match.group(2) or ""
            found[current] = [match.group(3)]
        elif current is not None:
            found[current].append(line.strip())
    return {name: (kinds[name], " ".join(parts)) for name, parts in found.items()}


def annotation_text(annotation: object) -> str:
    """A PyTorch annotation as words: `Union[str, _size_2_t]` -> "str | int | tuple[int, int]"."""
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else repr(annotation)
    text = text.replace("typing.", "").replace("torch.", "").replace("<class '", "").replace("'>", "")
    return text


def keras_type(text: str) -> tuple[str, str]:
    """Keras's entries open with the type: "int, the ...", "Int, or tuple of 2 ints, or ...",
    "Float between 0 and 1. Fraction ...": (the type clauses, the rest)."""
    kind, rest = "", text.strip()
    while True:
        parts = re.split(r"[,.](?:\s|$)", rest, maxsplit=1)
        clause, after = parts[0], parts[1] if len(parts) > 1 else ""
        words = clause.split()
        first = not kind
        if not TYPE_WORDS.search(clause) or len(words) > 8 or (not first and words[:1] != ["or"]):
            break
        kind = f"{kind}, {clause}" if kind else clause
        rest = after.strip()
    return kind, rest or text


def described(cls: type, framework: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """(the class's first sentence, {argument: (type words, first sentence of its entry)})."""
    doc = inspect.getdoc(cls) or ""
    summary = first_sentence(doc.split("\n\n")[0]) if doc else ""
    entries = argument_docs(doc)
    arguments: dict[str, tuple[str, str]] = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        kind, text = entries.get(param.name, ("", ""))
        if framework == "pytorch":
            kind = annotation_text(param.annotation) or kind
        else:  # Keras writes the type first: "filters: int, the dimension of..."
            kind, text = keras_type(text)
        arguments[param.name] = (clean(kind), first_sentence(text))
    return summary, arguments


def stand_ins(framework: str) -> dict[str, tuple[str, dict[str, tuple[str, str]]]]:
    """convcalc's own stand-ins for the framework's functions (PyTorch's Permute for
    torch.permute, Keras's Mean for keras.ops.mean), described as the classes are: the first
    sentence of the docstring of the function that builds each (it names the call it stands
    for) and its `Args:` entries, for the arguments of the stand-in's signature."""
    from convcalc.frameworks import vocabulary

    found = {}
    for name, layer_type in vocabulary(framework).types.items():
        if not layer_type.own:
            continue
        doc = inspect.getdoc(layer_type.build) or ""
        entries = argument_docs(doc)
        signature = layer_type.signature
        arguments = {
            argument: (clean(entries[argument][0]), first_sentence(entries[argument][1]))
            for argument, _ in signature.positional + signature.keyword_only
            if argument in entries
        }
        found[name] = (first_sentence(doc.split("\n\n")[0]) if doc else "", arguments)
    return found


def main_descriptions() -> None:
    import keras
    import torch

    out = sys.stdout
    out.write('"""One-line descriptions of the real layer classes and their arguments, generated by\n')
    out.write(f"scripts/gen_signatures.py --descriptions from Keras {keras.__version__} and PyTorch ")
    out.write(f"{torch.__version__.split('+')[0]}. Do not edit by hand.\n\n")
    out.write("Each entry: (the class docstring's first sentence, {argument: (type as the framework states it,\n")
    out.write("the first sentence of its docstring entry)}); convcalc's own stand-ins for functions are\n")
    out.write('described by the docstrings of their builders. Read only by `convcalc schema`.\n"""\n\n')
    for framework, found in layer_classes().items():
        entries = {name: described(cls, framework) for name, cls in found.items()} | stand_ins(framework)
        out.write(f"{framework.upper()} = {{\n")
        for name in sorted(entries):
            out.write(f"    {name!r}: {entries[name]!r},\n")
        out.write("}\n\n")


def main() -> None:
    import keras
    import torch

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "convcalc", "frameworks")
    versions = f"Keras {keras.__version__} and PyTorch {torch.__version__.split('+')[0]}"
    for framework, entries in classes().items():
        with open(os.path.join(root, framework, "signatures.py"), "w") as out:
            out.write(f'"""Constructor signatures of the real {NAMES[framework]} layer classes, generated by\n')
            out.write(f"scripts/gen_signatures.py from {versions}. Do not edit by hand.\n\n")
            out.write("Each entry: (positional-or-keyword parameters, keyword-only parameters, takes **kwargs),\n")
            out.write('each parameter a (name, default) pair, "REQUIRED" where there is no default.\n"""\n\n')
            out.write("SIGNATURES = {\n")
            for name, sig in entries.items():
                out.write(f"    {name!r}: {sig!r},\n")
            out.write("}\n\n")
            out.write("# Classes that live outside keras.layers and torch.nn: the module each is imported from.\n")
            out.write(f"HOMES = {HOMES[framework]!r}\n")


if __name__ == "__main__":
    main_descriptions() if "--descriptions" in sys.argv[1:] else main()
