"""convcalc/frameworks/{keras,pytorch}/signatures.py hold the real classes' `__init__` signatures.

Checked here against `inspect.signature` of the installed Keras and PyTorch, independently of
scripts/gen_signatures.py, for every class the vocabularies define: parameter names, their
positional order, which are keyword-only, defaults, and whether the class takes **kwargs.
"""

from __future__ import annotations

import inspect
import os

import oracle
import pytest
from oracle import NEEDS

from convcalc.frameworks import signatures
from convcalc.frameworks.keras import KERAS
from convcalc.frameworks.keras import signatures as keras_signatures
from convcalc.frameworks.keras.layers import BASE_KWARGS
from convcalc.frameworks.pytorch import PYTORCH
from convcalc.frameworks.pytorch import signatures as pytorch_signatures

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason=NEEDS)
keras = pytest.importorskip("keras", reason=NEEDS)


pytestmark = pytest.mark.conformance

LITERALS = (int, float, str, bool, type(None))
REGENERATE = "regenerate them: KERAS_BACKEND=torch python scripts/gen_signatures.py && ruff format convcalc/frameworks"


def real_class(framework: str, name: str) -> type:
    """keras.layers or torch.nn's class, or the one signatures.HOMES says lives elsewhere
    (torchvision.ops, keras.applications); skipped when that package is not installed."""
    try:
        return oracle.real_class(framework, name)
    except ImportError as exc:
        pytest.skip(f"{framework} {name} lives in {signatures.HOMES[framework][name]}: {exc}")


def same_default(real: object, table: object) -> bool:
    """Literal defaults must be equal and of the same type (True is not 1); tuples and lists
    are both stored as tuples; other objects (dtypes, callables) are stored as "<TypeName>"."""
    if isinstance(real, LITERALS):
        return type(real) is type(table) and real == table
    if inspect.isclass(real):  # torchvision's norm_layer=torch.nn.BatchNorm2d
        return table == f"<class {real.__name__}>"
    if isinstance(real, tuple | list) and isinstance(table, tuple):  # nested tuples too: Cropping2D's ((0, 0), (0, 0))
        return len(real) == len(table) and all(same_default(a, b) for a, b in zip(real, table))
    return table == f"<{type(real).__name__}>"


def check_signature(framework: str, name: str) -> None:
    table = signatures.KERAS if framework == "keras" else signatures.PYTORCH
    assert name in table, f"{name} is not in signatures.py; {REGENERATE}"
    positional, keyword_only, var_kwargs = table[name]
    params = list(inspect.signature(real_class(framework, name).__init__).parameters.values())[1:]
    real_positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    real_keyword = [p for p in params if p.kind is p.KEYWORD_ONLY]
    assert [n for n, _ in positional] == [p.name for p in real_positional], f"{name}: positional order; {REGENERATE}"
    assert [n for n, _ in keyword_only] == [p.name for p in real_keyword], f"{name}: keyword-only names; {REGENERATE}"
    assert var_kwargs == any(p.kind is p.VAR_KEYWORD for p in params), f"{name}: **kwargs; {REGENERATE}"
    for (param_name, stored), param in zip(positional + keyword_only, real_positional + real_keyword):
        if param.default is param.empty:
            assert stored == "REQUIRED", f"{name}.{param_name} is required, the table says default {stored!r}"
        else:
            assert same_default(param.default, stored), f"{name}.{param_name}: default {param.default!r}, table {stored!r}"


def real_types(vocab: object) -> list[str]:
    """The vocabulary's framework classes; convcalc's own stand-ins (PyTorch's Add, Concat,
    Select for torch functions) have no class to compare with."""
    return sorted(name for name, layer_type in vocab.types.items() if not layer_type.own)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", real_types(KERAS))
def test_keras_signature(name: str) -> None:
    check_signature("keras", name)


@pytest.mark.parametrize("name", real_types(PYTORCH))
def test_pytorch_signature(name: str) -> None:
    check_signature("pytorch", name)


def var_positional_types() -> list[tuple[str, str]]:
    """Vocabulary classes whose real `__init__` takes *args, which the table cannot express."""
    return [
        (framework, name)
        for framework, vocab in (("keras", KERAS), ("pytorch", PYTORCH))
        for name in real_types(vocab)
        if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(real_class(framework, name).__init__).parameters.values())
    ]


def test_classes_taking_var_positional_agree_on_extra_arguments() -> None:
    """signatures.py drops *args (scripts/gen_signatures.py), so such a class needs a signature of
    its own in the vocabulary: torch.nn.Identity(54, unused_argument1=0.1) is valid (its docs),
    while classes that merely inherit Module.__init__(*args, **kwargs) (LogSigmoid) refuse it."""
    import convcalc
    from convcalc.errors import SpecError

    found = var_positional_types()
    assert ("pytorch", "Identity") in found
    for framework, name in found:
        try:
            real_class(framework, name)(54, unused_argument1=0.1)
            real = True
        except TypeError:
            real = False
        text = f"framework: {framework}\ninput: [4, 5]\nlayers:\n- {name}(54, unused_argument1=0.1)\n"
        try:
            convcalc.summarize(text)
            ours, message = True, "accepts it"
        except SpecError as exc:
            ours, message = False, str(exc)
        verb = "takes" if real else "refuses"
        assert ours == real, f"{name}(54, unused_argument1=0.1): {framework} {verb} it, convcalc: {message}"


@pytest.mark.parametrize(
    ("framework", "alias", "name"),
    [("keras", a, n) for a, n in sorted(KERAS.aliases.items())]
    + [("pytorch", a, n) for a, n in sorted(PYTORCH.aliases.items()) if not PYTORCH.types[n].own],
)
def test_alias_is_the_same_class(framework: str, alias: str, name: str) -> None:
    """An alias (Convolution2D) is the very class it stands for (Conv2D), not a look-alike."""
    assert real_class(framework, alias) is real_class(framework, name)


def test_every_vocabulary_type_is_a_real_class() -> None:
    for framework, vocab in (("keras", KERAS), ("pytorch", PYTORCH)):
        for name in real_types(vocab):
            if name in signatures.HOMES[framework]:
                continue  # checked by test_classes_outside_the_layer_namespaces_are_where_homes_says
            assert inspect.isclass(getattr(keras.layers if framework == "keras" else torch.nn, name, None)), name


@pytest.mark.parametrize(("framework", "name"), [(f, n) for f, homes in signatures.HOMES.items() for n in homes])
def test_classes_outside_the_layer_namespaces_are_where_homes_says(framework: str, name: str) -> None:
    """torchvision.ops' and keras.applications' own layer classes: real classes, in the module
    HOMES names, each one a vocabulary type."""
    cls = real_class(framework, name)
    base = keras.layers.Layer if framework == "keras" else torch.nn.Module
    assert inspect.isclass(cls) and issubclass(cls, base)
    assert name in (KERAS if framework == "keras" else PYTORCH).types


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
def test_keras_base_kwargs() -> None:
    """Keras's base Layer takes these keywords through **kwargs: its own keyword-only
    parameters, plus input_shape/input_dim, which it pops (keras/src/layers/layer.py)."""
    params = inspect.signature(keras.layers.Layer.__init__).parameters.values()
    named = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    assert named | {"input_shape", "input_dim"} == set(BASE_KWARGS)
    keras.layers.Dense(1, input_dim=3, name="x", dtype="float32", trainable=False, autocast=True, activity_regularizer=None)


def test_table_names_the_installed_versions() -> None:
    """A table generated from other versions could differ anywhere; say so plainly."""
    for table in (keras_signatures, pytorch_signatures):
        header = table.__doc__ or ""
        assert f"Keras {keras.__version__}" in header, f"{header.strip()!r} vs installed Keras {keras.__version__}; {REGENERATE}"
        assert f"PyTorch {torch.__version__.split('+')[0]}" in header, f"installed PyTorch {torch.__version__}; {REGENERATE}"
