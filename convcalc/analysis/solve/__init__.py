"""`convcalc solve`: inverse shape problems. length.py finds every window setting of a
convolution or pooling that maps one length to another; layer.py finds what to change in one
layer of a spec so that the network's output gets a wanted shape."""
