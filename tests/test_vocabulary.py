"""The vocabularies load module by module: the names written beside each module in the
framework's `__init__.py` are exactly what the module defines, a lookup imports the one module
that defines the name, and the whole vocabulary is the same whatever order its parts were loaded
in. And Keras's automatic names are made without regular expressions, as Keras makes them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcalc.errors import LayerError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import LayerType, Vocabulary, snake_case

FRAMEWORKS = ("keras", "pytorch")


def fresh(framework: str) -> Vocabulary:
    """A vocabulary with nothing loaded yet, made from the same parts."""
    return Vocabulary(framework, vocabulary(framework).parts)


def defined(layer_types: list[LayerType]) -> list[str]:
    return [name for t in layer_types for name in (t.name, *t.aliases)]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_each_part_defines_exactly_the_names_written_beside_it(framework: str) -> None:
    """On a failure the message is the line to write: the part and its names in order."""
    for part, written in vocabulary(framework).parts.items():
        vocab = fresh(framework)
        vocab.load(part)
        assert list(vocab._loaded) == [part]  # a part needs no other to define its types
        names = defined(vocab._loaded[part][0] + vocab._loaded[part][1])
        assert names == written.split(), f'"{part}": "{" ".join(names)}"'


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_no_name_is_written_twice(framework: str) -> None:
    written = [name for names in vocabulary(framework).parts.values() for name in names.split()]
    assert len(written) == len(set(written))
    assert len(written) == len(vocabulary(framework).types) + len(vocabulary(framework).aliases)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_lookup_loads_the_one_part_that_defines_the_name(framework: str) -> None:
    for part, written in vocabulary(framework).parts.items():
        for name in written.split():
            vocab = fresh(framework)
            found = vocab.lookup(name)
            assert list(vocab._loaded) == [part], name
            assert found.name == vocabulary(framework).lookup(name).name
            assert vocab.find(name) is found  # loaded once: the same object again
    vocab = fresh(framework)
    assert vocab.find("NoSuchLayer") is None
    assert vocab.knows("Identity") and not vocab.knows("NoSuchLayer")
    assert not vocab._loaded  # nothing loaded to say it does not know a name


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_whole_vocabulary_does_not_depend_on_the_order_parts_were_loaded(framework: str) -> None:
    """Loading parts in reverse (as lookups may) still lists the types, aliases and solve's terms
    as loading them in order does: the order of `types` shows in messages and the schema."""
    in_order = fresh(framework)
    reverse = fresh(framework)
    for part in reversed(list(reverse.parts)):
        reverse.load(part)
    assert list(reverse.types) == list(in_order.types)
    assert list(reverse.aliases.items()) == list(in_order.aliases.items())
    assert reverse.solvable == in_order.solvable
    for name, layer_type in in_order.types.items():
        other = reverse.types[name]
        assert (other.name, other.family, other.aliases, other.signature) == (
            layer_type.name,
            layer_type.family,
            layer_type.aliases,
            layer_type.signature,
        )


def test_an_unknown_name_suggests_and_names_the_other_framework() -> None:
    with pytest.raises(LayerError, match="unknown pytorch layer type 'Conv2D'") as caught:
        fresh("pytorch").lookup("Conv2D", fresh("keras"))
    assert caught.value.hint == "Conv2D is a keras layer; this spec's framework is pytorch; did you mean 'Conv2d'?"


SUMMARY = """
import sys
from convcalc.cli.app import main
try:
    main(["summary", sys.argv[1], "--format", "json"])
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.startswith("convcalc.frameworks."))))
"""


@pytest.mark.parametrize(
    ("spec", "loaded"),
    [
        ("specs/keras-resnet50.yaml", "keras keras.layers keras.signatures"),
        ("specs/pytorch-resnet50.yaml", "pytorch pytorch.layers pytorch.signatures"),
    ],
)
def test_a_summary_of_convolutions_loads_only_the_layers_it_uses(spec: str, loaded: str) -> None:
    """Start-up (issue 12): a ResNet's summary imports one module of its framework's vocabulary
    and its framework's signature table, and nothing of the other framework's."""
    found = subprocess.run([sys.executable, "-c", SUMMARY, spec], capture_output=True, text=True, check=True).stdout
    modules = {m.removeprefix("convcalc.frameworks.") for m in found.split()}
    assert {m for m in modules if m.startswith(("keras", "pytorch"))} == set(loaded.split())


def keras_to_snake_case(name: str) -> str:
    """keras/src/utils/naming.py to_snake_case, as Keras 3.15 writes it."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def test_snake_case_names_every_keras_class_as_keras_does() -> None:
    keras = vocabulary("keras")
    for name in [*keras.types, *keras.aliases, "ABCDef", "aBcD", "HTTPServer2Go", "x", ""]:
        assert snake_case(name) == keras_to_snake_case(name), name


@given(st.text(alphabet="aAbBzZ09_ -.é(É", max_size=12) | st.text(max_size=8))
def test_snake_case_agrees_with_keras_on_any_text(name: str) -> None:
    assert snake_case(name) == keras_to_snake_case(name)
