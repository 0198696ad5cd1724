"""The specs library shipped with convcalc: the networks of the repository's `specs/`, which the
wheel carries as `convcalc/specs/` (setup.py copies them in at build time), so that
`convcalc summary keras-resnet50` works wherever convcalc is installed. From a checkout (an
editable install, or PYTHONPATH), they are read where they are."""

from __future__ import annotations

import re
from pathlib import Path

SUFFIXES = (".yaml", ".yml")


def directory() -> Path | None:
    """Where the bundled specs are: inside the installed package, else in the checkout the
    package is imported from; None when neither holds them."""
    package = Path(__file__).resolve().parent.parent
    if (package / "specs").is_dir():
        return package / "specs"
    root = package.parent
    if _checkout(root) and (root / "specs").is_dir():
        return root / "specs"
    return None


def _checkout(root: Path) -> bool:
    """A source checkout of convcalc (not whatever `specs/` sits beside site-packages)."""
    return (root / "pyproject.toml").is_file() and (root / "convcalc" / "__init__.py").is_file()


def names() -> list[str]:
    """The bundled networks by name (their file names without .yaml), sorted."""
    found = directory()
    return sorted(p.stem for p in found.iterdir() if p.suffix in SUFFIXES) if found else []


def find(name: str) -> str | None:
    """The file of the bundled network `name` (`keras-resnet50` or `keras-resnet50.yaml`), or
    None: a path with a directory in it is never a bundled name."""
    if not re.fullmatch(r"[\w.+-]{1,100}", name):  # a path with a directory, YAML text...
        return None
    found = directory()
    if found is None:
        return None
    stem = name[: -len(suffix)] if (suffix := next((s for s in SUFFIXES if name.endswith(s)), "")) else name
    for ending in SUFFIXES:
        path = found / f"{stem}{ending}"
        if path.is_file():
            return str(path)
    return None


def did_you_mean(path: str) -> str:
    """A hint for a file that does not exist: the bundled network its name is close to."""
    if "/" in path or "\\" in path:
        return ""
    import difflib

    stem = path.rsplit(".", 1)[0] if path.endswith(SUFFIXES) else path
    known = names()
    parts = [name for name in known if stem.lower() in name.split("-")]  # resnet50: keras-resnet50, pytorch-resnet50
    close = parts or difflib.get_close_matches(stem, known, n=1, cutoff=0.8)
    if not close:
        return ""
    which = " or ".join(repr(name) for name in close[:3])
    return f"did you mean the bundled network {which}? `convcalc specs` lists them"


def network(text: str) -> str:
    """What a bundled spec is, from its first comment line: the words before its first colon,
    comma or " as ", so "ResNet-50 (v1) as keras.applications.ResNet50(...) builds it: ..."
    reads "ResNet-50 (v1)".

    >>> network('# LeNet-5, as Keras users usually write it today.\\nname: lenet5\\n')
    'LeNet-5'
    """
    import re

    first = next((line[1:].strip() for line in text.splitlines() if line.startswith("#")), "")
    return re.split(r":\s|,\s| as |\.\s|\.$", first, maxsplit=1)[0].strip()
