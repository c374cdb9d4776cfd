"""Error responses: one handler for the service's exception family, one for HTTP errors.

Under ``/api`` both answer JSON ``{"error", "code"}``; on the desk they render a Chinese error page.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from letterdesk.errors import LetterdeskError
from review_ui.context import is_api_request, runtime

HTTP_MESSAGES = {
    400: "请求有误",
    401: "需要登录",
    403: "没有权限",
    404: "页面或记录不存在",
    405: "不支持该请求方法",
    413: "文件过大",
    500: "服务器内部错误，请稍后再试或联系管理员",
}
HTTP_CODES = {400: "bad_request", 401: "authentication_required", 403: "permission_denied", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 500: "internal_error"}
CSRF_MESSAGE = "表单已过期或来源无效，请刷新页面后重试"


def _respond(status: int, body: dict) -> Response:
    """JSON for the API, the Chinese error page for the desk."""
    if is_api_request():
        response = jsonify(body)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="letterdesk"'
        return response
    html = render_template("error.html", status=status, message=body["error"])
    return current_app.response_class(html, status=status, mimetype="text/html")


def _http_message(err: HTTPException) -> str:
    status = err.code or 500
    if isinstance(err, CSRFError):
        return CSRF_MESSAGE
    if status == 413:
        limit_mb = runtime().settings.limits.max_bytes // (1024 * 1024)
        return f"文件过大，单次上传不得超过 {limit_mb} MB (request too large)"
    return HTTP_MESSAGES.get(status, err.name)


def handle_letterdesk_error(err: LetterdeskError) -> Response:
    """Every expected error of the service: its message, code and ``http_status``."""
    return _respond(err.http_status, err.to_dict())


def handle_http_error(err: HTTPException) -> Response:
    """Flask's own errors (404, 405, 413, CSRF 400, unhandled 500) in the same shapes."""
    status = err.code or 500
    code = "csrf_failed" if isinstance(err, CSRFError) else HTTP_CODES.get(status, "http_error")
    response = _respond(status, {"error": _http_message(err), "code": code})
    for name, value in err.get_headers():  # e.g. ``Allow`` on 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(LetterdeskError, handle_letterdesk_error)
    app.register_error_handler(HTTPException, handle_http_error)
