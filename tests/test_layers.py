"""The stages import only what their package docstrings allow, so the pipeline stays readable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "classifier"

# stage -> stages it must never import (at module level or inside a function)
FORBIDDEN = {
    "data": {"models", "predict", "training", "evaluation", "scoring", "labeling", "cli", "serve"},
    "models": {"predict", "training", "evaluation", "scoring", "labeling", "cli", "serve"},
    "evaluation": {"training", "scoring", "labeling", "cli", "serve"},
    "scoring": {"training", "evaluation", "labeling", "cli", "serve"},
    "training": {"scoring", "labeling", "cli", "serve"},
    "labeling": {"training", "evaluation", "scoring", "cli", "serve"},
    # a surface: it reaches models through predict and files through scoring only
    "serve": {"data", "models", "training", "evaluation", "labeling", "cli"},
}


def stage_of(module: str) -> str:
    """``classifier.models.registry`` -> ``models``; top-level modules are their own stage."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imported(path: Path, source: str | None = None) -> set[str]:
    """Absolute names of the classifier modules a file (or ``source`` placed there) imports."""
    here = ["classifier", *path.relative_to(PACKAGE).with_suffix("").parts]
    package = here if path.name == "__init__.py" else here[:-1]
    package = package[:-1] if path.name == "__init__.py" else package
    names = set()
    source = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("classifier."))
    return names


def test_absolute_imports_are_seen():
    """``import classifier.x`` counts like ``from ..x import y``: no way around the rules."""
    module = PACKAGE / "data" / "csvio.py"
    assert not any(n.startswith("classifier.training") for n in imported(module))
    source = module.read_text(encoding="utf-8") + "\nimport classifier.training.trainer\n"
    assert "classifier.training.trainer" in imported(module, source)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if stage_of(".".join(p.relative_to(PACKAGE).parts)))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_stage_imports_no_later_stage(path):
    stage = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    forbidden = FORBIDDEN.get(stage, set())
    reached = {stage_of(name) for name in imported(path)} & forbidden
    assert not reached, f"{path.relative_to(PACKAGE)} imports {sorted(reached)}"


def test_predict_reaches_training_only_inside_load():
    tree = ast.parse((PACKAGE / "predict.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert not [n for n in top_level if (n.module or "").startswith("training")]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_300_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300
