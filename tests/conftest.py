import os

# Keras 3 is an oracle in tests/conformance; it runs on the torch backend here.
os.environ.setdefault("KERAS_BACKEND", "torch")

# The exported code kept as golden files imports torch or keras: text to compare, not modules to
# collect (--doctest-modules would import them).
collect_ignore_glob = ["golden/export/*.py"]
