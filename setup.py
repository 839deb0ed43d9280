"""Puts the bundled data and the shipped models inside the built package.

They live at the top of the checkout (``data/``, ``models/shipped/``), where people read
and retrain them; a wheel carries copies under ``classifier/_bundled/``, which
:mod:`classifier.config` looks for first. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = {"data": ["*.csv", "README.md"], "models/shipped": ["*/*"]}


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "classifier" / "_bundled"
        for folder, patterns in BUNDLED.items():
            for pattern in patterns:
                for path in (HERE / folder).glob(pattern):
                    if path.is_file() and not path.name.startswith("."):
                        dest = target / folder.split("/")[-1] / path.relative_to(HERE / folder)
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, dest)


setup(cmdclass={"build_py": BuildWithBundle})
