"""Settings from environment variables, read once at start-up. Secrets live only here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_DIR / 'rantevou.sqlite3'}"
DEFAULT_BOOKING_CONFIG = PROJECT_DIR / "config" / "chania.toml"


def normalize_database_url(url: str) -> str:
    """Accepts the URLs people write (`postgresql://…`, `sqlite:///…`) and names the async
    driver SQLAlchemy needs."""
    url = url.strip() or DEFAULT_DATABASE_URL
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    return url


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used; the message names it."""


def _port(environ: Mapping[str, str]) -> int:
    value = environ.get("PORT", "").strip() or "8080"
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT: {value!r} is not a port number (1-65535)")
    return int(value)


@dataclass(frozen=True)
class Settings:
    database_url: str
    booking_config: Path
    bot_token: str = ""
    telegram_api_url: str = ""
    """Base URL of the Bot API server; empty: Telegram's."""
    webhook_secret: str = ""
    webhook_base_url: str = ""
    redis_url: str = ""
    """Optional: shared state for several instances (Telegram's sending pace)."""
    host: str = "0.0.0.0"
    port: int = 8080

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            database_url=normalize_database_url(environ.get("DATABASE_URL", "")),
            booking_config=Path(environ.get("BOOKING_CONFIG", "") or DEFAULT_BOOKING_CONFIG),
            bot_token=environ.get("BOT_TOKEN", "").strip(),
            telegram_api_url=environ.get("TELEGRAM_API_URL", "").strip(),
            webhook_secret=environ.get("WEBHOOK_SECRET", "").strip(),
            webhook_base_url=environ.get("WEBHOOK_BASE_URL", "").strip().rstrip("/"),
            redis_url=environ.get("REDIS_URL", "").strip(),
            host=environ.get("HOST", "").strip() or "0.0.0.0",
            port=_port(environ),
        )
