"""Screenshots of the desk's main pages for the README, made from a throwaway archive.

``python -m tests.screenshots OUT_DIR [--model-dir DIR]`` builds a data directory in a temporary folder,
trains a classifier there (or reuses the model in ``--model-dir``), creates an account of every role, hands
in a handful of realistic scanned letters rendered by :mod:`tests.docs` plus an oral record, runs them
through the pipeline in this process, files some of them as a reviewer, marks one serious, then serves the
desk on a loopback port and saves full-page screenshots (1400 px wide) of its main pages into ``OUT_DIR``
as the PNG files named in :data:`SHOTS`. Needs Tesseract (chi_sim), Playwright and Debian's Chromium.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image
from sqlalchemy import update

from ingest import alerts, pipeline, records
from ingest.deadlines import CHINA_TZ
from ingest.intake import submit
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from review_ui import create_app
from storage import users
from storage.models import Letter
from tests import docs
from tests.fixtures.browser import chromium, serving, signed_in
from tests.fixtures.runtime import actor, make_settings, train_model
from tests.test_review_ui import PASSWORD
from tests.test_roles_browser import ACCOUNTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REVIEWER, SUPERVISOR, ADMIN, CLERK = "shen", "wang", "root", "li"
ATTENDEES = ("zhao", "wang")  # present at the oral intervention; both confirm its record


@dataclass(frozen=True)
class Scan:
    """A paper letter as the desk receives it: lines rendered on pages, a file name, and what a reviewer decides
    (``decision`` None: left in the review queue). ``days_ago``: how long ago it was received."""

    key: str
    filename: str
    lines: tuple[str, ...]
    title: str | None = None  # drawn larger, centred, above the lines of every page
    lines_per_page: int = 30
    decision: ReviewDecision | None = None
    days_ago: int = 0


def _confirm(intervener_type: str, form: str, special: tuple[str, ...] = (), internal: tuple[str, ...] = (),
             **fields: str) -> ReviewDecision:
    return ReviewDecision("confirm", intervener_type, special, internal, form, fields)


GOVERNMENT = Scan("government", "县政府函.pdf", tuple(docs.SAMPLE_LETTER.splitlines()), days_ago=6,
                  lines_per_page=len(docs.SAMPLE_LETTER_PAGES[0]))
INSTRUCTION = Scan("instruction", "县委书记批示.jpg", (
    "编号：梅信〔2026〕0412号",
    "来信人：梅川县宏达建材有限公司 王某某",
    "事由：反映（2026）豫0825民初2468号买卖合同纠纷",
    "一案久拖未判，请求法院尽快结案。",
    "领导批示：",
    "　　请县法院高度重视，加快审理进度，务必于本月",
    "底前结案，并将结果报县委办公室。",
    "　　　　　　　　　　　　县委书记 刘志强",
    "　　　　　　　　　　　　2026年11月10日",
), title="信访事项批办单", days_ago=8, decision=_confirm(
    "EXT_LEADER", "DOCUMENT", ("SR04", "SR06"), name="刘志强", unit="中共梅川县委员会", position="县委书记",
    case_number="（2026）豫0825民初2468号", case_name="买卖合同纠纷"))
PHONE = Scan("phone", "电话记录-张华.jpg", (
    "来电时间：2026年11月16日15时20分",
    "来电人：张华（梅川县人民法院副院长）",
    "接听人：执行局法官 孙立",
    "案号：（2026）豫0825执1876号",
    "来电内容：张华副院长来电询问该案执行进展，要求",
    "对被执行人名下车辆暂缓查封，待其与申请执行人",
    "协调后再作处理。",
    "记录人：孙立",
), title="电话记录", days_ago=3, decision=_confirm(
    "INT_COURT_LEADER", "PHONE", ("SR07",), ("IB03",), name="张华", unit="梅川县人民法院", position="副院长",
    case_number="（2026）豫0825执1876号"))
PEOPLES_CONGRESS = Scan("congress", "县人大办函.pdf", (
    "梅川县人大常委会办公室",
    "关于转交群众来信的函",
    "梅川县人民法院：",
    "　　现将群众王某某反映（2026）豫0825民初1980号",
    "案件的来信转交你院，请依法办理，并于十日内将办理",
    "结果书面报告我办。",
    "　　　　　　　　　　　梅川县人大常委会办公室",
    "　　　　　　　　　　　2026年11月12日",
), days_ago=2, decision=_confirm(
    "EXT_ORG", "LETTER", ("SR14",), name="", unit="梅川县人大常委会办公室",
    case_number="（2026）豫0825民初1980号"))
PARTY = Scan("party", "当事人来信.jpg", (
    "尊敬的法官：",
    "　　我是（2026）豫0825民初1357号案件原告赵秀兰的",
    "儿子赵小军。我母亲年过七旬，常年卧病，这个案子",
    "拖了大半年，家里实在等不起了。恳请您在判决时多",
    "考虑我们家的难处，我托朋友把信带给您，请您一定",
    "帮帮忙。",
    "　　此致",
    "敬礼",
    "　　　　　　　　　　　　赵小军",
    "　　　　　　　　　　　　2026年11月18日",
), days_ago=1)
NOTICE = Scan("notice", "应诉通知书.pdf", (
    "梅川县人民法院",
    "应诉通知书",
    "（2026）豫0825民初2590号",
    "梅川县恒通物流有限公司：",
    "　　本院已受理原告李桂芝诉你公司运输合同纠纷一案。",
    "请你公司在收到起诉状副本后十五日内提交答辩状，",
    "并提交法定代表人身份证明、营业执照副本。",
    "　　　　　　　　　　　　　　2026年11月19日",
))
SCANS = (GOVERNMENT, INSTRUCTION, PHONE, PEOPLES_CONGRESS, PARTY, NOTICE)

ORAL = records.RecordForm(
    form="ORAL", name="陈立新", unit="南阳市中级人民法院", position="执行局副局长",
    occurred_at="2026-11-17 10:30", case_number="（2026）豫0825执2011号", case_name="借款合同纠纷执行案",
    place="院长办公室", attendees=ATTENDEES,
    content="陈立新来院了解该案执行情况，提出被执行人系其同学所在企业，希望暂缓拍卖厂房，给企业留出筹款时间。")
ORAL_DAYS_AGO = 5
ORAL_DECISION = _confirm("INT_UPPER_COURT", "ORAL", ("SR10",), ("IB03",), name="陈立新", unit="南阳市中级人民法院",
                         position="执行局副局长", case_number=ORAL.case_number)
SERIOUS_REASON = "县政府以正式公文要求对在执企业暂缓执行三个月，涉及重点招商企业，情节严重。"


def create_accounts(rt: Runtime) -> None:
    """One account per entry of the role tests' ``ACCOUNTS`` (every role), all with :data:`PASSWORD`;
    the second supervisor gets an API token (for a reporting script)."""
    for username, (role, display) in ACCOUNTS.items():
        users.create_user(rt.db, username, PASSWORD, role, display_name=display)
    users.create_token(rt.db, "gao", "季度报表脚本")


def scan_bytes(scan: Scan) -> bytes:
    """The scan as the desk would get it: an image-only PDF or a JPEG, by the file name's extension."""
    n = scan.lines_per_page
    pages = [list(scan.lines[i:i + n]) for i in range(0, len(scan.lines), n)]
    if scan.filename.endswith(".pdf"):
        return docs.image_pdf_bytes(pages, title=scan.title)
    return docs.jpeg_bytes(pages[0], quality=80, title=scan.title)


def received_days_ago(days: int, now: dt.datetime) -> dt.datetime:
    """``days`` before ``now`` but not before the start of ``now``'s quarter in Beijing, so the quarterly
    report of the current quarter counts every letter whenever the screenshots are made."""
    local = now.astimezone(CHINA_TZ)
    quarter_start = dt.datetime(local.year, 3 * ((local.month - 1) // 3) + 1, 1, 9, tzinfo=CHINA_TZ)
    return max(now - dt.timedelta(days=days), min(quarter_start, now))


def set_received(rt: Runtime, letter_id: int, days: int) -> None:
    """Move the letter's receipt ``days`` back (see :func:`received_days_ago`)."""
    when = received_days_ago(days, dt.datetime.now(dt.timezone.utc))
    with rt.db.session() as s:
        s.execute(update(Letter).where(Letter.id == letter_id).values(received_at=when))


def hand_in(rt: Runtime, scan: Scan) -> int:
    """Submit the scan, run every stage in this process (OCR included) and back-date its receipt."""
    accepted = submit(rt, scan_bytes(scan), scan.filename, "upload", actor(rt, CLERK), enqueue=False)
    status = pipeline.run_inline(rt, accepted.id)
    if status != "in_review":
        raise RuntimeError(f"{scan.filename}: the pipeline stopped at {status}")
    set_received(rt, accepted.id, scan.days_ago)
    return accepted.id


def enter_oral_record(rt: Runtime) -> int:
    """The clerk enters :data:`ORAL`; both attendees confirm it and the pipeline runs."""
    letter_id = records.submit_record(rt, ORAL, actor(rt, CLERK)).id
    for username in ATTENDEES:
        records.confirm_attendance(rt, letter_id, actor(rt, username))
    pipeline.run_inline(rt, letter_id)
    set_received(rt, letter_id, ORAL_DAYS_AGO)
    return letter_id


def build_archive(rt: Runtime) -> dict[str, int]:
    """Accounts, the scans and the oral record handed in; the decided ones filed by the reviewer; the
    government letter marked serious; the oldest alert acknowledged by a supervisor. Returns letter ids
    by :attr:`Scan.key` (``oral`` for the record)."""
    create_accounts(rt)
    ids = {scan.key: hand_in(rt, scan) for scan in SCANS}
    ids["oral"] = enter_oral_record(rt)
    reviewer = actor(rt, REVIEWER)
    decided = [(ids[scan.key], scan.decision) for scan in SCANS if scan.decision] + [(ids["oral"], ORAL_DECISION)]
    for letter_id, decision in decided:
        review(rt, letter_id, decision, reviewer)
    alerts.mark_serious(rt, ids[GOVERNMENT.key], SERIOUS_REASON, reviewer)
    oldest = alerts.list_alerts(rt)[-1]
    alerts.acknowledge(rt, oldest.id, actor(rt, SUPERVISOR))  # shown greyed on the alert list
    return ids


# --- pages ----------------------------------------------------------------------------------------


def show_letter(page: "Page", url: str, ids: dict[str, int]) -> None:
    """The government letter with its case number located on the page image."""
    page.goto(f"{url}/letters/{ids[GOVERNMENT.key]}")
    page.locator(".page img").first.wait_for()
    page.wait_for_function("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    case_number = page.locator("a#locate-case_number")
    (case_number if case_number.count() else page.locator("a.locate[id^='locate-']").first).click()


#: How a screenshot's page is reached: ``step(page, base_url, letter ids)``.
Step = Callable[["Page", str, dict[str, int]], None]


def _goto(path: str, ready: str) -> Step:
    """A page step that opens ``path`` and waits for ``ready`` (a CSS selector) to be there."""
    def step(page: "Page", url: str, ids: dict[str, int]) -> None:
        page.goto(url + path)
        page.locator(ready).first.wait_for()
    return step


def fill_oral_form(page: "Page", url: str, ids: dict[str, int]) -> None:
    """The oral-record form, filled in as a clerk would (not submitted)."""
    page.goto(url + "/records/new?form=ORAL")
    values = {"occurred_at": "2026-11-20 15:00", "name": "周明", "unit": "梅川县人民政府", "position": "副县长",
              "case_number": "（2026）豫0825执2233号", "case_name": "金融借款合同纠纷执行案", "place": "立案庭接待室",
              "attendees": "zhao、wang", "content": "周明当面询问该案执行进度，希望法院对被执行企业“放水养鱼”，暂缓查封设备。"}
    for name, value in values.items():
        page.locator(f"#{name}").fill(value)


#: file name → (who takes it, how the page is reached)
SHOTS: dict[str, tuple[str, Step]] = {
    "queue.png": (REVIEWER, _goto("/", "#review-queue")),
    "letter.png": (REVIEWER, show_letter),
    "register_external.png": (SUPERVISOR, _goto("/registers/external", "#register-external")),
    "register_internal.png": (SUPERVISOR, _goto("/registers/internal", "#register-internal")),
    "deadlines.png": (SUPERVISOR, _goto("/deadlines", "h1")),
    "reports.png": (SUPERVISOR, _goto("/reports", "#register-internal")),
    "alerts.png": (SUPERVISOR, _goto("/alerts", "h1")),
    "record_form.png": (CLERK, fill_oral_form),
    "users.png": (ADMIN, _goto("/admin/users", "h1")),
}


def shrink(path: Path) -> None:
    """Recompress the PNG at ``path`` as an optimised 256-colour image (a third of the size; text stays
    crisp on the desk's flat colours)."""
    with Image.open(path) as shot:
        image = shot.convert("RGB")
    image.quantize(256, method=Image.Quantize.MEDIANCUT).save(path, "PNG", optimize=True)


def take_screenshots(browser: "Browser", url: str, ids: dict[str, int], out_dir: Path) -> list[Path]:
    """Every entry of :data:`SHOTS`, signed in as its user; returns the written files."""
    written = []
    for name, (username, reach) in SHOTS.items():
        with signed_in(browser, url, username, PASSWORD) as page:
            reach(page, url, ids)
            path = out_dir / name
            page.screenshot(path=str(path), full_page=True)
        shrink(path)
        written.append(path)
    return written


def make_screenshots(out_dir: Path, model_dir: Path | None = None) -> list[Path]:
    """Build a throwaway archive (training a model unless ``model_dir`` is given) and write every
    screenshot of :data:`SHOTS` into ``out_dir`` (created if missing). Returns the written files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="letterdesk-screenshots-") as tmp:
        work = Path(tmp)
        models = model_dir or train_model(work / "models")
        rt = Runtime.from_settings(make_settings(work / "data", models))
        try:
            ids = build_archive(rt)
            with serving(create_app(rt)) as url, chromium() as browser:
                return take_screenshots(browser, url, ids, out_dir)
        finally:
            rt.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: ``OUT_DIR [--model-dir DIR]``; prints each file written with its size."""
    parser = argparse.ArgumentParser(prog="python -m tests.screenshots", description="登记台主要页面截图")
    parser.add_argument("out_dir", type=Path, help="截图输出目录")
    parser.add_argument("--model-dir", type=Path, help="已训练好的分类模型目录（省去训练）")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request of the browser
    for path in make_screenshots(args.out_dir, args.model_dir):
        print(f"{path} {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
