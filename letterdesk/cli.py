"""The ``letterdesk`` command line. Every command maps :class:`LetterdeskError` to its exit code."""
from __future__ import annotations

import functools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from letterdesk.config import load_settings
from letterdesk.errors import LetterdeskError

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LetterdeskError as err:
            click.echo(f"错误：{err.message}", err=True)
            sys.exit(err.exit_code)

    return wrapper


def _runtime():
    from ingest.runtime import Runtime

    return Runtime.from_settings(load_settings())


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="详细日志")
def main(verbose: bool) -> None:
    """letterdesk：法院登记台来信处理（扫描 → 识别 → 切分 → 分类 → 审核 → 归档）。"""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# --- the service ------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--worker/--no-worker", "with_worker", default=None,
              help="同时启动处理进程（默认：使用内置队列时启动）")
@click.option("--concurrency", default=None, type=int, help="处理进程数（默认：CPU 核数）")
@handle_errors
def serve(host: str, port: int, with_worker: bool | None, concurrency: int | None) -> None:
    """启动登记台网页、API（以及内置处理进程）。"""
    from waitress import serve as waitress_serve

    from review_ui.app import create_app

    rt = _runtime()
    app = create_app(rt)
    worker = None
    if with_worker if with_worker is not None else rt.settings.is_embedded_broker:
        cmd = [sys.executable, "-m", "letterdesk.cli", "worker"]
        if concurrency:
            cmd += ["--concurrency", str(concurrency)]
        worker = subprocess.Popen(cmd)
        click.echo(f"处理进程已启动 (pid {worker.pid})")

    def _stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"letterdesk 登记台：http://{host}:{port}/  数据目录：{rt.settings.data_dir}")
    try:
        waitress_serve(app, host=host, port=port, threads=8, max_request_body_size=rt.settings.limits.max_bytes + 1_000_000)
    finally:
        _stop_worker(worker)


def _stop_worker(worker: subprocess.Popen | None, grace: float = 20) -> None:
    """Warm shutdown of the worker subprocess (running tasks finish); killed after ``grace`` seconds.
    A killed worker loses nothing: its letters are re-queued from the database by the reconciler."""
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(grace)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)


@main.command()
@click.option("--concurrency", default=None, type=int, help="并发进程数（默认：CPU 核数）")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, loglevel: str) -> None:
    """只启动 Celery 处理进程（生产环境横向扩展用）。"""
    from ingest.queue import QUEUE
    from ingest.tasks import app

    argv = ["worker", "-Q", QUEUE, "--loglevel", loglevel, "-P", "prefork", "--without-gossip", "--without-mingle",
            "--concurrency", str(concurrency or os.cpu_count() or 1)]
    app.worker_main(argv)


# --- intake ---------------------------------------------------------------------------------
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True, help="在本进程内立即处理到待审核（不经队列）")
def ingest(files: tuple[Path, ...], wait: bool) -> None:
    """登记来信文件：每个文件输出一行（编号与状态，或错误原因）。"""
    from ingest.intake import submit
    from ingest.pipeline import run_inline

    rt = _runtime()
    failures = 0
    for path in files:
        try:
            accepted = submit(rt, path.read_bytes(), path.name, "cli", enqueue=not wait)
            status = run_inline(rt, accepted.id) if wait and not accepted.duplicate else accepted.status
            note = "  (重复文件，已存在)" if accepted.duplicate else ""
            click.echo(f"{path}\tid={accepted.id}\t{status}\tsha256={accepted.sha256}{note}")
        except LetterdeskError as err:
            failures += 1
            click.echo(f"{path}\t错误：{err.message}", err=True)
    sys.exit(3 if failures else 0)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--interval", default=1.0, show_default=True, help="扫描间隔（秒）")
@click.option("--settle", default=2.0, show_default=True, help="文件大小保持不变多少秒后才处理")
@handle_errors
def watch(folder: Path, interval: float, settle: float) -> None:
    """扫描仪热文件夹：新文件稳定后登记，移入 done/ 或 rejected/（附 .reason.txt）。"""
    from ingest.watch import HotFolder

    rt = _runtime()
    hot = HotFolder(folder, settle=settle)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def report(outcome):
        if outcome.accepted:
            a = outcome.accepted
            click.echo(f"{outcome.path.name}\tid={a.id}\t{a.status}{'  (重复文件)' if a.duplicate else ''}")
        else:
            click.echo(f"{outcome.path.name}\t错误：{outcome.error}", err=True)

    click.echo(f"正在监视 {folder}（Ctrl-C 退出）")
    try:
        hot.run(rt, interval=interval, stop=stop, report=report)
    except KeyboardInterrupt:
        pass


# --- reading -------------------------------------------------------------------------------------
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def analyze(files: tuple[Path, ...]) -> None:
    """识别、切分、分类（不保存任何内容），每个文件输出一行 JSON。"""
    from ingest.analyze import analyze_file

    rt = _runtime()
    failures = 0
    for path in files:
        try:
            click.echo(json.dumps(analyze_file(path, rt.ocr_engine, rt.classifier, rt.settings.limits),
                                  ensure_ascii=False))
        except LetterdeskError as err:
            failures += 1
            click.echo(json.dumps({"file": str(path), "error": err.message, "code": err.code}, ensure_ascii=False))
    sys.exit(3 if failures else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def ocr(file: Path) -> None:
    """打印一个文件的识别文字。"""
    from ocr import get_engine, ocr_file

    settings = load_settings()
    click.echo(ocr_file(file, engine=get_engine(settings.ocr_engine), limits=settings.limits).text)


@main.command()
@click.argument("case_number")
@handle_errors
def find(case_number: str) -> None:
    """按案号（任意写法）查找已归档来信。"""
    from ingest.queries import find_by_case_number

    letters = find_by_case_number(_runtime(), case_number)
    for s in letters:
        click.echo(f"id={s.id}\t{s.status_label}\t{','.join(s.case_numbers)}\t{s.intervener_type_label or ''}\t"
                   f"{s.name or ''}\t{s.unit or ''}\t{s.filename}\tsha256={s.sha256}")
    if not letters:
        click.echo("未找到已归档的来信", err=True)
        sys.exit(4)


@main.command()
@click.argument("letter_id", type=int)
@handle_errors
def status(letter_id: int) -> None:
    """显示一封来信的状态与识别结果（JSON）。"""
    from ingest.queries import detail_dict, get_letter

    click.echo(json.dumps(detail_dict(get_letter(_runtime(), letter_id)), ensure_ascii=False, indent=2))


@main.command()
@click.argument("letter_id", type=int)
@handle_errors
def retry(letter_id: int) -> None:
    """重新处理一封处理失败的来信。"""
    from ingest.actor import SYSTEM_ACTOR
    from ingest.pipeline import retry as retry_letter

    click.echo(f"id={letter_id}\t{retry_letter(_runtime(), letter_id, SYSTEM_ACTOR)}")


@main.command()
@handle_errors
def reconcile() -> None:
    """把卡在处理环节超时的来信重新排队。"""
    from ingest.pipeline import reconcile as run

    ids = run(_runtime())
    click.echo(f"重新排队 {len(ids)} 封：{ids}")


@main.command()
@click.option("--dev", "dev_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="开发集（默认：classifier/data/dev.jsonl）")
@handle_errors
def train(dev_path: Path | None) -> None:
    """用内置语料加已确认的来信训练新模型；仅当其在开发集上不差于当前模型时启用。"""
    from ingest.training import retrain

    for line in retrain(_runtime(), dev_path).lines():
        click.echo(line)


@main.command()
@click.option("--quarter", required=True, help="季度，如 2026Q3")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="输出文件（默认：当前目录下 过问登记季度汇总-<季度>.<格式>）")
@handle_errors
def report(quarter: str, fmt: str, out: Path | None) -> None:
    """季度汇总分析：两个专库的分类统计、特别报告事项清单和逾期登记。"""
    from ingest import reports

    summary = reports.quarter_summary(_runtime(), quarter)
    export, _mime = reports.EXPORTS[fmt]
    target = out or Path(reports.export_filename(summary, fmt))
    target.write_bytes(export(summary))
    click.echo(f"{target}\t外部 {summary.registers[0].total} 件\t内部 {summary.registers[1].total} 件")


# --- integrity: audit trail, archive check, backup and restore ------------------------------------
@main.group()
def audit() -> None:
    """审计记录（哈希链）。"""


@audit.command("verify")
@handle_errors
def audit_verify() -> None:
    """校验审计记录的哈希链：被修改、删除或调换的事件逐条列出。"""
    from ingest import audit as audit_service

    report = audit_service.verify(_runtime())
    for problem in report.problems:
        click.echo(problem.message, err=True)
    if not report.ok:
        click.echo(f"审计链校验失败：{len(report.problems)} 处问题（共 {report.events} 条事件）", err=True)
        sys.exit(1)
    click.echo(f"审计链完好：{report.events} 条事件")


@main.group()
def alerts() -> None:
    """给主管的提醒（特别报告事项、情节严重）。"""


@alerts.command("list")
@click.option("--all", "show_all", is_flag=True, help="也列出已确认的提醒")
@handle_errors
def alerts_list(show_all: bool) -> None:
    """列出提醒（默认只列未确认的）及其投递情况。"""
    from ingest import alerts as alert_service

    for a in alert_service.list_alerts(_runtime(), open_only=not show_all):
        codes = "、".join(c.code for c in a.codes) or "—"
        sent = "，".join(f"{d.channel}{'成功' if d.ok else '失败'}" for d in a.deliveries) or "未投递"
        state = "未确认" if a.is_open else f"已由 {a.acknowledged_by} 确认"
        click.echo(f"#{a.id} 来信 #{a.letter_id} {a.reason_label} {codes} {state}；{sent}")


@alerts.command("redeliver")
@handle_errors
def alerts_redeliver() -> None:
    """重新投递未确认提醒中最近一次投递失败的渠道（webhook、邮件），非零退出码表示仍有失败。"""
    from ingest import alerts as alert_service

    results = alert_service.redeliver_failed(_runtime())
    failed = 0
    for alert_id, deliveries in results.items():
        for d in deliveries:
            failed += not d.ok
            click.echo(f"提醒 #{alert_id} {d.channel}：{'成功' if d.ok else '失败 ' + d.detail}")
    click.echo(f"重新投递 {len(results)} 条提醒，失败 {failed} 次")
    if failed:
        sys.exit(1)


@main.command()
@handle_errors
def verify() -> None:
    """重新读取每个归档对象，与登记的 SHA-256 比对，列出不符、缺失或未受保护的对象。"""
    from ingest.verify import verify_archive

    report = verify_archive(_runtime())
    for problem in report.problems:
        click.echo(f"[{problem.kind}] {problem.message}", err=True)
    summary = f"{report.letters} 件来信、{report.rejections} 条拒收记录，{report.objects} 个对象"
    if not report.ok:
        click.echo(f"校验失败：{summary}，{len(report.problems)} 处问题", err=True)
        sys.exit(1)
    click.echo(f"校验通过：{summary}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def backup(directory: Path) -> None:
    """把数据库与全部对象备份到 DIRECTORY（须不存在或为空）。"""
    from ingest.backup import backup as backup_service

    report = backup_service(_runtime(), directory)
    click.echo(f"备份完成：{directory}（{sum(report.rows.values())} 行数据，{report.objects} 个对象，"
               f"{report.bytes} 字节）")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@handle_errors
def restore(directory: Path) -> None:
    """把 DIRECTORY 中的备份恢复到空数据库（先逐一校验备份文件的 SHA-256）。"""
    from ingest.backup import restore as restore_service

    report = restore_service(_runtime(), directory)
    click.echo(f"恢复完成：{sum(report.rows.values())} 行数据，{report.objects} 个对象")
    for problem in report.audit.problems:
        click.echo(problem.message, err=True)
    if not report.audit.ok:
        click.echo("恢复后的审计链校验未通过", err=True)
        sys.exit(1)


# --- database schema ---------------------------------------------------------------------------
@main.group()
def db() -> None:
    """数据库结构版本（迁移）。"""


def _database():
    """The configured database, without the schema step every other command runs at start."""
    from storage.db import Database

    return Database(load_settings().database_url)


@db.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """把数据库结构升级到本程序的最新版本（服务与处理进程启动时也会自动升级）。"""
    change = _database().upgrade()
    note = "（已是最新）" if change.before == change.after else ""
    click.echo(f"数据库结构：{change.before or '无版本记录'} → {change.after}{note}")


@db.command("current")
@handle_errors
def db_current() -> None:
    """显示数据库当前的结构版本，以及本程序支持的最新版本。"""
    from storage import migrations

    revision, head = _database().schema_revision(), migrations.head()
    if revision is None:
        click.echo(f"数据库尚无结构版本记录（最新版本 {head}，运行 letterdesk db upgrade 建立）")
        return
    migrations.require_known(revision)
    click.echo(f"{revision}（最新）" if revision == head else f"{revision}（可升级到 {head}：letterdesk db upgrade）")


# --- benchmarks --------------------------------------------------------------------------------
@main.group()
def bench() -> None:
    """性能与准确率基准（打印数据，最后一行为摘要）。"""


@bench.command("pipeline")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=int, help="处理进程数")
@handle_errors
def bench_pipeline(folder: Path, workers: int) -> None:
    """把 FOLDER 中的全部文件送入完整流水线（临时内置环境），统计每分钟处理来信数等。"""
    from ingest.bench import run

    result = run(folder, workers=workers, model_dir=load_settings().model_dir)
    for line in result.lines():
        click.echo(line)


@bench.command("classify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--threshold", type=float, default=None, help="置信阈值（默认：配置中的 confidence_threshold）")
@handle_errors
def bench_classify(file: Path, threshold: float | None) -> None:
    """在标注文件 FILE（JSONL）上评测分类与字段识别，最后一行为摘要。"""
    from classifier.bench import run

    rt = _runtime()
    result = run(file, rt.classifier, rt.settings.confidence_threshold if threshold is None else threshold)
    for line in result.lines():
        click.echo(line)


@bench.command("fields")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def bench_fields(files: tuple[Path, ...]) -> None:
    """留一文件交叉验证：在标注文件 FILES（默认：手写训练来信）上比较规则与学习所得的姓名、单位、职务、方式。"""
    from classifier.fieldrank import report

    for line in report(files):
        click.echo(line)


@bench.command("cv")
@click.option("--folds", default=None, type=int, help="折数（默认：分层 4 折，整文件 5 折）")
@click.option("--family", type=click.Choice(["svm", "logreg"]), default="svm", show_default=True, help="模型类别")
@click.option("--by-file", is_flag=True, help="整文件分折：每折由未见过其写作者的模型判读")
@handle_errors
def bench_cv(folds: int | None, family: str, by_file: bool) -> None:
    """在手写训练来信上做 K 折交叉验证（类型、特别报告事项、内部违规行为），最后一行为摘要。"""
    from classifier.crossval import run

    for line in run(folds=folds, family=family, by_file=by_file).lines():
        click.echo(line)


@bench.command("ocr")
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--engine", "engine_name", default=None, help="OCR 引擎（默认：配置中的 ocr_engine）")
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=int, help="识别进程数（每核一个）")
@click.option("--per-page", is_flag=True, help="逐页打印结果")
@handle_errors
def bench_ocr(corpus: Path, engine_name: str | None, workers: int, per_page: bool) -> None:
    """用 OCR 基准语料（manifest.jsonl）测量识别准确率（CER）、速度与每进程内存，与流水线的识别走同一代码路径。"""
    from ocr.bench import run

    for line in run(corpus, engine_name or load_settings().ocr_engine, workers).lines(per_page=per_page):
        click.echo(line)


@bench.command("load")
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--seconds", default=60.0, show_default=True, help="持续时间（秒）")
@click.option("--uploaders", default=4, show_default=True, help="并发上传线程")
@click.option("--reviewers", default=2, show_default=True, help="并发审核线程")
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=int, help="处理进程数")
def bench_load(corpus: Path, seconds: float, uploaders: int, reviewers: int, workers: int) -> None:
    """对本机回环地址上的完整服务做限时负载测试（上传与审核并发）。"""
    from letterdesk.loadtest import run

    result = run(corpus, seconds=seconds, uploaders=uploaders, reviewers=reviewers, workers=workers,
                 model_dir=load_settings().model_dir)
    for line in result.lines():
        click.echo(line)
    sys.exit(1 if result.errors else 0)


# --- users ---------------------------------------------------------------------------------------
@main.group()
def user() -> None:
    """用户与 API 令牌管理。"""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "reviewer", "supervisor", "admin"]), required=True)
@click.option("--display-name", default="")
@click.password_option("--password", envvar="LETTERDESK_NEW_PASSWORD", help="密码（或环境变量 LETTERDESK_NEW_PASSWORD）")
@handle_errors
def user_add(name: str, role: str, display_name: str, password: str) -> None:
    """创建用户（同名则重置密码与角色）。"""
    from storage.users import create_user

    info = create_user(_runtime().db, name, password, role, display_name)
    click.echo(f"用户 {info.username}（{info.role}）已保存")


@user.command("token")
@click.argument("name")
@click.option("--label", default="", help="令牌用途说明")
@handle_errors
def user_token(name: str, label: str) -> None:
    """为用户签发 API 令牌（只显示一次）。"""
    from storage.users import create_token

    click.echo(create_token(_runtime().db, name, label))


@user.command("revoke")
@click.argument("token")
@handle_errors
def user_revoke(token: str) -> None:
    """吊销一个 API 令牌（立即失效）。"""
    from storage.users import revoke_token

    if not revoke_token(_runtime().db, token):
        click.echo("没有这个有效令牌", err=True)
        sys.exit(4)
    click.echo("令牌已吊销")


if __name__ == "__main__":
    main()
