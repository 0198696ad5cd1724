"""Keras's preprocessing layers that change shapes (keras/src/layers/preprocessing/): Resizing and
CenterCrop (image_preprocessing/resizing.py, center_crop.py) and CategoryEncoding
(category_encoding.py). Rescaling and Normalization, which keep the shape, are in layers.py; the
random augmentations in augmentation.py.

Images are (batch, height, width, channels), or channels_first (batch, channels, height, width);
a 3-D input is one unbatched image, as Keras reads it (its first axis is then the height). None
has weights; the output shape is compute_output_shape's, the same in training and inference.

- Resizing(height, width): the spatial size becomes (height, width). MACs as fvcore counts the
  torch backend's F.interpolate: bilinear, 4 per output element (aten::upsample_bilinear2d);
  "nearest" runs nearest-exact and bicubic its own kernel, neither counted (0).
- CenterCrop(height, width): a crop of (height, width) from the centre, starting at
  (in - size) // 2 on each axis; an input smaller than the crop on either axis is resized to
  (height, width) instead (smart_resize). Receptive fields move as through Cropping2D, and end
  where it resizes.
- CategoryEncoding(num_tokens, output_mode): indices -> vectors of num_tokens ("multi_hot" and
  "count" replace the last axis, "one_hot" adds an axis unless the last one is 1).
"""

from __future__ import annotations

from convcalc.errors import LayerError
from convcalc.frameworks.base import Family, LayerType, NoWindow
from convcalc.frameworks.keras.layers import exact_choice, keras_type, layout, number
from convcalc.ops import macs
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape
from convcalc.ops.window import Window, shift
from convcalc.signature import Args

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")  # Resizing's documented set


def image_axes(args: Args, shape: Shape, what: str) -> tuple[int, int]:
    """The height and width axes of a 4-D batch or a 3-D image, by data_format."""
    if len(shape) not in (3, 4):
        raise LayerError(
            f"{what} expects images: a 4-D input (batch, height, width, channels) or one 3-D image, "
            f"found the {len(shape)}-D shape {format_shape(shape)}",
            code="CC200",
        )
    first = len(shape) - 3 + (0 if layout(args).channels_last else 1)
    return first, first + 1


def target(args: Args) -> tuple[int, int]:
    """height and width: "`size` must have positive height and width"."""
    return args.int("height", 1), args.int("width", 1)


def resized(shape: Shape, axes: tuple[int, int], size: tuple[int, int]) -> Shape:
    out = list(shape)
    out[axes[0]], out[axes[1]] = size
    return tuple(out)


def resizing(args: Args, shape: Shape) -> Built:
    size = target(args)
    exact_choice(args, "interpolation", INTERPOLATIONS)
    crop, pad = args.bool("crop_to_aspect_ratio"), args.bool("pad_to_aspect_ratio")
    if crop and pad:
        raise LayerError(
            "only one of pad_to_aspect_ratio and crop_to_aspect_ratio can be True", argument="pad_to_aspect_ratio", code="CC105"
        )
    exact_choice(args, "fill_mode", ("constant",))
    number(args, "fill_value")
    args.bool("antialias")
    return Built(resized(shape, image_axes(args, shape, "Resizing"), size))


def resizing_macs(layer: macs.Layer) -> int | None:
    """aten::upsample_bilinear2d: 4 per output element; the other interpolations count 0."""
    return macs.multiply(macs.elements(layer.outputs[0]), 4) if layer.args["interpolation"] == "bilinear" else 0


def center_crop(args: Args, shape: Shape) -> Built:
    size = target(args)
    return Built(resized(shape, image_axes(args, shape, "CenterCrop"), size))


def center_crop_window(args: Args, shape: Shape) -> Window:
    """The crop's offsets: (in - size) // 2 before, the rest after (negative padding)."""
    axes = image_axes(args, shape, "CenterCrop")
    size = target(args)
    sizes = [shape[a] for a in axes]
    if any(n is not None and n < s for n, s in zip(sizes, size)):
        raise NoWindow(f"the input {format_shape(tuple(sizes))} is smaller than the crop {size}: it is resized")
    before = tuple(None if n is None else -((n - s) // 2) for n, s in zip(sizes, size))
    after = tuple(None if n is None or b is None else -(n - s) - b for n, s, b in zip(sizes, size, before))
    return shift(axes, before, after)  # type: ignore[arg-type]


def category_encoding(args: Args, shape: Shape) -> Built:
    """CategoryEncoding.__init__: num_tokens must be set and >= 1; "binary" is "multi_hot"."""
    mode = args["output_mode"]
    mode = "multi_hot" if mode == "binary" else exact_choice(args, "output_mode", ("count", "one_hot", "multi_hot"))
    if args["num_tokens"] is None:
        raise LayerError(
            "num_tokens must be set to use this layer",
            hint="if the number of tokens is not known beforehand, use IntegerLookup",
            argument="num_tokens",
            code="CC104",
        )
    tokens = args.int("num_tokens", 1)
    args.bool("sparse")
    if mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return Built((*shape, tokens))
    return Built((*shape[:-1], tokens))


TYPES: list[LayerType] = [
    keras_type("Resizing", resizing, Family.UPSAMPLING, rank=2, variant="resize", macs=resizing_macs),
    keras_type("CenterCrop", center_crop, Family.PADDING, rank=2, variant="center_crop", window=center_crop_window),
    keras_type("CategoryEncoding", category_encoding, Family.EMBEDDING, variant="category"),
]
