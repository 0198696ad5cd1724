"""Keras's random image augmentation layers (keras/src/layers/preprocessing/image_preprocessing/),
the data_augmentation blocks that sit at the top of keras.io's image models.

All but RandomCrop keep their input's shape, in training (where they transform at random) and in
inference (where they pass the image through): compute_output_shape returns the input shape,
so they have no weights, count 0 MACs and keep every position for receptive fields. convcalc
checks what each `__init__` checks: factor ranges (the base class's `_set_factor` and each
layer's own), value_range pairs, fill_mode and interpolation names (compared exactly), odd blur
kernels, seeds; and, as the call needs, a 3-D image or a 4-D batch of them, with the channels
the colour conversions take (CHANNELS).

RandomCrop(height, width) returns (height, width) images in both modes: a random crop while
training, the largest centred window of the target's aspect ratio resized to it in inference (or
whenever the input is smaller); its input's height and width must be known. Receptive fields end
there: no fixed window maps its output to its input.
"""

from __future__ import annotations

from collections.abc import Callable

from convcalc.errors import LayerError
from convcalc.frameworks.base import Family, LayerType, Positions
from convcalc.frameworks.keras.layers import exact_choice, keras_type, layout, seed
from convcalc.frameworks.keras.preprocessing import image_axes, resized, target
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape
from convcalc.signature import Args

Check = Callable[[Args], None]
FILL_MODES = ("reflect", "wrap", "constant", "nearest")  # _SUPPORTED_FILL_MODE of the affine layers
INTERPOLATIONS = ("nearest", "bilinear")  # _SUPPORTED_INTERPOLATION
BASE = ("bounding_box_format",)  # BaseImagePreprocessingLayer.__init__ takes it through **kwargs


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def factor(name: str = "factor", low: float = -1, high: float = 1, falsy: bool = False) -> Check:
    """BaseImagePreprocessingLayer._set_factor (and the layers' copies of it): a number within
    [low, high], or a pair whose first is at most high and second at least low. A layer that
    hands its factor to the base class (`falsy`) has any false value read as 0 first."""

    def check(args: Args) -> None:
        value = args[name]
        if falsy and not value:
            return
        if isinstance(value, tuple | list) and len(value) == 2 and all(is_number(v) for v in value):
            if value[0] <= high and value[1] >= low:
                return
        elif is_number(value) and low <= value <= high:  # type: ignore[operator]
            return
        raise args.error(name, f"a number or a pair of numbers in the range [{low}, {high}]")

    return check


def each(name: str, low: float, high: float, low_open: bool = False) -> Check:
    """The `_check_factor_range` layers (RandomZoom, RandomTranslation, RandomShear, Solarization):
    a number, or a pair, every one within the range."""

    def check(args: Args) -> None:
        value = args[name]
        items = value if isinstance(value, tuple | list) and len(value) == 2 else (value,)
        if isinstance(value, tuple | list) and len(value) != 2:
            items = (None,)
        for item in items:
            if not is_number(item) or item > high or item < low or (low_open and item == low):  # type: ignore[operator]
                span = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
                raise args.error(name, f"a number or a pair of numbers in the range {span}")

    return check


def unit(name: str) -> Check:
    """A number in [0, 1] (RandomGrayscale's factor, RandomPerspective's scale)."""

    def check(args: Args) -> None:
        value = args[name]
        if not is_number(value) or not 0 <= value <= 1:  # type: ignore[operator]
            raise args.error(name, "a number from 0 to 1")

    return check


def value_range(name: str = "value_range") -> Check:
    """_set_value_range: "The `value_range` argument should be a list of two numbers"."""

    def check(args: Args) -> None:
        value = args[name]
        if not isinstance(value, tuple | list) or len(value) != 2 or not all(is_number(v) for v in value):
            raise args.error(name, "a list of two numbers, e.g. (0, 255)")

    return check


def one_of(name: str, options: tuple[str, ...]) -> Check:
    """A name from a fixed set, compared exactly ("Unknown `fill_mode` ...")."""

    def check(args: Args) -> None:
        exact_choice(args, name, options)

    return check


def odd(name: str) -> Check:
    """RandomGaussianBlur._set_kernel_size: an odd number, or a pair of them."""

    def check(args: Args) -> None:
        value = args[name]
        items = tuple(value) if isinstance(value, tuple | list) else (value,)
        paired = isinstance(value, tuple | list)
        if (paired and len(items) != 2) or not all(is_number(v) and v % 2 for v in items):
            raise args.error(name, "an odd number or a pair of odd numbers")

    return check


def given(name: str, check: Check) -> Check:
    """`check` when the argument is not None (RandomColorJitter builds the layer only then)."""
    return lambda args: None if args[name] is None else check(args)


def affine(*factors: Check) -> tuple[Check, ...]:
    """The layers that warp the image: fill_mode and interpolation from their supported sets."""
    return (*factors, one_of("fill_mode", FILL_MODES), one_of("interpolation", INTERPOLATIONS))


# Each layer: its checks, and the keywords it takes through **kwargs beyond Layer's.
LAYERS: dict[str, tuple[tuple[Check, ...], tuple[str, ...]]] = {
    "RandomFlip": ((), ()),
    "RandomRotation": (affine(factor(falsy=True)), ()),
    "RandomZoom": (
        affine(each("height_factor", -1, 1, low_open=True), given("width_factor", each("width_factor", -1, 1, True))),
        (),
    ),
    "RandomTranslation": (affine(each("height_factor", -1, 1), each("width_factor", -1, 1)), ()),
    "RandomShear": (affine(each("x_factor", 0, 1), each("y_factor", 0, 1)), ()),
    "RandomContrast": ((factor(low=0, high=1),), ("data_format",)),
    "RandomBrightness": ((factor(falsy=True), value_range()), ("data_format",)),
    "RandomGrayscale": ((unit("factor"),), ()),
    "RandomHue": ((factor(low=0, high=1),), ()),
    "RandomSaturation": ((factor(), value_range()), ()),
    "RandomSharpness": ((factor(low=0, high=1), value_range()), ()),
    "RandomColorDegeneration": ((factor(), value_range()), ()),
    "RandomInvert": ((factor(low=0, high=1),), ()),
    "RandomPosterization": ((factor(low=1, high=8), value_range()), ()),
    "RandomErasing": ((factor(low=0, high=1), factor("scale", 0, 1)), ()),
    "RandomGaussianBlur": ((factor(low=0, high=1), odd("kernel_size"), factor("sigma", 0, 1)), ()),
    "RandomPerspective": ((factor(low=0, high=1), unit("scale"), one_of("interpolation", INTERPOLATIONS)), ()),
    "RandomElasticTransform": (
        (
            factor(low=0, high=1),
            factor("scale", 0, 1),
            one_of("interpolation", INTERPOLATIONS),
            one_of("fill_mode", ("constant", "nearest", "wrap", "mirror", "reflect")),
        ),
        (),
    ),
    "RandomColorJitter": (
        (
            given("brightness_factor", factor("brightness_factor", falsy=True)),
            given("brightness_factor", value_range()),
            given("contrast_factor", factor("contrast_factor", 0, 1)),
            given("saturation_factor", factor("saturation_factor")),
            given("saturation_factor", value_range()),
            given("hue_factor", factor("hue_factor", 0, 1)),
        ),
        (),
    ),
    "Solarization": ((each("addition_factor", 0, 1), each("threshold_factor", 0, 1), value_range()), ("data_format",)),
    "AutoContrast": ((value_range(),), ("data_format",)),
    "Equalization": ((value_range(),), ()),
    "MixUp": ((), ()),
    "CutMix": ((factor(low=0, high=1),), ()),
    # their sub-layers (RandomShear, Solarization...) take the factor pair: both ends in [0, 1]
    "RandAugment": ((each("factor", 0, 1), value_range(), one_of("interpolation", INTERPOLATIONS)), ()),
    "AugMix": ((each("factor", 0, 1), value_range(), one_of("interpolation", INTERPOLATIONS)), ()),
}
# The channel counts a layer's transformation takes: RandomColorDegeneration's compute_output_shape
# asks for RGB; the others convert colours while training (rgb_to_hsv wants 3 channels,
# rgb_to_grayscale 1 or 3), so they cannot run on other images, whatever the symbolic shape says.
CHANNELS: dict[str, tuple[int, ...]] = {
    "RandomColorDegeneration": (3,),
    "RandomHue": (3,),
    "RandomSaturation": (3,),
    "RandomGrayscale": (1, 3),
    "RandAugment": (1, 3),
    "AugMix": (1, 3),
}


def channels_allowed(args: Args) -> tuple[int, ...]:
    """RandomColorJitter converts to HSV only when it has a saturation or hue factor."""
    if args.type_name == "RandomColorJitter":
        return (3,) if args["saturation_factor"] is not None or args["hue_factor"] is not None else ()
    return CHANNELS.get(args.type_name, ())


def augmentation(checks: tuple[Check, ...]) -> Callable[[Args, Shape], Built]:
    def build(args: Args, shape: Shape) -> Built:
        for check in checks:
            check(args)
        if "seed" in args.values:
            seed(args)
        fmt = layout(args)
        image_axes(args, shape, args.type_name)
        channels = shape[-1] if fmt.channels_last else shape[-3]
        allowed = channels_allowed(args)
        if allowed and channels is not None and channels not in allowed:
            raise LayerError(
                f"{args.type_name} needs images with {' or '.join(map(str, allowed))} channels, "
                f"found {channels} in {format_shape(shape)}",
                hint="it converts colours while training (RGB to HSV or grayscale)",
                code="CC200",
            )
        return Built(shape)

    return build


def random_crop(args: Args, shape: Shape) -> Built:
    """RandomCrop needs a known height and width ("requires the input to have a fully defined
    height and width"); the output is (height, width) in either mode."""
    size = target(args)
    seed(args)
    axes = image_axes(args, shape, "RandomCrop")
    if any(shape[a] is None for a in axes):
        raise LayerError(
            f"RandomCrop needs the input's height and width, found {format_shape(shape)}", hint="give them in `input:`"
        )
    return Built(resized(shape, axes, size))


TYPES: list[LayerType] = [
    keras_type(name, augmentation(checks), Family.AUGMENTATION, extra=BASE + extra) for name, (checks, extra) in LAYERS.items()
]
TYPES.append(keras_type("RandomCrop", random_crop, Family.AUGMENTATION, extra=BASE, positions=Positions.REARRANGE))
