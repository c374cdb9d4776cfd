"""Sign-in throttling, read from the audit trail so every web process and thread sees the same count.

After ``MAX_FAILURES`` failed sign-ins for one user name from one address within ``WINDOW``, further
attempts from that address are refused until the oldest of those failures leaves the window. Other
addresses are not affected, so a stranger cannot lock a colleague out from elsewhere.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ingest.runtime import Runtime
from letterdesk.errors import RateLimited
from storage.models import AuditEvent, utcnow

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def check_allowed(rt: Runtime, username: str, remote_addr: str | None) -> None:
    """Raise :class:`RateLimited` when ``username`` has failed too often from ``remote_addr`` lately."""
    since = utcnow() - WINDOW
    with rt.db.session() as s:
        rows = s.execute(select(AuditEvent.at, AuditEvent.detail)
                         .where(AuditEvent.action == "login_failed", AuditEvent.actor == username,
                                AuditEvent.at >= since)).all()
    failures = sorted(at for at, detail in rows if (detail or {}).get("remote_addr") == remote_addr)
    if len(failures) >= MAX_FAILURES:
        oldest = failures[-MAX_FAILURES]
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.timezone.utc)
        minutes = max(1, int((oldest + WINDOW - utcnow()).total_seconds() // 60) + 1)
        raise RateLimited(f"登录失败次数过多，请 {minutes} 分钟后再试 (too many failed sign-ins)")
