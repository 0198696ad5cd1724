"""What pyproject.toml cannot say: the wheel carries the specs library, the repository's
top-level specs/ (where it stays, beside the README that shows it), as the package data
convcalc/specs/, so that `convcalc summary keras-resnet50` works wherever convcalc is
installed. No symlink: the files are copied when the package is built. An editable install
(or PYTHONPATH) reads specs/ where it is (convcalc/spec/bundled.py)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SPECS = Path(__file__).resolve().parent / "specs"


class BuildWithSpecs(build_py):
    """build_py, then specs/*.yaml into the built package's specs/."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the package is the checkout: bundled.py reads specs/ in place
            return
        target = Path(self.build_lib) / "convcalc" / "specs"
        self.mkpath(str(target))
        for spec in sorted(SPECS.glob("*.yaml")):
            self.copy_file(str(spec), str(target / spec.name))


setup(cmdclass={"build_py": BuildWithSpecs})
