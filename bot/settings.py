"""Runtime settings read from the environment, with the contract's defaults.

One place decides every port, URL and path, so the launcher, the gateway, the actions and the
tests cannot disagree about where state lives. All runtime state lives under ``var/``.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti", "so", "fr",
)
RTL_LANGUAGES = frozenset({"ar", "fa", "ps"})
EASY_GERMAN = "de_easy"  # German Leichte Sprache: a reply style, not a language code
TOPICS: tuple[str, ...] = (
    "legal_advice", "language_course", "education", "health", "housing", "work",
    "family_youth", "discrimination", "participation", "emergency",
)


def var_dir() -> Path:
    """The directory for runtime state (databases, token, logs); created on first use."""
    path = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret(name: str, env: str) -> str:
    """Read a secret from the environment, else from ``var/<name>``, generating it once."""
    value = os.environ.get(env)
    if value:
        return value
    path = var_dir() / name
    if not path.exists():
        path.write_text(secrets.token_hex(32))  # hex: never starts with '-' on a command line
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Effective configuration of one process."""

    gateway_host: str
    gateway_port: int
    rasa_port: int
    actions_port: int
    catalog_database_url: str
    tracker_store_url: str
    lock_store_url: str
    rasa_token: str
    session_secret: str
    fb_verify_token: str | None
    fb_app_secret: str | None
    fb_page_access_token: str | None
    fb_graph_url: str
    rasa_workers: int = 1

    @property
    def rasa_urls(self) -> list[str]:
        """One URL per Rasa worker: RASA_PORT, RASA_PORT + 1, ..."""
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.rasa_workers)]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def messenger_enabled(self) -> bool:
        return bool(self.fb_verify_token and self.fb_app_secret and self.fb_page_access_token)


def load() -> Settings:
    """Build the settings from the environment (call again after changing it, e.g. in tests)."""
    var = var_dir()
    env = os.environ.get
    return Settings(
        gateway_host=env("GATEWAY_HOST", "127.0.0.1"),
        gateway_port=int(env("GATEWAY_PORT", "8080")),
        rasa_port=int(env("RASA_PORT", "5005")),
        actions_port=int(env("ACTIONS_PORT", "5055")),
        catalog_database_url=env("CATALOG_DATABASE_URL") or f"sqlite:///{var / 'catalog.db'}",
        tracker_store_url=env("TRACKER_STORE_URL") or f"sqlite:///{var / 'tracker.db'}",
        lock_store_url=env("LOCK_STORE_URL") or "memory://",
        rasa_token=_secret("rasa_token", "RASA_TOKEN"),
        session_secret=_secret("session_secret", "SESSION_SECRET"),
        fb_verify_token=env("FB_VERIFY_TOKEN") or None,
        fb_app_secret=env("FB_APP_SECRET") or None,
        fb_page_access_token=env("FB_PAGE_ACCESS_TOKEN") or None,
        fb_graph_url=env("FB_GRAPH_URL", "https://graph.facebook.com/v18.0"),
        rasa_workers=rasa_workers(env("RASA_WORKERS")),
    )


def rasa_workers(value: str | None) -> int:
    """RASA_WORKERS: how many Rasa servers the launcher starts (1-8). Unset: one per CPU core,
    at most two. Each holds the model (about 450 MB); the gateway sends every conversation to
    the same worker, so the in-memory lock store stays correct (bot/gateway/rasa_client.py)."""
    if not value:
        return max(1, min(2, os.cpu_count() or 1))
    try:
        workers = int(value)
    except ValueError:
        raise ValueError(f"RASA_WORKERS must be a number from 1 to 8, not {value!r}") from None
    if not 1 <= workers <= 8:
        raise ValueError(f"RASA_WORKERS must be a number from 1 to 8, not {value!r}")
    return workers
