"""``letterdesk bench ocr CORPUS_DIR``: the OCR benchmark through the code path the pipeline uses.

Every item of the corpus (``manifest.jsonl`` page images, ``pdf_manifest.jsonl`` PDFs) is read by
``inspect_document`` + ``read_document(..., previews=True)`` exactly as the pipeline's OCR stage does, in
``workers`` processes that each load the engine once (like the Celery workers, one per core), and scored
with the benchmark's CER rules (:mod:`ocr.cer`, identical to ``score.py``). Figures: CER overall and
Chinese-only, per page group, on seal and red-header pages, image-only and born-digital PDFs; pages per
minute over the wall-clock time of the run, seconds per page (p50/p95) and the peak memory of each worker.
"""
from __future__ import annotations

import json
import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from letterdesk.errors import NotFound
from ocr.cer import ZERO, Score, score
from ocr.engines import get_engine
from ocr.inspect import inspect_document
from ocr.pipeline import read_document

GROUP_ORDER = ("clean", "noisy", "skewed", "fax", "photo")


@dataclass(frozen=True)
class Item:
    """One file of the corpus and the ground truth of each of its pages."""

    id: str
    path: Path
    truths: tuple[str, ...]
    groups: tuple[str, ...]
    seals: tuple[bool, ...]
    headers: tuple[bool, ...]
    kind: str  # "page" | "scanned_pdf" | "digital_pdf"
    prediction_name: str  # file name score.py expects for the prediction


@dataclass(frozen=True)
class PageResult:
    """One page read and scored."""

    id: str
    kind: str
    group: str
    has_seal: bool
    has_red_header: bool
    score: Score
    seconds: float  # the item's reading time divided by its pages
    cpu_seconds: float  # the worker's CPU time for the item divided by its pages
    source: str  # "ocr" | "text-layer"


@dataclass(frozen=True)
class OcrBench:
    """Result of :func:`run`; :meth:`lines` is the printed report, its last line a one-line summary."""

    engine: str
    workers: int
    stages: tuple[str, ...] | None
    correct: bool
    pages: tuple[PageResult, ...]
    wall_seconds: float
    peak_mb: tuple[float, ...]  # one per worker process

    def _total(self, results) -> Score:
        return sum((r.score for r in results), ZERO)

    @property
    def image_pages(self) -> list[PageResult]:
        return [p for p in self.pages if p.kind == "page"]

    @property
    def overall(self) -> Score:
        """Over the page images, as ``score.py`` reports "pages overall"."""
        return self._total(self.image_pages)

    def group(self, name: str) -> Score:
        return self._total(p for p in self.image_pages if p.group == name)

    @property
    def seal(self) -> Score:
        return self._total(p for p in self.pages if p.has_seal and p.kind != "digital_pdf")

    @property
    def ocr_seconds(self) -> list[float]:
        return sorted(p.seconds for p in self.pages if p.source == "ocr")

    @property
    def pages_per_minute(self) -> float:
        """Pages read by OCR per minute of wall-clock time (text-layer pages are not counted)."""
        return 60 * len(self.ocr_seconds) / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def cpu_pages_per_minute(self) -> float:
        """Pages per minute the workers would reach with a core each to themselves (from CPU time per page)."""
        cpu = [p.cpu_seconds for p in self.pages if p.source == "ocr"]
        return 60 * self.workers * len(cpu) / sum(cpu) if cpu and sum(cpu) else 0.0

    def percentile(self, q: float) -> float:
        values = self.ocr_seconds
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else 0.0

    def worst_group(self) -> tuple[str, Score]:
        present = [g for g in GROUP_ORDER if any(p.group == g for p in self.image_pages)]
        name = max(present, key=lambda g: self.group(g).cer) if present else "-"
        return name, self.group(name)

    def lines(self, per_page: bool = False) -> list[str]:
        """The report: optional per-page rows, groups, seal and PDF rows, speed, memory, summary."""
        out = [f"OCR 基准：引擎 {self.engine}，预处理 {','.join(self.stages) if self.stages is not None else '默认'}，"
               f"纠错 {'开' if self.correct else '关'}，进程 {self.workers}"]
        if per_page:
            out += [f"  {p.id:12s} {p.group:7s} seal={int(p.has_seal)} gt {p.score.gt_chars:5d} edits "
                    f"{p.score.edits:4d} CER {p.score.cer:7.2%}  {p.seconds:5.1f}s cpu {p.cpu_seconds:5.1f}s" for p in self.pages]
        rows = [(g, self.group(g), sum(p.group == g for p in self.image_pages)) for g in GROUP_ORDER]
        rows += [
            ("seal", self.seal, sum(p.has_seal and p.kind != "digital_pdf" for p in self.pages)),
            ("header", self._total(p for p in self.image_pages if p.has_red_header),
             sum(p.has_red_header for p in self.image_pages)),
            ("scan-pdf", self._total(p for p in self.pages if p.kind == "scanned_pdf"),
             sum(p.kind == "scanned_pdf" for p in self.pages)),
            ("text-pdf", self._total(p for p in self.pages if p.kind == "digital_pdf"),
             sum(p.kind == "digital_pdf" for p in self.pages)),
        ]
        out.append(f"{'group':9s} {'pages':>5s} {'CER':>7s} {'CER-han':>8s}")
        out += [f"{name:9s} {n:5d} {s.cer:7.2%} {s.cer_han:8.2%}" for name, s, n in rows if n]
        total = self.overall
        out.append(f"page images overall: CER {total.cer:.2%} ({total.edits}/{total.gt_chars})  "
                   f"Chinese-only CER {total.cer_han:.2%} ({total.edits_han}/{total.gt_han})")
        out.append(f"speed: {len(self.ocr_seconds)} OCR pages in {self.wall_seconds:.1f}s = "
                   f"{self.pages_per_minute:.1f} pages/min with {self.workers} worker(s); seconds/page "
                   f"p50 {self.percentile(0.5):.2f} p95 {self.percentile(0.95):.2f}; CPU-bound estimate "
                   f"{self.cpu_pages_per_minute:.1f} pages/min (CPU time per page, a core per worker)")
        out.append("memory: peak per worker " + ", ".join(f"{mb:.0f} MB" for mb in self.peak_mb))
        worst, worst_score = self.worst_group()
        out.append(f"summary: {self.engine} CER {total.cer:.2%} (Chinese {total.cer_han:.2%}), worst group {worst} "
                   f"{worst_score.cer:.2%}, seal {self.seal.cer:.2%} | {self.pages_per_minute:.1f} pages/min with "
                   f"{self.workers} worker(s), p50 {self.percentile(0.5):.2f}s p95 {self.percentile(0.95):.2f}s "
                   f"| peak {max(self.peak_mb, default=0):.0f} MB/worker")
        return out


def _manifest(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_corpus(corpus_dir: Path) -> list[Item]:
    """The items of a benchmark corpus folder (``manifest.jsonl`` and, if present, ``pdf_manifest.jsonl``)."""
    items = []
    for row in _manifest(corpus_dir / "manifest.jsonl"):
        items.append(Item(row.get("id", Path(row["file"]).stem), corpus_dir / row["file"],
                          ((corpus_dir / row["gt_file"]).read_text(encoding="utf-8"),), (row.get("group", "-"),),
                          (bool(row.get("has_seal")),), (bool(row.get("has_red_header")),), "page",
                          Path(row["gt_file"]).name))
    for row in _manifest(corpus_dir / "pdf_manifest.jsonl"):
        scanned = row.get("kind") != "born_digital_text_layer"
        gt_files = row.get("page_gt_files") or [row["gt_file"]]
        info = row.get("page_info") or [{} for _ in gt_files]
        items.append(Item(row["id"], corpus_dir / row["file"],
                          tuple((corpus_dir / f).read_text(encoding="utf-8") for f in gt_files),
                          tuple(i.get("group", row.get("kind", "-")) for i in info),
                          tuple(bool(i.get("has_seal")) for i in info),
                          tuple(bool(i.get("has_red_header")) for i in info),
                          "scanned_pdf" if scanned else "digital_pdf", Path(row["gt_file"]).name))
    return items


# --- worker processes -------------------------------------------------------------------------------------
_settings: dict = {}


def _start(engine_name: str, stages: tuple[str, ...] | None, correct: bool) -> None:
    get_engine(engine_name)  # models load once per worker, before the clock starts
    _settings.update(engine=engine_name, stages=stages, correct=correct)


def _ready() -> int:
    time.sleep(0.3)  # long enough that every worker process takes one of these
    return multiprocessing.current_process().pid


def _cpu() -> float:
    """CPU seconds of this worker and the programs it ran (Tesseract runs as a child process)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _own_peak_kb() -> int:
    """This process's peak resident memory (KiB) since it started its program: ``VmHWM``, because a spawned
    worker's ``ru_maxrss`` still counts the process it was forked from (a large parent inflated it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _read(path: Path) -> tuple[list[str], list[str], float, float, int, float]:
    """Page texts, page sources, seconds, CPU seconds, pid and peak memory (MB) of this worker after
    reading ``path``."""
    started, cpu = time.perf_counter(), _cpu()
    data = path.read_bytes()
    info = inspect_document(data)
    result, _ = read_document(data, info, get_engine(_settings["engine"]), previews=True, page_workers=1,
                              stages=_settings["stages"], correct=_settings["correct"])
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    # the worker's peak plus the largest child's (Tesseract): an upper bound of what it held at once
    peak_mb = (_own_peak_kb() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return ([p.text for p in result.pages], [p.source for p in result.pages], seconds, cpu,
            multiprocessing.current_process().pid, peak_mb)


def _results(item: Item, texts: list[str], sources: list[str], seconds: float, cpu: float) -> list[PageResult]:
    if item.kind == "digital_pdf":  # ground truth is for the whole document
        texts, sources = ["\n".join(texts)], [sources[0] if sources else "text-layer"]
    n = max(len(texts), 1)
    return [
        PageResult(f"{item.id}" + (f"/p{i + 1}" if len(item.truths) > 1 else ""), item.kind,
                   item.groups[min(i, len(item.groups) - 1)], item.seals[min(i, len(item.seals) - 1)],
                   item.headers[min(i, len(item.headers) - 1)], score(truth, text), seconds / n, cpu / n, source)
        for i, (truth, text, source) in enumerate(zip(item.truths, texts, sources))
    ]


def run(corpus_dir: str | Path, engine_name: str, workers: int = 1, *, stages: tuple[str, ...] | None = None,
        correct: bool = True, predictions_dir: str | Path | None = None) -> OcrBench:
    """Read and score every item of ``corpus_dir`` (or of its ``corpus`` folder) with ``workers`` processes
    of engine ``engine_name``.

    ``stages`` overrides the engine's preprocessing stages and ``correct`` turns the text corrections
    on or off (for measuring what each buys). With ``predictions_dir`` the texts are also written there
    under the names ``score.py`` expects, so the official scorer can check the figures. Raises
    ConfigurationError for an unknown or missing engine and NotFound for a folder without
    ``manifest.jsonl``.
    """
    corpus = Path(corpus_dir)
    if not (corpus / "manifest.jsonl").exists() and (corpus / "corpus" / "manifest.jsonl").exists():
        corpus = corpus / "corpus"  # the benchmark's own folder was given
    if not (corpus / "manifest.jsonl").exists():
        raise NotFound(f"基准目录中没有 manifest.jsonl：{corpus} (not an OCR benchmark corpus)")
    items = load_corpus(corpus)
    get_engine(engine_name)  # a bad name or missing install fails here, not inside a worker
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(engine_name, stages, correct)) as pool:
        for future in [pool.submit(_ready) for _ in range(workers)]:
            future.result()
        started = time.perf_counter()
        futures = [(item, pool.submit(_read, item.path)) for item in items]
        done = [(item, future.result()) for item, future in futures]
        wall = time.perf_counter() - started
    peaks: dict[int, float] = {}
    pages: list[PageResult] = []
    for item, (texts, sources, seconds, cpu, pid, peak) in done:
        peaks[pid] = max(peaks.get(pid, 0.0), peak)
        pages += _results(item, texts, sources, seconds, cpu)
        if predictions_dir is not None:
            Path(predictions_dir).mkdir(parents=True, exist_ok=True)
            (Path(predictions_dir) / item.prediction_name).write_text("\n\n".join(texts), encoding="utf-8")
    return OcrBench(engine_name, workers, stages, correct, tuple(pages), wall, tuple(peaks.values()))
