"""The one typed configuration object, read once from the environment.

Every setting has an embedded default that needs no external server: SQLite, a local-directory object
store and a broker-less Celery transport in the data directory. Production names PostgreSQL, Redis or
RabbitMQ and an S3 endpoint (MinIO) through the same variables::

    LETTERDESK_DATA_DIR      ./var                      where embedded defaults keep their files
    LETTERDESK_DATABASE_URL  sqlite:///<data>/letterdesk.sqlite3   or postgresql+psycopg://…
    LETTERDESK_OBJECT_STORE  file://<data>/objects      or s3://KEY:SECRET@host:9000/bucket?secure=1
    LETTERDESK_BROKER_URL    filesystem://              or redis://host:6379/0, amqp://…
    LETTERDESK_SECRET_KEY    (generated once into <data>/secret_key)
    LETTERDESK_MODEL_DIR     <data>/models              trained classifier models
    LETTERDESK_OCR_ENGINE    rapidocr                   or tesseract
    LETTERDESK_OCR_PAGE_WORKERS  1                     >1: OCR the pages of one letter in a process pool
    LETTERDESK_CONFIDENCE_THRESHOLD  0.6               below this a prediction is shown as uncertain
    LETTERDESK_MAX_UPLOAD_MB 50   LETTERDESK_MAX_PAGES 200   LETTERDESK_MAX_PIXELS 60000000
    LETTERDESK_ALERT_WEBHOOK_URL  (none)           http(s) URL that receives a JSON POST for every alert
    LETTERDESK_ALERT_MAIL_URL     (none)           smtp[s]://user:pass@host:port?from=a@x&to=b@x,c@x for alerts
    LETTERDESK_TASK_TIME_LIMIT 600   LETTERDESK_STALE_AFTER 900 (seconds before a stuck letter is re-queued)
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from letterdesk.errors import ConfigurationError


@dataclass(frozen=True)
class Limits:
    """Bounds on what one file may cost; anything above is refused with :class:`TooLarge`."""

    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 200
    max_pixels: int = 60_000_000  # per page image, e.g. A4 at 600 dpi is 35 Mpx
    max_frames: int = 200


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    object_store_url: str
    broker_url: str
    secret_key: str
    model_dir: Path
    ocr_engine: str = "rapidocr"
    ocr_page_workers: int = 1
    confidence_threshold: float = 0.6
    limits: Limits = field(default_factory=Limits)
    task_time_limit: int = 600
    stale_after: int = 900
    session_cookie_secure: bool = False
    alert_webhook_url: str = ""
    alert_mail_url: str = ""

    @property
    def broker_folder(self) -> Path:
        return self.data_dir / "broker"

    @property
    def is_embedded_broker(self) -> bool:
        return self.broker_url.startswith("filesystem://")

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


def _number(env: Mapping[str, str], name: str, default, kind=int):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} 必须是{'整数' if kind is int else '数字'}，当前为 {raw!r}") from exc


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    if env.get("LETTERDESK_SECRET_KEY"):
        return env["LETTERDESK_SECRET_KEY"]
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("LETTERDESK_DATA_DIR") or "var").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    limits = Limits(
        max_bytes=_number(env, "LETTERDESK_MAX_UPLOAD_MB", 50) * 1024 * 1024,
        max_pages=_number(env, "LETTERDESK_MAX_PAGES", 200),
        max_pixels=_number(env, "LETTERDESK_MAX_PIXELS", 60_000_000),
        max_frames=_number(env, "LETTERDESK_MAX_FRAMES", 200),
    )
    threshold = _number(env, "LETTERDESK_CONFIDENCE_THRESHOLD", 0.6, float)
    if not 0.0 < threshold < 1.0:
        raise ConfigurationError("LETTERDESK_CONFIDENCE_THRESHOLD 必须在 0 与 1 之间")
    return Settings(
        data_dir=data_dir,
        database_url=env.get("LETTERDESK_DATABASE_URL") or f"sqlite:///{data_dir / 'letterdesk.sqlite3'}",
        object_store_url=env.get("LETTERDESK_OBJECT_STORE") or f"file://{data_dir / 'objects'}",
        broker_url=env.get("LETTERDESK_BROKER_URL") or "filesystem://",
        secret_key=_secret_key(env, data_dir),
        model_dir=Path(env.get("LETTERDESK_MODEL_DIR") or data_dir / "models").resolve(),
        ocr_engine=env.get("LETTERDESK_OCR_ENGINE") or "rapidocr",
        ocr_page_workers=_number(env, "LETTERDESK_OCR_PAGE_WORKERS", 1),
        confidence_threshold=threshold,
        limits=limits,
        task_time_limit=_number(env, "LETTERDESK_TASK_TIME_LIMIT", 600),
        stale_after=_number(env, "LETTERDESK_STALE_AFTER", 900),
        session_cookie_secure=(env.get("LETTERDESK_SECURE_COOKIES", "0") == "1"),
        alert_webhook_url=env.get("LETTERDESK_ALERT_WEBHOOK_URL", ""),
        alert_mail_url=env.get("LETTERDESK_ALERT_MAIL_URL", ""),
    )
