"""Train the Rasa model only when none matches the current data, config and component code.

Rasa 3 itself retrains whenever asked (its training cache only makes a retrain cheaper), so we
name each model after a fingerprint of everything that shapes it: config, domain, NLU data,
stories and rules, the custom components with their lexicons, the language-identification
training text and the Rasa version. A model whose name carries the current fingerprint is reused.

Rasa's own training cache (``.rasa/cache``) keys a trained component by its class's source,
its config and its inputs, not by the modules the class calls: after a change to
``lid_model.py`` alone, ``rasa train`` reused the old LanguageDetector (same stacker weights,
the new setting absent from its stored config). ``use_code_keyed_cache`` gives every version
of our component code its own cache directory.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

MODELS_DIR = ROOT / "models"
LID_TRAIN = ROOT.parent / "shared" / "data" / "lid-train"
_CODE = ("bot/components", "bot/normalize.py")
_INPUTS = ("config.yml", "domain.yml", "data", *_CODE)
CACHE_ROOT = ROOT / ".rasa" / "cache"
_CACHE_ENV = "RASA_CACHE_DIRECTORY"  # rasa.engine.caching.CACHE_LOCATION_ENV


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return []


def fingerprint() -> str:
    """A hash of every file that shapes the trained model, plus the Rasa version."""
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    roots = [(ROOT / name, ROOT) for name in _INPUTS] + [(LID_TRAIN, LID_TRAIN.parent)]
    return _hash_files(digest, roots)[:20]


def _hash_files(digest: hashlib._Hash, roots: list[tuple[Path, Path]]) -> str:
    """Add every file under each root to ``digest``, named relative to its base, so that two
    checkouts of the same commit give the same hash."""
    for root, base in roots:
        for path in _files(root):
            digest.update(str(path.relative_to(base)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_fingerprint(root: Path = ROOT) -> str:
    """A hash of the component code under ``root`` (what Rasa's cache key leaves out)."""
    return _hash_files(hashlib.sha256(), [(root / name, root) for name in _CODE])[:16]


def use_code_keyed_cache(keep: int = 2) -> Path:
    """Point Rasa's training cache (for this process and its children) at a directory of the
    current component code, and delete all but the ``keep`` newest such directories."""
    directory = CACHE_ROOT / f"code-{code_fingerprint()}"
    directory.mkdir(parents=True, exist_ok=True)
    directory.touch()
    os.environ[_CACHE_ENV] = str(directory)
    others = sorted((d for d in CACHE_ROOT.glob("code-*") if d != directory and d.is_dir()),
                    key=lambda d: d.stat().st_mtime, reverse=True)
    for old in others[keep - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    return directory


def model_path(fp: str | None = None) -> Path:
    """Where the model for the given (default: current) fingerprint lives."""
    return MODELS_DIR / f"nlu-core-{fp or fingerprint()}.tar.gz"


def ensure_model(force: bool = False) -> Path:
    """The model for the current fingerprint, trained first (showing Rasa's progress) if needed."""
    path = model_path()
    if path.exists() and not force:
        print(f"== model is up to date: {path.relative_to(ROOT)}", flush=True)
        return path
    print(f"== training the Rasa model ({path.name}); this takes a few minutes", flush=True)
    MODELS_DIR.mkdir(exist_ok=True)
    use_code_keyed_cache()
    cmd = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(MODELS_DIR), "--fixed-model-name", path.name[: -len(".tar.gz")],
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)
    _prune(keep=path)
    return path


def _prune(keep: Path, keep_count: int = 3) -> None:
    """Keep the newest few models so that models/ does not grow without bound."""
    models = sorted(MODELS_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][keep_count - 1:]:
        old.unlink(missing_ok=True)
