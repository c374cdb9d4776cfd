"""Sign-in is throttled per user name and address, across processes (the count lives in the audit trail)."""
from __future__ import annotations

from review_ui import create_app
from storage import users
from tests.test_review_ui import PASSWORD, login


def test_five_failures_lock_that_name_from_that_address_only(rt):
    users.create_user(rt.db, "wang", PASSWORD, "reviewer")
    here, elsewhere = create_app(rt).test_client(), create_app(rt).test_client()
    for _ in range(5):
        assert login(here, "wang", "wrong-password").status_code == 401
    refused = login(here, "wang", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text
    other = elsewhere.post("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                           data={"username": "wang", "password": PASSWORD,
                                 "csrf_token": _token(elsewhere)})
    assert other.status_code == 302  # another address is not locked out
    assert login(here, "li", "wrong-password").status_code == 401  # nor another name


def _token(client) -> str:
    import re

    page = client.get("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)
