"""Import many real models through `convcalc import` (the torch route) and compare each spec with
the model torch builds: the total parameter count, and the output shape at batch 2 and 3.

A silent miscount (MISMATCH) is the finding that matters: an import that writes a spec torch
disagrees with. A refusal is a one-line message, grouped here by its reason. The models that
pass and run in seconds belong in tests/conformance/test_import_roundtrip.py, which also checks
every module's weights and the MACs against fvcore.

    python scripts/sweep_imports.py timm:convnext_atto timm:xcit_nano_12_p16_224 torchvision:mvit_v2_s@3,16,224,224
    python scripts/sweep_imports.py --timm-sample 80     # every 16th of timm's models, small variants first

Needs torch, and timm or torchvision for their models (torchvision's registrations are stubbed,
as tests/conformance/oracle.py does, so its CUDA build loads beside the CPU torch).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
import types
from pathlib import Path

STUBS = ("torchvision._meta_registrations", "torchvision._autograd_registrations")
FACTORIES = """import sys, types
for stub in {stubs!r}:
    sys.modules.setdefault(stub, types.ModuleType(stub))
import importlib


def build(source, name):
    if source == "timm":
        return importlib.import_module("timm").create_model(name)
    models = importlib.import_module("torchvision.models")
    for place in (models, models.video, models.segmentation, models.detection, models.optical_flow):
        if hasattr(place, name):
            return getattr(place, name)()
    raise ValueError(f"no torchvision model {{name!r}}")
"""


def factories(models: list[tuple[str, str]], folder: Path) -> Path:
    """A module of one no-argument factory a model, as a user would write for `convcalc import`."""
    text = FACTORIES.format(stubs=STUBS)
    text += "".join(f"\n\ndef {source}_{name}():\n    return build({source!r}, {name!r})\n" for source, name in models)
    path = folder / "sweep_models.py"
    path.write_text(text)
    return path


def compare(path: Path, source: str, name: str, shape: tuple[int, ...] | None) -> tuple[str, str]:
    """("ok" | "MISMATCH" | "refused" | "skipped", what was found), at the input `shape` (timm's
    model states its own; else 3, 224, 224)."""
    import torch

    from convcalc import summarize
    from convcalc.errors import SpecError
    from convcalc.sources import convert

    module = sys.modules.get("sweep_models") or __import__("sweep_models")
    try:
        model = getattr(module, f"{source}_{name}")().eval()
        size = shape or tuple(getattr(model, "pretrained_cfg", {}).get("input_size", (3, 224, 224)))
        params = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            out = model.to("meta")(torch.zeros(2, *size, device="meta"))
        real = tuple(out.shape)
    except Exception as exc:  # a model that does not build or run here is no finding
        return "skipped", f"{type(exc).__name__}: {exc}"[:160]
    try:
        imported = convert(f"{path}:{source}_{name}", options={"input_shape": size})
        at2 = summarize(imported.text, "imported.yaml", batch=2)
        at3 = summarize(imported.text, "imported.yaml", batch=3)
    except SpecError as exc:
        return "refused", str(exc).split(": ", 1)[-1]
    found = (at2.totals.params, at2.output_shape, at3.output_shape)
    expected = (params, real, (3, *real[1:]))
    if found != expected or imported.problems:
        return "MISMATCH", f"params, output at batch 2 and 3: {found}, torch: {expected}"
    return "ok", f"{params:,} parameters, output {real}"


def timm_sample(count: int) -> list[str]:
    """Every n-th of timm's model names, to reach `count` spread over its families."""
    import importlib

    for stub in STUBS:
        sys.modules.setdefault(stub, types.ModuleType(stub))
    names = importlib.import_module("timm").list_models()
    return names[:: max(1, len(names) // count)][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", help="timm:NAME or torchvision:NAME")
    parser.add_argument("--timm-sample", type=int, default=0, help="also this many of timm's models, spread evenly")
    args = parser.parse_args()
    shapes: dict[tuple[str, str], tuple[int, ...] | None] = {}
    for model in args.models:
        source, _, rest = model.partition(":")
        name, _, dims = rest.partition("@")
        shapes[(source, name)] = tuple(int(d) for d in dims.split(",")) if dims else None
    shapes |= {("timm", name): None for name in timm_sample(args.timm_sample)} if args.timm_sample else {}
    folder = Path(tempfile.mkdtemp(prefix="convcalc-sweep-"))
    path = factories(list(shapes), folder)
    sys.path.insert(0, str(folder))
    tally: dict[str, list[str]] = collections.defaultdict(list)
    for (source, name), shape in shapes.items():
        verdict, detail = compare(path, source, name, shape)
        tally[verdict].append(detail)
        print(f"{verdict:9} {source}:{name}: {detail}", flush=True)
    print("\n" + ", ".join(f"{len(found)} {verdict}" for verdict, found in sorted(tally.items())))
    reasons = collections.Counter(reason(detail) for detail in tally["refused"])
    for why, count in reasons.most_common():
        print(f"  refused x{count}: {why}")


def reason(message: str) -> str:
    """A refusal's message without the node it names and the hint: what groups refusals."""
    return re.sub(r"^CC\d+ node '[^']*' \([^)]*\): ", "", message).split(" (")[0]


if __name__ == "__main__":
    main()
