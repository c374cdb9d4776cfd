"""The alert hooks: the webhook (JSON POST) and e-mail (SMTP/SMTPS) an alert is sent to.

Transport only: what is sent and how, each attempt bounded by :data:`TIMEOUT`. :mod:`ingest.alerts` decides
when to send and records every attempt. A failed attempt raises; :func:`describe` turns the exception into
a short reason that never repeats the configured URL (it may hold a token or a password).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Callable
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from letterdesk.config import Settings
from letterdesk.errors import ConfigurationError

if TYPE_CHECKING:
    from ingest.alerts import AlertView

TIMEOUT = 5.0  # seconds, per delivery attempt (connect and read each)


class DeliveryFailed(Exception):
    """A delivery channel answered, but not with success; the message says how."""


@dataclass(frozen=True)
class MailTarget:
    """``smtp[s]://user:pass@host:port?from=a@x&to=b@x,c@x`` taken apart."""

    tls: bool
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    recipients: tuple[str, ...]


def mail_target(url: str) -> MailTarget:
    """Parse ``LETTERDESK_ALERT_MAIL_URL``; :class:`ConfigurationError` when it cannot be used."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    recipients = tuple(a.strip() for value in query.get("to", []) for a in value.split(",") if a.strip())
    sender = (query.get("from") or [""])[0].strip()
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or not sender or not recipients:
        raise ConfigurationError("LETTERDESK_ALERT_MAIL_URL 应形如 smtp[s]://用户:密码@主机:端口?from=发件人&to=收件人"
                                 " (scheme, host, from and to are required)")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError as exc:
        raise ConfigurationError("LETTERDESK_ALERT_MAIL_URL 的端口无效 (invalid port)") from exc
    return MailTarget(tls, parts.hostname, port, unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None, sender, recipients)


def webhook_payload(alert: AlertView) -> dict:
    """The JSON body POSTed to the webhook."""
    return {
        "alert_id": alert.id,
        "letter_id": alert.letter_id,
        "filename": alert.filename,
        "reason": alert.reason,
        "reason_label": alert.reason_label,
        "codes": [{"code": c.code, "name": c.name} for c in alert.codes],
        "message": alert.message,
        "letter_path": alert.letter_path,
        "raised_by": alert.raised_by,
        "created_at": alert.created_at.isoformat(),
    }


def mail_message(alert: AlertView, target: MailTarget) -> EmailMessage:
    """The e-mail for ``alert`` (Chinese subject and body)."""
    from ingest.deadlines import local_minute  # here, not at the top: ingest.deadlines imports ingest.stages → us

    msg = EmailMessage()
    msg["Subject"] = f"【来信提醒】来信 #{alert.letter_id} {alert.reason_label}"
    msg["From"] = target.sender
    msg["To"] = ", ".join(target.recipients)
    items = "\n".join(f"  {c.code} {c.name}" for c in alert.codes) or "  （无）"
    at = local_minute(alert.created_at)
    msg.set_content(f"{alert.message}\n\n提醒原因：{alert.reason_label}\n特别报告事项：\n{items}\n"
                    f"来信：#{alert.letter_id}「{alert.filename}」，在登记台打开 {alert.letter_path}\n"
                    f"提出人：{alert.raised_by}\n时间：{at}（北京时间）\n提醒编号：{alert.id}\n")
    return msg


def post_webhook(url: str, alert: AlertView) -> str:
    response = requests.post(url, json=webhook_payload(alert), timeout=TIMEOUT, allow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"对方返回 HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def send_mail(url: str, alert: AlertView) -> str:
    target = mail_target(url)
    connect = smtplib.SMTP_SSL if target.tls else smtplib.SMTP
    extra = {"context": ssl.create_default_context()} if target.tls else {}
    with connect(target.host, target.port, timeout=TIMEOUT, **extra) as smtp:
        if target.username:
            smtp.login(target.username, target.password or "")
        refused = smtp.send_message(mail_message(alert, target))
    if refused:
        raise DeliveryFailed(f"部分收件人被拒收：{', '.join(sorted(refused))}")
    return f"已发送至 {len(target.recipients)} 个收件人"


def channels(settings: Settings) -> dict[str, tuple[str, Callable[[str, AlertView], str]]]:
    """Configured channels: name → (URL, sender)."""
    channels = {"webhook": (settings.alert_webhook_url, post_webhook), "mail": (settings.alert_mail_url, send_mail)}
    return {name: pair for name, pair in channels.items() if pair[0]}


def describe(exc: Exception) -> str:
    """A short reason for a failed attempt that never repeats the URL (it may hold a token or a password)."""
    if isinstance(exc, requests.Timeout):
        return f"超时（{TIMEOUT:g} 秒）(timeout)"
    if isinstance(exc, requests.ConnectionError):
        return "无法连接 (connection failed)"
    if isinstance(exc, ConfigurationError):
        return exc.message
    if isinstance(exc, DeliveryFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:300]
