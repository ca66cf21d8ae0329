"""Backend settings, read once from the environment (VIDEOATENCIO_*)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

ENV_PREFIX = "VIDEOATENCIO_"


def default_data_dir() -> Path:
    return Path(os.environ.get(f"{ENV_PREFIX}DATA_DIR") or Path.cwd() / "var").resolve()


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite URL, or None for other databases and in-memory SQLite."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if database_url.startswith(prefix):
            rest = database_url[len(prefix) :].split("?", 1)[0]
            return None if rest in ("", ":memory:") else Path(rest)
    return None


def _load_or_create_secret(path: Path) -> str:
    """A JWT secret persisted next to the SQLite file, so tokens survive restarts."""
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not write two different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    sse_ping_interval_s: float = 15.0
    sse_queue_size: int = 256
    login_max_failures: int = 5
    login_window_s: float = 300.0
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024 + 64 * 1024
    catalogue_path: Path | None = None

    @property
    def database_kind(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, database_url: str | None = None, data_dir: Path | None = None) -> Settings:
        env = os.environ
        data_dir = data_dir or default_data_dir()
        url = database_url or env.get(f"{ENV_PREFIX}DATABASE_URL") or env.get("DATABASE_URL")
        if not url:
            url = f"sqlite:///{data_dir / 'videoatencio.db'}"
        secret = env.get(f"{ENV_PREFIX}JWT_SECRET", "")
        if secret and len(secret.encode()) < 32:
            raise ValueError(f"{ENV_PREFIX}JWT_SECRET must be at least 32 bytes (RFC 7518 §3.2 for HS256)")
        if not secret:
            db_file = sqlite_path(url)
            secret_dir = db_file.parent if db_file else data_dir
            secret = _load_or_create_secret(secret_dir / "jwt-secret")
        catalogue = env.get(f"{ENV_PREFIX}CATALOGUE")
        return cls(
            database_url=url,
            jwt_secret=secret,
            access_token_ttl_s=int(env.get(f"{ENV_PREFIX}ACCESS_TTL_S", 15 * 60)),
            refresh_token_ttl_s=int(env.get(f"{ENV_PREFIX}REFRESH_TTL_S", 30 * 24 * 3600)),
            sse_ping_interval_s=float(env.get(f"{ENV_PREFIX}SSE_PING_S", 15.0)),
            login_max_failures=int(env.get(f"{ENV_PREFIX}LOGIN_MAX_FAILURES", 5)),
            login_window_s=float(env.get(f"{ENV_PREFIX}LOGIN_WINDOW_S", 300.0)),
            catalogue_path=Path(catalogue) if catalogue else None,
        )
