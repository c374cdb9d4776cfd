"""Alerts to supervisors: raised on predicted and confirmed special-report items and on letters marked serious,
shown in the desk, delivered to a real local webhook (http.server) and a real local SMTP sink (socketserver).

Letters reach review through the real stages run in-process from text-layer PDFs (see test_review_ui).
"""
from __future__ import annotations

import base64
import email
import email.policy
import http.server
import json
import re
import socketserver
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from classifier.taxonomy import SPECIAL_REPORT
from ingest import alert_hooks, alerts, pipeline
from ingest.actor import Actor
from ingest.intake import submit
from ingest.runtime import Runtime
from letterdesk.errors import ConfigurationError
from review_ui import create_app
from storage import users
from storage.models import AuditEvent, Letter
from tests import docs
from tests.fixtures.runtime import make_settings
from tests.servers import LOOPBACK, free_port
from tests.test_review_ui import PASSWORD, ROLES, _csrf, login


# --- a real webhook receiver and a real SMTP sink ---------------------------------------------------------

@dataclass
class Webhook:
    url: str
    status: int = 204  # what the receiver answers
    received: list = field(default_factory=list)  # (path, content type, parsed JSON body)


@pytest.fixture
def webhook():
    """An HTTP server on a free loopback port that records every POST."""
    hook = Webhook(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.received.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
    hook.url = f"http://{LOOPBACK}:{server.server_address[1]}/court/alerts?token=s3cret"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()


@dataclass
class Mail:
    sender: str
    recipients: list
    message: email.message.EmailMessage


@dataclass
class SmtpSink:
    port: int
    mails: list = field(default_factory=list)
    logins: list = field(default_factory=list)  # (user, password) of AUTH PLAIN


@pytest.fixture
def smtp_sink():
    """Just enough SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) on a free loopback port."""
    sink = SmtpSink(port=0)

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self):
            sender, recipients = "", []
            self.reply("220 sink ESMTP")
            for raw in self.rfile:
                command = raw.decode().rstrip("\r\n")
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-sink")
                    self.reply("250 AUTH PLAIN")
                elif verb == "AUTH":
                    _, user, password = base64.b64decode(command.split()[2]).decode().split("\0")
                    sink.logins.append((user, password))
                    self.reply("235 ok")
                elif verb == "MAIL":
                    sender = re.search(r"<(.*)>", command).group(1)
                    self.reply("250 ok")
                elif verb == "RCPT":
                    recipients.append(re.search(r"<(.*)>", command).group(1))
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go on")
                    lines = []
                    for data in self.rfile:
                        if data == b".\r\n":
                            break
                        lines.append(data[1:] if data.startswith(b"..") else data)
                    message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    sink.mails.append(Mail(sender, recipients, message))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")

    server = socketserver.ThreadingTCPServer((LOOPBACK, 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sink
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url() -> str:
    """An http URL on a loopback port nobody listens on: connecting is refused at once."""
    return f"http://{LOOPBACK}:{free_port()}/hook"


@pytest.fixture
def runtime_with(tmp_path, model_dir):
    """Build runtimes whose settings carry the given environment (alert hooks); all closed afterwards."""
    made = []

    def build(**env: str) -> Runtime:
        made.append(Runtime.from_settings(make_settings(tmp_path / "data", model_dir, **env)))
        return made[-1]

    yield build
    for runtime in made:
        runtime.close()


def desk(rt: Runtime):
    for role in ROLES:
        users.create_user(rt.db, role, PASSWORD, role, display_name=f"{role}用户")
    return create_app(rt)


def letter_in_review(rt: Runtime, extra_line: str = "") -> int:
    """The sample county-government letter (asks to suspend enforcement) run through every stage."""
    pages = [list(docs.SAMPLE_LETTER_PAGES[0]), [*docs.SAMPLE_LETTER_PAGES[1], *([extra_line] if extra_line else [])]]
    accepted = submit(rt, docs.text_pdf_bytes(pages), "县政府函.pdf", "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    return accepted.id


def reportable_codes(rt: Runtime, letter_id: int) -> list[str]:
    """Special-report codes the stored prediction names at or above the confidence threshold."""
    with rt.db.session() as s:
        prediction = s.get(Letter, letter_id).prediction
    return sorted(x["code"] for x in prediction["special_report"]
                  if x["probability"] >= rt.settings.confidence_threshold)


def events(rt: Runtime, letter_id: int, action: str) -> list[dict]:
    with rt.db.session() as s:
        return list(s.scalars(select(AuditEvent.detail).where(AuditEvent.letter_id == letter_id,
                                                              AuditEvent.action == action).order_by(AuditEvent.id)))


def mail_url(sink: SmtpSink) -> str:
    """The sink as an alert mail URL with credentials (``@`` quoted in user and password) and two recipients."""
    return (f"smtp://desk%40court:p%40ss@{LOOPBACK}:{sink.port}"
            "?from=desk@court.example&to=a@court.example,b@court.example")


# --- raising and delivering -------------------------------------------------------------------------------

def test_predicted_special_report_alerts_supervisors_by_webhook_and_mail(runtime_with, webhook, smtp_sink):
    rt = runtime_with(LETTERDESK_ALERT_WEBHOOK_URL=webhook.url, LETTERDESK_ALERT_MAIL_URL=mail_url(smtp_sink))
    letter_id = letter_in_review(rt)
    codes = reportable_codes(rt, letter_id)
    assert "SR10" in codes  # the letter asks the court to suspend enforcement

    [alert] = alerts.list_alerts(rt)
    assert (alert.letter_id, alert.reason, alert.raised_by) == (letter_id, "predicted", "system")
    assert [c.code for c in alert.codes] == codes and alert.is_open
    assert SPECIAL_REPORT["SR10"] in alert.message
    assert [(d.channel, d.ok) for d in alert.deliveries] == [("webhook", True), ("mail", True)]

    [(path, content_type, body)] = webhook.received
    assert path == "/court/alerts?token=s3cret" and content_type.startswith("application/json")
    assert body["letter_id"] == letter_id and body["reason"] == "predicted"
    assert body["letter_path"] == f"/letters/{letter_id}"
    assert {"code": "SR10", "name": SPECIAL_REPORT["SR10"]} in body["codes"]
    assert body["message"] == alert.message

    [mail] = smtp_sink.mails
    assert smtp_sink.logins == [("desk@court", "p@ss")]
    assert mail.sender == "desk@court.example" and mail.recipients == ["a@court.example", "b@court.example"]
    assert mail.message["Subject"] == f"【来信提醒】来信 #{letter_id} 模型预测涉及特别报告事项"
    text = mail.message.get_body().get_content()
    assert SPECIAL_REPORT["SR10"] in text and f"/letters/{letter_id}" in text and "北京时间" in text

    assert events(rt, letter_id, "alert") == [{"alert_id": alert.id, "reason": "predicted", "codes": codes}]
    assert [(e["channel"], e["ok"]) for e in events(rt, letter_id, "alert_delivery")] == [("webhook", True),
                                                                                          ("mail", True)]
    assert "s3cret" not in json.dumps(events(rt, letter_id, "alert_delivery"))


def test_confirmation_alerts_only_codes_not_alerted_before(runtime_with, webhook):
    rt = runtime_with(LETTERDESK_ALERT_WEBHOOK_URL=webhook.url)
    client = desk(rt).test_client()
    login(client, "reviewer")
    first, second = letter_in_review(rt), letter_in_review(rt, extra_line="附：企业职工联名信。")
    predicted = reportable_codes(rt, first)
    extra = next(code for code in SPECIAL_REPORT if code not in predicted)

    def confirm(letter_id: int, codes: list[str]) -> None:
        with rt.db.session() as s:
            kind = s.get(Letter, letter_id).prediction["intervener_type"]["code"]
        response = client.post(f"/letters/{letter_id}/review", data={
            "csrf_token": _csrf(client, f"/letters/{letter_id}"), "action": "confirm", "intervener_type": kind,
            "special_report": codes})
        assert response.status_code == 302, response.text

    confirm(first, [*predicted, extra])
    confirm(second, reportable_codes(rt, second))  # nothing beyond what the model already reported
    by_letter = {(a.letter_id, a.reason): [c.code for c in a.codes] for a in alerts.list_alerts(rt)}
    assert by_letter == {(first, "predicted"): predicted, (first, "confirmed"): [extra],
                         (second, "predicted"): reportable_codes(rt, second)}
    confirmed = next(a for a in alerts.list_alerts(rt) if a.reason == "confirmed")
    assert confirmed.raised_by == "reviewer" and "reviewer 审核确认" in confirmed.message
    assert [b["reason"] for _, _, b in webhook.received] == ["predicted", "predicted", "confirmed"]
    assert webhook.received[-1][2]["codes"] == [{"code": extra, "name": SPECIAL_REPORT[extra]}]


def test_mark_serious_needs_a_reason_then_alerts_once(runtime_with, webhook):
    rt = runtime_with(LETTERDESK_ALERT_WEBHOOK_URL=webhook.url)
    client = desk(rt).test_client()
    letter_id = letter_in_review(rt)
    login(client, "reviewer")
    page = client.get(f"/letters/{letter_id}")
    assert 'id="serious-form"' in page.text and 'id="serious-badge"' not in page.text

    token = _csrf(client, f"/letters/{letter_id}")
    refused = client.post(f"/letters/{letter_id}/serious", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400 and "必须填写理由" in refused.text
    assert [a.reason for a in alerts.list_alerts(rt)] == ["predicted"]

    reason = "施压暂缓执行，可能导致错案"
    done = client.post(f"/letters/{letter_id}/serious", data={"csrf_token": token, "reason": reason})
    assert done.status_code == 302 and done.headers["Location"] == f"/letters/{letter_id}"
    page = client.get(f"/letters/{letter_id}")
    assert 'id="serious-badge"' in page.text and "已标记为情节严重，已提醒主管" in page.text
    assert 'id="serious-form"' not in page.text

    serious = next(a for a in alerts.list_alerts(rt) if a.reason == "serious")
    assert reason in serious.message and serious.raised_by == "reviewer"
    assert [c.code for c in serious.codes] == reportable_codes(rt, letter_id)
    assert webhook.received[-1][2]["reason"] == "serious" and reason in webhook.received[-1][2]["message"]
    assert events(rt, letter_id, "mark_serious") == [{"reason": reason}]
    with rt.db.session() as s:
        assert s.get(Letter, letter_id).serious is True

    again = client.post(f"/letters/{letter_id}/serious", data={"csrf_token": token, "reason": "再次"})
    assert again.status_code == 409
    assert len([a for a in alerts.list_alerts(rt) if a.reason == "serious"]) == 1

    login(client, "clerk")
    assert 'id="serious-form"' not in client.get(f"/letters/{letter_id}").text
    assert client.post(f"/letters/{letter_id}/serious",
                       data={"csrf_token": _csrf(client, "/search"), "reason": "x"}).status_code == 403


def test_a_dead_webhook_is_recorded_and_the_letter_still_reaches_review(runtime_with, refused_url, webhook):
    rt = runtime_with(LETTERDESK_ALERT_WEBHOOK_URL=refused_url)
    letter_id = letter_in_review(rt)  # asserts in_review

    [alert] = alerts.list_alerts(rt)
    [attempt] = alert.deliveries
    assert attempt.channel == "webhook" and not attempt.ok and "无法连接" in attempt.detail
    assert alert.failed_channels() == ("webhook",)
    assert [e["ok"] for e in events(rt, letter_id, "alert_delivery")] == [False]

    webhook.status = 500  # the receiver is up now but failing: still a failed attempt
    failing = Runtime(rt.settings.with_overrides(alert_webhook_url=webhook.url), rt.db, rt.objects)
    assert [d.detail for d in alerts.redeliver_failed(failing)[alert.id]] == ["对方返回 HTTP 500"]

    webhook.status = 204
    assert [d.ok for d in alerts.redeliver_failed(failing)[alert.id]] == [True]
    assert alerts.redeliver_failed(failing) == {}  # nothing failed any more
    assert [d.ok for d in alerts.get_alert(rt, alert.id).deliveries] == [False, False, True]
    assert [b["alert_id"] for _, _, b in webhook.received] == [alert.id, alert.id]


def test_unreachable_mail_server_is_recorded_as_failed(runtime_with):
    rt = runtime_with(LETTERDESK_ALERT_MAIL_URL=f"smtp://{LOOPBACK}:{free_port()}?from=a@x.example&to=b@x.example")
    letter_id = letter_in_review(rt)
    [attempt] = alerts.list_alerts(rt)[0].deliveries
    assert attempt.channel == "mail" and not attempt.ok
    assert [e["channel"] for e in events(rt, letter_id, "alert_delivery")] == ["mail"]


def test_mail_url_is_parsed_or_refused():
    target = alert_hooks.mail_target("smtps://u%40x:p%3Aw@mail.example?from=desk@x&to=a@x, b@x")
    assert (target.tls, target.host, target.port, target.username, target.password) == (
        True, "mail.example", 465, "u@x", "p:w")
    assert target.sender == "desk@x" and target.recipients == ("a@x", "b@x")
    assert alert_hooks.mail_target("smtp://mail.example?from=a@x&to=b@x").port == 25
    for bad in ("smtp://mail.example?from=a@x", "http://mail.example?from=a@x&to=b@x", "smtp://?from=a@x&to=b@x"):
        with pytest.raises(ConfigurationError):
            alert_hooks.mail_target(bad)


# --- the desk ---------------------------------------------------------------------------------------------

def test_only_supervisors_see_alerts_and_acknowledge_them(runtime_with):
    rt = runtime_with()
    client = desk(rt).test_client()
    letter_id = letter_in_review(rt)
    [alert] = alerts.list_alerts(rt)
    assert alert.deliveries == ()  # no hook configured: shown in the desk only

    for role in ("clerk", "reviewer"):
        login(client, role)
        assert 'id="nav-alerts"' not in client.get("/search").text
        assert client.get("/alerts").status_code == 403
        assert client.post(f"/alerts/{alert.id}/ack", data={"csrf_token": _csrf(client, "/search")}).status_code == 403

    login(client, "supervisor")
    home = client.get("/search").text
    assert re.search(r'id="nav-alerts">提醒 <span class="badge" id="open-alert-count">1</span>', home)
    listing = client.get("/alerts")
    assert listing.status_code == 200 and f'id="alert-{alert.id}" class="alert-open"' in listing.text
    assert SPECIAL_REPORT["SR10"] in listing.text
    letter_page = client.get(f"/letters/{letter_id}").text
    assert f'id="letter-alert-{alert.id}"' in letter_page and 'name="back" value="letter"' in letter_page

    done = client.post(f"/alerts/{alert.id}/ack", data={"csrf_token": _csrf(client, "/alerts"), "back": "letter"})
    assert done.status_code == 302 and done.headers["Location"] == f"/letters/{letter_id}"
    assert f'id="letter-alert-{alert.id}"' not in client.get(f"/letters/{letter_id}").text
    assert 'id="open-alert-count">0<' in client.get("/search").text
    listing = client.get("/alerts").text
    assert f'id="alert-{alert.id}" class="alert-acknowledged muted"' in listing and "已确认：supervisor" in listing
    assert events(rt, letter_id, "alert_ack") == [{"alert_id": alert.id}]
    assert client.post(f"/alerts/{alert.id}/ack", data={"csrf_token": _csrf(client, "/alerts")}).status_code == 409


def test_alerts_list_puts_open_alerts_first(runtime_with):
    rt = runtime_with()
    older, newer = letter_in_review(rt), letter_in_review(rt, extra_line="另：请予关照。")
    supervisor = Actor(None, "supervisor", "supervisor")
    alerts.acknowledge(rt, alerts.list_alerts(rt)[0].id, supervisor)  # the newest
    assert [(a.letter_id, a.is_open) for a in alerts.list_alerts(rt)] == [(older, True), (newer, False)]
    assert alerts.count_open(rt) == 1


def test_cli_lists_failed_deliveries_and_redelivers_them(runtime_with, refused_url, webhook, tmp_path, model_dir,
                                                         monkeypatch):
    """An operator sees a failed delivery with ``letterdesk alerts list`` and re-sends it with ``redeliver``:
    exit code 1 while the receiver still fails, 0 once it has taken the alert."""
    from click.testing import CliRunner

    from letterdesk.cli import main

    rt = runtime_with(LETTERDESK_ALERT_WEBHOOK_URL=refused_url)
    letter_id = letter_in_review(rt)
    monkeypatch.setenv("LETTERDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LETTERDESK_MODEL_DIR", str(model_dir))
    runner = CliRunner()

    listed = runner.invoke(main, ["alerts", "list"])
    assert listed.exit_code == 0 and f"来信 #{letter_id}" in listed.output and "webhook失败" in listed.output

    monkeypatch.setenv("LETTERDESK_ALERT_WEBHOOK_URL", refused_url)
    assert runner.invoke(main, ["alerts", "redeliver"]).exit_code == 1
    monkeypatch.setenv("LETTERDESK_ALERT_WEBHOOK_URL", webhook.url)
    sent = runner.invoke(main, ["alerts", "redeliver"])
    assert sent.exit_code == 0 and "成功" in sent.output
    assert webhook.received and webhook.received[-1][2]["letter_id"] == letter_id
