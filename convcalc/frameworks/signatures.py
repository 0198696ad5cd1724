"""Constructor signatures of the real layer classes, both frameworks' gathered: the tables are
generated one a framework (keras/signatures.py, pytorch/signatures.py: scripts/gen_signatures.py
writes them) so that a spec loads its own framework's alone; the tests and the exporter read
both here.

Each entry: (positional-or-keyword parameters, keyword-only parameters, takes **kwargs),
each parameter a (name, default) pair, "REQUIRED" where there is no default.
"""

from convcalc.frameworks.keras.signatures import HOMES as KERAS_HOMES
from convcalc.frameworks.keras.signatures import SIGNATURES as KERAS
from convcalc.frameworks.pytorch.signatures import HOMES as PYTORCH_HOMES
from convcalc.frameworks.pytorch.signatures import SIGNATURES as PYTORCH

HOMES = {"keras": KERAS_HOMES, "pytorch": PYTORCH_HOMES}
"""Classes that live outside keras.layers and torch.nn, by framework: the module each is imported from."""

__all__ = ["HOMES", "KERAS", "PYTORCH"]
