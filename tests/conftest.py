import importlib.util
import os

# Keras 3 is an oracle in tests/conformance; it runs on the torch backend here.
os.environ.setdefault("KERAS_BACKEND", "torch")

# The exported code kept as golden files imports torch or keras: text to compare, not modules to
# collect (--doctest-modules would import them).
# tests/sources/ holds the models the importers read (a PyTorch module file among them): inputs,
# not tests. The conformance helpers that import torch at the top are imported by their tests,
# which skip without torch; without it, --doctest-modules must not import them either.
collect_ignore_glob = ["golden/export/*.py", "sources/*.py"]
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob.append("conformance/modules.py")
