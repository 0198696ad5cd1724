"""spec/yaml12.py matches the core schema's scalars by hand (a regular expression costs start-up
to compile); here each test is checked against the regular expression it stands for, as YAML
1.2.2 writes it (https://yaml.org/spec/1.2.2/, section 10.3.2, "Tag Resolution"): on every text of
up to four characters from the characters that matter, and on random text."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from convcalc.spec import yaml12

# YAML 1.2.2, 10.3.2: each tag's regular expression, matched against the whole plain scalar.
PUBLISHED = {
    yaml12.NULL_TAG: re.compile(r"null|Null|NULL|~|"),
    yaml12.BOOL_TAG: re.compile(r"true|True|TRUE|false|False|FALSE"),
    yaml12.INT_TAG: re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"),
    yaml12.FLOAT_TAG: re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"),
}
ALPHABET = "0179aAeEfFoxX.+-~ \n_nNtTiIl٣"  # digits of each base, the markers, signs, an Arabic-Indic 3


def agrees(text: str) -> None:
    for tag, pattern, _ in yaml12.RESOLVERS:
        assert bool(pattern.match(text)) == (PUBLISHED[tag].fullmatch(text) is not None), (tag, text)


def test_every_short_text_matches_as_the_published_expressions_do() -> None:
    for length in range(5):
        for letters in itertools.product(ALPHABET, repeat=length):
            agrees("".join(letters))


@given(st.text(alphabet=ALPHABET, max_size=12) | st.text(max_size=12))
def test_random_text_matches_as_the_published_expressions_do(text: str) -> None:
    agrees(text)


def test_longer_numbers() -> None:
    for text in ("1.001e-5", "-0.000123E+10", "0x7fffFFFF", "0o1234567", "12345678901234567890", "1.5e", "1.5e+", "0o8"):
        agrees(text)
        agrees("+" + text)
        agrees(".inf" + text)


def test_the_loader_resolves_a_plain_scalar_as_pyyaml_does_with_the_same_resolvers() -> None:
    """The loader's shortcuts (a text no resolver can match, or a word's first letter that is
    no word, is text at once) give PyYAML's own answer, on every text of up to three characters
    from the characters that matter and on names such as a generated network's."""
    import yaml

    from convcalc.spec.loading import _loader_class

    loader = _loader_class()("")
    texts = ["".join(t) for n in range(4) for t in itertools.product("nNtTfFul~x0.", repeat=n)]
    texts += ["n7", "null", "NULL", "nulls", "true", "tanh", "False", "f", "~", "~x", "n0", "1e3"]
    for text in texts:
        for implicit in ((True, False), (False, True)):
            ours = loader.resolve(yaml.ScalarNode, text, implicit)
            assert ours == yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, text, implicit), text
    assert all(first in {c for tag, _, starts in yaml12.RESOLVERS for c in starts} for first in yaml12.WORD_STARTS)
