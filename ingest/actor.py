"""Who is acting: a desk user, an API token's user, or the system itself."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str

    @property
    def can_review(self) -> bool:
        return self.role in ("reviewer", "supervisor", "admin")


SYSTEM_ACTOR = Actor(None, "system", "admin")
