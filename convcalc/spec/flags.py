"""A network given on the command line (`--input 28,28,1 --layer "Conv2D(32, 3)"`) as a Spec."""

from __future__ import annotations

from convcalc.errors import Location
from convcalc.spec.first_layer import with_input_from_first_layer
from convcalc.spec.model import InputSpec, Spec, dims_text, parse_dims
from convcalc.spec.reader import call_layer


def from_flags(framework: str, input_shape: str, layers: tuple[str, ...], batch: int | None) -> Spec:
    """A spec given on the command line: `--input 28,28,1 --layer "Conv2D(32, 3)"`."""
    specs = tuple(call_layer(text, Location(f"--layer {i}", 1, 1), framework) for i, text in enumerate(layers, 1))
    inputs: tuple[InputSpec, ...] = ()
    if input_shape:
        where = Location("--input")
        inputs = (InputSpec("input", parse_dims(dims_text(input_shape), where), where),)
    spec = Spec("<command line>", framework, inputs, specs, batch=batch)
    return with_input_from_first_layer(spec, Location("--input"))
