"""The spec stage: YAML text or command-line flags in, a Spec (plain records that remember
where every piece was written) out.

- model.py: the records (Spec, LayerSpec, BlockSpec...), the keys a spec may use and its bounds;
- loading.py: hardened YAML loading (sizes, aliases, tags, nesting) into composed nodes;
- reader.py: composed nodes into a Spec, each value with its line and column;
- flags.py: `--input`/`--layer` options into a Spec;
- calls.py: layer calls such as `Conv2D(32, 3)`, read with `ast`, never run;
- expr.py: the small safe evaluator for block arithmetic.
"""
