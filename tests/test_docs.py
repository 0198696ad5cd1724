"""Every example of the README and of every page in docs/, run as a reader runs it (tests/examples.py): each
`$ ` line of a console block by bash with convcalc on the PATH, in a scratch directory outside
the checkout (holding links to its specs/ and docs/, which some pages name), and its output
compared with what the page shows; a block whose first line is `# file: NAME` is written there
first, as a reader saves it (and one no console line names must pass `convcalc check`); a
mermaid block must be the output of the console block before it; each pycon block (Python at
the >>> prompt) runs as a doctest."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from examples import ROOT, blocks, console, install_shim, missing_tools, shell

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in ("specs", "docs"):
        (work / name).symlink_to(ROOT / name)
    install_shim(tmp_path / "bin")
    return work


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_console_examples_print_what_the_page_shows(page: Path, scratch: Path) -> None:
    previous = ""
    written: set[str] = set()
    used: set[str] = set()
    for language, text in blocks(page):
        if text.startswith("# file: "):
            name = text.splitlines()[0].removeprefix("# file: ").strip()
            (scratch / name).write_text(text)
            written.add(name)
        if language == "mermaid":
            assert text == previous, f"{page.name}: a mermaid block must be the output of the console block before it"
        if language != "console":
            continue
        for command, shown in console(text):
            missing = missing_tools(command, scratch)
            if missing:
                pytest.skip(f"{page.name}: `{command}` needs {', '.join(missing)}")
            used.update(name for name in written if re.search(rf"(^|\s){re.escape(name)}(\s|$|:)", command))  # file.py:factory
            status, printed = shell(command, scratch, scratch.parent / "bin")
            # a command that fails (an error, `diff` finding differences, `solve` finding nothing)
            # is an example when the page shows what it prints; a silent failure never is
            assert status == 0 or shown, f"{page.name}: `{command}` exited {status}:\n{printed}"
            assert printed == shown, f"{page.name}: the output of `{command}`"
            previous = printed
    for name in sorted(written - used):
        status, printed = shell(f"convcalc check {name}", scratch, scratch.parent / "bin")
        assert (status, printed) == (0, ""), f"{page.name}: {name} is run by no console line and fails check:\n{printed}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_python_examples_run(page: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(scratch)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {}
    for number, (language, text) in enumerate(blocks(page)):
        if language == "pycon":
            test = parser.get_doctest(text, globs, f"{page.name}[{number}]", str(page), 0)
            runner.run(test, clear_globs=False)
            globs = test.globs  # a page's blocks are one session: names carry over
    if any(language == "pycon" for language, _ in blocks(page)):
        assert runner.tries > 0
    assert runner.failures == 0, f"{page.name}: {runner.failures} Python example(s) printed something else (see above)"
