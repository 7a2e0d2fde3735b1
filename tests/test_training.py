"""The model fingerprint and the training cache follow the component code."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import training


def _tree(root: Path, helper: str) -> Path:
    (root / "bot" / "components").mkdir(parents=True)
    (root / "bot" / "components" / "lid_model.py").write_text(helper, encoding="utf-8")
    (root / "bot" / "normalize.py").write_text("X = 1\n", encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "rules.yml").write_text("rules: []\n", encoding="utf-8")
    return root


def test_code_fingerprint_changes_with_a_helper_module_only(tmp_path: Path) -> None:
    """Rasa keys its cache by the component class's source: a change in a module the class
    calls must still give a new cache directory; a data change must not."""
    root = _tree(tmp_path / "a", "running_pairs = 0\n")
    before = training.code_fingerprint(root)
    (root / "data" / "rules.yml").write_text("rules: [x]\n", encoding="utf-8")
    assert training.code_fingerprint(root) == before
    (root / "bot" / "components" / "lid_model.py").write_text("running_pairs = 300\n",
                                                               encoding="utf-8")
    assert training.code_fingerprint(root) != before
    # the same code elsewhere (a CI clone) has the same fingerprint
    assert training.code_fingerprint(_tree(tmp_path / "b", "running_pairs = 0\n")) == before


def test_training_uses_a_cache_directory_of_the_current_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "CACHE_ROOT", tmp_path)
    # set first, so that monkeypatch restores the variable afterwards
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "before"))
    for name in ("code-old1", "code-old2", "unrelated"):
        (tmp_path / name).mkdir()
    os.utime(tmp_path / "code-old1", (1, 1))
    directory = training.use_code_keyed_cache(keep=2)
    assert directory.name == f"code-{training.code_fingerprint()}"
    assert os.environ["RASA_CACHE_DIRECTORY"] == str(directory)
    left = sorted(p.name for p in tmp_path.iterdir())
    # the newest other code version stays (switching branches), older ones go
    assert left == sorted([directory.name, "code-old2", "unrelated"])
