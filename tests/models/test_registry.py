"""Versions, promotion, rollback, removal, broken versions and concurrent trainings, via the CLI."""

from __future__ import annotations

import json
import multiprocessing
import re
import shutil
from pathlib import Path

import pytest

from classifier.cli import main
from classifier.models import registry

from ..conftest import SMALL_TRAIN, train_small


def train(root: Path, *extra: str) -> int:
    return train_small(root, *extra)


def versions(root: Path) -> list[str]:
    return [v.id for v in registry.list_versions("fast", root)]


@pytest.fixture
def two_versions(tmp_path):
    root = tmp_path / "models"
    assert train(root) == 0
    assert train(root) == 0
    return root


@pytest.fixture
def shipped(tmp_path, monkeypatch) -> Path:
    """A shipped fast model (a copy of a trained one) in a private shipped folder; no shipped accurate."""
    source = tmp_path / "source"
    assert train(source) == 0
    folder = tmp_path / "shipped" / "fast"
    shutil.copytree(source / "fast" / registry.active_id("fast", source), folder)
    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(folder.parent))
    return folder


@pytest.fixture
def no_shipped(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(tmp_path / "no-shipped"))


def test_each_training_adds_a_version_and_lists_it(two_versions, capsys):
    ids = versions(two_versions)
    assert len(ids) == 2
    assert registry.active_id("fast", two_versions) == ids[1], "an equal model is promoted"
    capsys.readouterr()
    assert main(["models", "--models-dir", str(two_versions), "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if not r["shipped"]]
    assert [r["id"] for r in rows] == ids
    assert [r["active"] for r in rows] == [False, True]
    assert all(r["rows_per_source"] == {"test": 16} for r in rows)
    assert main(["models", "--models-dir", str(two_versions)]) == 0
    table = capsys.readouterr().out
    assert "* fast" in table and ids[0] in table


def test_second_training_is_compared_with_the_active_one(two_versions):
    meta = json.loads((two_versions / "fast" / versions(two_versions)[1] / "metadata.json").read_text())
    assert meta["compared_with"] == versions(two_versions)[0]
    assert "vs active" in meta["decision"] and meta["activated"] is True


def test_promote_and_rollback_change_the_active_model(two_versions, no_shipped, capsys):
    first, second = versions(two_versions)
    base = ["models", "--models-dir", str(two_versions), "--kind", "fast"]
    assert main([*base, "promote", first]) == 0
    assert registry.active_id("fast", two_versions) == first
    assert main([*base, "rollback"]) == 0
    assert registry.active_id("fast", two_versions) == second
    assert main([*base, "remove", second]) != 0
    assert "is the active fast model" in capsys.readouterr().err
    assert main([*base, "remove", first]) == 0
    assert versions(two_versions) == [second]
    assert main([*base, "rollback"]) != 0
    assert "no earlier fast version" in capsys.readouterr().err


def test_rollback_from_the_first_version_returns_to_the_shipped_model(tmp_path, shipped, capsys):
    root = tmp_path / "models"
    assert train(root) == 0
    first = registry.active_id("fast", root)
    base = ["models", "--models-dir", str(root), "--kind", "fast"]
    capsys.readouterr()
    assert main([*base, "rollback"]) == 0
    out = capsys.readouterr().out
    assert "the shipped model" in out and str(shipped) in out and "now active" in out
    assert registry.active_id("fast", root) is None
    assert registry.resolve("fast", root) == shipped
    assert main([*base, "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[first]["active"] is False and rows[first]["shipped"] is False
    [shipped_row] = [r for r in rows.values() if r["shipped"]]
    assert shipped_row["active"] is True and shipped_row["folder"] == str(shipped)
    assert main([*base, "rollback"]) != 0
    assert "the shipped model is already in use" in capsys.readouterr().err
    assert main([*base, "promote", first]) == 0, "the trained version stays, ready to promote again"
    assert registry.resolve("fast", root) == root / "fast" / first


def test_rollback_refuses_a_shipped_model_built_by_another_scikit_learn(tmp_path, shipped, capsys):
    meta = json.loads((shipped / "metadata.json").read_text())
    meta["versions"]["scikit-learn"] = "0.0"
    (shipped / "metadata.json").write_text(json.dumps(meta))
    root = tmp_path / "models"
    assert train(root) == 0
    first = registry.active_id("fast", root)
    capsys.readouterr()
    assert main(["models", "--models-dir", str(root), "--kind", "fast", "rollback"]) != 0
    err = capsys.readouterr().err
    assert "no earlier fast version" in err and "scikit-learn 0.0" in err and len(err.splitlines()) == 1
    assert registry.active_id("fast", root) == first


def test_listing_without_trained_versions_shows_the_shipped_model_in_use(tmp_path, shipped, capsys):
    root = tmp_path / "models"
    assert main(["models", "--models-dir", str(root)]) == 0
    out = capsys.readouterr().out
    meta = json.loads((shipped / "metadata.json").read_text())
    assert re.search(rf"^\* fast +{meta['version']} +{meta['created'][:19]} ", out, re.MULTILINE)
    assert f"shipped: {shipped}" in out and "accurate" not in out
    assert "'stance train' makes a version of your own" in out
    assert "no model versions yet" not in out
    assert main(["models", "--models-dir", str(root), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["shipped"] is True and row["active"] is True and row["id"] == meta["version"]


def test_listing_without_any_model_says_how_to_make_one(tmp_path, no_shipped, capsys):
    assert main(["models", "--models-dir", str(tmp_path / "models")]) == 0
    assert "no model versions yet; 'stance train' makes one" in capsys.readouterr().out


def test_worse_model_is_not_promoted_without_force(tmp_path, capsys):
    root = tmp_path / "models"
    assert train(root) == 0
    good = registry.active_id("fast", root)
    flipped = tmp_path / "flipped.csv"
    rows = SMALL_TRAIN.read_text().splitlines()[1:]
    swap = {"customer_is_king": "sets_limits", "sets_limits": "customer_is_king"}
    lines = ["text,label"]
    for i, row in enumerate(rows):
        text, label = row.rsplit(",", 4)[0], row.rsplit(",", 4)[1]
        text = text.strip('"')
        lines.append(f'"{text} Echt waar, nummer {i}.",{swap[label]}')
        lines.append(f'"Nogmaals: {text} ({i})",{swap[label]}')
    flipped.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    args = [
        "train",
        "--model",
        "fast",
        "--data",
        str(SMALL_TRAIN),
        "--data",
        str(flipped),
        "--only",
        "--repeats",
        "1",
        "--holdout",
        str(SMALL_TRAIN),
        "--models-dir",
        str(root),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "NOT activated" in out
    assert registry.active_id("fast", root) == good
    worse = versions(root)[-1]
    meta = json.loads((root / "fast" / worse / "metadata.json").read_text())
    assert meta["activated"] is False and "difference -" in meta["decision"]
    assert main([*args, "--force"]) == 0
    assert registry.active_id("fast", root) != good


def test_broken_version_is_reported_and_never_loaded(two_versions, capsys):
    first, second = versions(two_versions)
    with open(two_versions / "fast" / second / "model.joblib", "ab") as fh:
        fh.write(b"corrupt")
    capsys.readouterr()
    assert main(["models", "--models-dir", str(two_versions), "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[second]["broken"] and "sha256" in rows[second]["broken"]
    assert rows[first]["broken"] is None
    assert main(["classify", "--models-dir", str(two_versions), "--model", "fast", "x"]) == 1
    assert "sha256 does not match" in capsys.readouterr().err
    assert main(["models", "--models-dir", str(two_versions), "--kind", "fast", "rollback"]) == 0
    assert registry.active_id("fast", two_versions) == first


def _train_in_process(root: str) -> int:
    return train(Path(root))


def test_concurrent_trainings_leave_a_consistent_registry(tmp_path):
    root = tmp_path / "models"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        codes = pool.map(_train_in_process, [str(root), str(root)])
    assert codes == [0, 0]
    ids = versions(root)
    assert len(ids) == 2
    assert registry.active_id("fast", root) in ids
    assert not [p for p in (root / "fast").iterdir() if p.name.startswith(".staging")]
    for v in registry.list_versions("fast", root):
        assert v.problem is None


def test_crash_mid_training_leaves_active_model_untouched(two_versions, monkeypatch):
    active = registry.active_id("fast", two_versions)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("classifier.training.trainer.save_model", boom)
    with pytest.raises(RuntimeError):
        train(two_versions)
    assert registry.active_id("fast", two_versions) == active
    assert len(versions(two_versions)) == 2
