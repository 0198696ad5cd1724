import os

# Keras 3 is an oracle in tests/conformance; it runs on the torch backend here.
os.environ.setdefault("KERAS_BACKEND", "torch")
