"""Jinja filters that turn service values into the desk's Chinese display text."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from markupsafe import Markup, escape

from ingest.deadlines import local_minute
from storage.models import STATUS_LABELS

#: Record fields (taxonomy §4) in the order the desk shows them.
FIELD_LABELS = {
    "name": "姓名",
    "unit": "单位",
    "position": "职务",
    "case_number": "案号",
    "case_name": "案由（案件名称）",
    "date": "日期",
}

#: Letter parts (GB/T 9704) as produced by segmentation.
SEGMENT_LABELS = {
    "header": "版头",
    "doc_number": "发文字号",
    "title": "标题",
    "addressee": "主送",
    "body": "正文",
    "signature": "署名",
    "date_text": "成文日期",
    "cc": "抄送",
}

ACTION_LABELS = {
    "ingest": "接收",
    "ocr": "文字识别",
    "segment": "切分",
    "classify": "分类",
    "queue_for_review": "进入待审",
    "confirm": "确认归档",
    "reject": "退回",
    "retry": "重试",
    "failed": "处理失败",
    "reject_input": "拒收",
    "download": "下载原件",
    "permission_denied": "越权被拒",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "backup": "备份",
    "restore": "恢复",
    "export": "导出专库",
    "copy_sent": "已抄送",
    "split": "拆分",
    "merge": "合并",
    "derived": "由拆分/合并生成",
    "mark_serious": "标记情节严重",
    "alert": "发出提醒",
    "alert_delivery": "提醒投递",
    "alert_ack": "确认提醒",
    "print_form": "打印统计表",
    "user_create": "创建用户",
    "user_rename": "修改显示名称",
    "user_role": "变更角色",
    "user_deactivate": "停用账号",
    "user_reactivate": "重新启用账号",
    "user_password": "重设密码",
    "token_create": "签发API令牌",
    "token_revoke": "吊销API令牌",
}

PAGE_SOURCES = {"text-layer": "文字层", "ocr": "OCR识别", "plain": "纯文本"}


def age(hours: float | None) -> str:
    """Waiting time: "12分钟", "3小时", "2天"."""
    if hours is None:
        return ""
    if hours < 1:
        return f"{max(int(hours * 60), 0)}分钟"
    if hours < 48:
        return f"{int(hours)}小时"
    return f"{int(hours // 24)}天"


def confidence(value: float | None) -> str:
    """An OCR mean word confidence (0–100) → "87"; None (text layer) → "—"."""
    return "—" if value is None else f"{value:.0f}"


def percent(probability: float | None) -> str:
    """0.873 → "87%"; None → "—"."""
    return "—" if probability is None else f"{probability * 100:.0f}%"


def page_source(source: str) -> str:
    """Where a page's text came from, in Chinese."""
    return PAGE_SOURCES.get(source, source)


def status_label(status: str) -> str:
    """A letter status code in Chinese."""
    return STATUS_LABELS.get(status, status)


def action_label(action: str) -> str:
    """An audit action in Chinese."""
    return ACTION_LABELS.get(action, action)


def _flatten(phrases: Iterable) -> list[str]:
    """Strings of ``phrases``, one level of nested iterables (e.g. the ``phrases`` of several labels) opened."""
    out: list[str] = []
    for item in phrases or ():
        out.extend([item] if isinstance(item, str) else [str(x) for x in item or ()])
    return out


def highlight(text: str | None, phrases: Iterable = ()) -> Markup:
    """``text`` HTML-escaped, every occurrence of the given phrases wrapped in ``<mark>`` (longest first,
    never overlapping). ``phrases`` may be strings or iterables of strings; nothing in them is trusted."""
    text = text or ""
    wanted = sorted({p for p in _flatten(phrases) if p and p.strip()}, key=len, reverse=True)
    taken = [False] * len(text)
    spans: list[tuple[int, int]] = []
    for phrase in wanted:
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if not any(taken[start:end]):
                spans.append((start, end))
                taken[start:end] = [True] * len(phrase)
            start = text.find(phrase, end)
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def register_filters(app: Flask) -> None:
    app.add_template_filter(highlight)
    app.add_template_filter(age)
    app.add_template_filter(percent)
    app.add_template_filter(confidence)
    app.add_template_filter(local_minute, "local_time")
    app.add_template_filter(page_source)
    app.add_template_filter(status_label)
    app.add_template_filter(action_label)
