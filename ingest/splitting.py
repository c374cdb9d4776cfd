"""Splitting a scan that holds several letters by page range, and merging two scans of one letter.

Contract of :func:`split` and :func:`merge`:
  * only letters ``in_review`` (read, not yet decided) are split or merged, and only by an actor who may
    review; a letter of another status raises :class:`InvalidState` (a failed letter is retried first);
  * each new letter gets an original of its own, built from the source's pages (PDF pages copied with
    pypdfium2, TIFF frames with Pillow; a merge is always one PDF), inspected like any upload and stored
    content-addressed *before* any row is written;
  * then one transaction: the source letters move ``in_review → superseded`` (a conditional update, so a
    reviewer deciding at the same moment wins cleanly), the new letters are written with status ``ocr``,
    ``derived_from`` naming their sources and the text of the source pages copied (segmentation and
    classification run again, OCR does not), and the audit trail records ``split``/``merge`` on the
    sources and ``derived`` on each new letter;
  * only after the commit are the new letters queued;
  * the originals (and page images) of superseded letters are never changed or removed.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import pypdfium2 as pdfium
from PIL import Image, ImageSequence
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import audit, intake
from ingest.actor import Actor
from ingest.runtime import Runtime
from ingest.stages import Superseded, claim, load_letter
from letterdesk.errors import InputRejected, InvalidRequest, InvalidState, PermissionDenied
from ocr import DEFAULT_DPI, DocumentInfo, OcrResult, PageText, inspect_document, rasterise
from storage.models import AuditEvent, Letter, Page, Status

PageRange = tuple[int, int]  # 1-based, inclusive

_DASHES = "-－–—~～至"
_SEPARATORS = r"[,，、;；\s]+"
_RANGE = re.compile(rf"(\d+)(?:[{_DASHES}](\d+))?")
_MAX_NAME = 200  # characters, as intake keeps client file names
_EXIF_ORIENTATION = 0x0112
_MIN_DPI = 50  # below this a recorded image resolution is taken as missing


# --- page ranges --------------------------------------------------------------------------------------
def parse_ranges(text: str) -> list[PageRange]:
    """The page ranges typed at the desk, e.g. ``"1-2, 3, 4-5"`` → ``[(1, 2), (3, 3), (4, 5)]``.

    Parts are separated by commas (half- or full-width), 、, semicolons or spaces; a range is ``a-b``
    (also with －, –, —, ~ or 至) or a single page. Raises :class:`InvalidRequest` for empty or unreadable
    text; whether the ranges fit the letter is :func:`check_ranges`' job.
    """
    compact = re.sub(rf"\s*([{_DASHES}])\s*", r"\1", (text or "").strip())
    tokens = [t for t in re.split(_SEPARATORS, compact) if t]
    if not tokens:
        raise InvalidRequest("请填写拆分的页码范围，例如“1-2, 3” (no page ranges given)")
    ranges = []
    for token in tokens:
        match = _RANGE.fullmatch(token)
        if match is None:
            raise InvalidRequest(f"无法识别的页码范围：“{token}”，应写作“1-2, 3” (unreadable page range)")
        first = int(match.group(1))
        ranges.append((first, int(match.group(2) or first)))
    return ranges


def _label(pages: PageRange) -> str:
    first, last = pages
    return f"第{first}页" if first == last else f"第{first}-{last}页"


def check_ranges(ranges: list[PageRange], page_count: int) -> None:
    """Raise :class:`InvalidRequest` unless ``ranges`` split pages 1..``page_count`` into at least two parts,
    in order, without overlap, each page in exactly one part."""
    if page_count < 2:
        raise InvalidRequest(f"来信只有 {page_count} 页，无法拆分 (a one-page letter cannot be split)")
    if len(ranges) < 2:
        raise InvalidRequest("拆分至少要分成两部分 (at least two parts are needed)")
    for first, last in ranges:
        if first < 1 or last > page_count:
            raise InvalidRequest(f"页码范围“{_label((first, last))}”超出了来信的页数（共 {page_count} 页）"
                                 f" (page range out of bounds)")
        if first > last:
            raise InvalidRequest(f"页码范围“{first}-{last}”的起始页大于结束页 (range start after end)")
    if any(later[0] < earlier[0] for earlier, later in zip(ranges, ranges[1:])):
        raise InvalidRequest("页码范围须按页序从前到后填写 (ranges out of order)")
    expected = 1  # the first page not yet given to a part
    for first, last in ranges:
        if first < expected:
            raise InvalidRequest(f"页码范围“{_label((first, last))}”与前一部分重叠，每一页只能分到一部分"
                                 f" (overlapping ranges)")
        if first > expected:
            raise InvalidRequest(f"{_label((expected, first - 1))}没有分到任何部分，每一页都必须分到且只分到一部分"
                                 f" (pages left out)")
        expected = last + 1
    if expected <= page_count:
        raise InvalidRequest(f"{_label((expected, page_count))}没有分到任何部分，每一页都必须分到且只分到一部分"
                             f" (pages left out)")


# --- building the new originals -------------------------------------------------------------------------
@contextmanager
def _pdf(data: bytes | None = None) -> Iterator[pdfium.PdfDocument]:
    """A pdfium document (new when ``data`` is None), closed afterwards."""
    doc = pdfium.PdfDocument.new() if data is None else pdfium.PdfDocument(data)
    try:
        yield doc
    finally:
        doc.close()


def _saved(doc: pdfium.PdfDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _tiff_frames(data: bytes, pages: PageRange) -> bytes:
    """Frames ``pages`` (1-based, inclusive) of a multi-frame TIFF as a new TIFF, losslessly compressed."""
    with Image.open(io.BytesIO(data)) as image:
        frames = [frame.copy() for index, frame in enumerate(ImageSequence.Iterator(image), 1)
                  if pages[0] <= index <= pages[1]]
    out = io.BytesIO()
    dpi = frames[0].info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate", dpi=dpi)
    return out.getvalue()


def _cut(data: bytes, kind: str, ranges: list[PageRange]) -> list[bytes]:
    """One new original per range: selected PDF pages as a PDF, selected TIFF frames as a TIFF."""
    if kind == "pdf":
        parts = []
        with _pdf(data) as source:
            for first, last in ranges:
                with _pdf() as part:
                    part.import_pages(source, list(range(first - 1, last)))
                    parts.append(_saved(part))
        return parts
    if kind == "tiff":
        return [_tiff_frames(data, pages) for pages in ranges]
    raise InvalidRequest("单页图像无法拆分 (a single image has one page)")


def _page_size(image: Image.Image) -> tuple[float, float]:
    """The page size in PDF points of a scanned image, from its resolution; :data:`DEFAULT_DPI` when it
    records none or an implausible one (files without a resolution unit read as 1 dpi)."""
    dpi_x, dpi_y = (float(v) if float(v) >= _MIN_DPI else DEFAULT_DPI
                    for v in image.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI)))
    return image.width / dpi_x * 72, image.height / dpi_y * 72


def _add_image_page(doc: pdfium.PdfDocument, image: Image.Image, jpeg: bytes | None = None) -> None:
    """Append a page showing ``image`` full-size; with ``jpeg`` its bytes are embedded as they are."""
    width, height = _page_size(image)
    page = doc.new_page(width, height)
    picture = pdfium.PdfImage.new(doc)
    if jpeg is not None:
        picture.load_jpeg(io.BytesIO(jpeg), inline=True)
    else:
        picture.set_bitmap(pdfium.PdfBitmap.from_pil(image))  # stored Flate-compressed: lossless
    picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page.insert_obj(picture)
    page.gen_content()
    page.close()


def _append_as_pdf(target: pdfium.PdfDocument, data: bytes, info: DocumentInfo) -> None:
    """Append every page of an original to ``target``: PDF pages copied, images as one page per frame
    (an upright JPEG embedded unchanged, anything else decoded and turned upright as OCR saw it)."""
    if info.kind == "pdf":
        with _pdf(data) as source:
            target.import_pages(source)
        return
    if info.kind == "jpeg":
        with Image.open(io.BytesIO(data)) as image:
            if image.getexif().get(_EXIF_ORIENTATION, 1) == 1:
                _add_image_page(target, image, jpeg=data)
                return
    for frame in rasterise(data, info):
        _add_image_page(target, frame)


def _combined(originals: list[tuple[bytes, DocumentInfo]]) -> bytes:
    """One PDF holding the pages of each (data, info) original in turn."""
    with _pdf() as doc:
        for data, info in originals:
            _append_as_pdf(doc, data, info)
        return _saved(doc)


# --- the service ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Source:
    """What splitting or merging needs of a letter in review, read before the slow work."""

    id: int
    filename: str
    info: DocumentInfo  # of the original, with the number of page rows as its pages
    original_key: str

    @property
    def stem(self) -> str:
        return PurePath(self.filename).stem


@dataclass(frozen=True)
class _NewOriginal:
    """A built and stored original of a letter still to be written."""

    filename: str
    sha256: str
    info: DocumentInfo
    key: str
    size: int


def _check_actor(actor: Actor) -> None:
    if not actor.can_review:
        raise PermissionDenied("只有审核人员可以拆分或合并来信 (reviewers only)")


def _source(s: Session, letter_id: int, why: str) -> _Source:
    letter = load_letter(s, letter_id, Status.IN_REVIEW, why)
    if letter.kind == "text":
        raise InvalidRequest(f"来信 {letter_id} 是登记的文字记录，不能拆分或合并 (records have no scanned pages)")
    return _Source(letter.id, letter.filename, DocumentInfo(letter.kind, letter.mime, len(letter.pages)),
                   letter.original_key)


def _named(stem: str, suffix: str, extension: str) -> str:
    """``stem`` + ``suffix`` + ``.extension``, the stem shortened so the name stays within intake's limit."""
    room = _MAX_NAME - len(suffix) - len(extension) - 1
    return f"{stem[:max(room, 1)]}{suffix}.{extension}"


def _store(rt: Runtime, data: bytes, filename: str, expected_pages: int) -> _NewOriginal:
    """Inspect a built original like an upload (it must have ``expected_pages``) and store it as ``filename``."""
    try:
        info = inspect_document(data, rt.settings.limits)
    except InputRejected as err:
        raise InvalidRequest(f"生成的新原件无法登记：{err.message}") from err
    if info.pages != expected_pages:
        raise InvalidState(f"原件有 {info.pages} 页，与识别记录的 {expected_pages} 页不符，无法拆分或合并"
                           f" (original and page rows disagree)")
    sha256 = hashlib.sha256(data).hexdigest()
    return _NewOriginal(filename, sha256, info, intake.store_original(rt, data, sha256, info, filename), len(data))


def _supersede(s: Session, letter_id: int) -> Letter:
    """Move a letter ``in_review → superseded`` inside ``s``; :class:`InvalidState` if it moved meanwhile."""
    try:
        claim(s, letter_id, Status.IN_REVIEW, Status.SUPERSEDED)
    except Superseded:
        raise InvalidState(f"来信 {letter_id} 已不在待审核状态（可能刚被他人处理），未作更改") from None
    return s.get(Letter, letter_id)


def _add_letter(s: Session, new: _NewOriginal, pages: list[Page], sources: list[Letter], channel: str,
                actor: Actor) -> Letter:
    """Write a derived letter with copies of ``pages`` (re-indexed from 0), ready for segmentation."""
    clash = s.scalar(select(Letter.id).where(Letter.sha256 == new.sha256))
    if clash is not None:
        raise InvalidState(f"生成的“{new.filename}”与已登记的来信 #{clash} 内容完全相同，未作更改"
                           f" (identical original exists)")
    read = OcrResult(tuple(PageText(i, p.text, p.confidence, p.source) for i, p in enumerate(pages)),
                     engine="+".join(dict.fromkeys(x.ocr_engine for x in sources if x.ocr_engine)))
    letter = Letter(sha256=new.sha256, filename=new.filename, channel=channel, kind=new.info.kind,
                    mime=new.info.mime, size=new.size, page_count=len(pages), original_key=new.key,
                    submitted_by=actor.user_id, received_at=min(x.received_at for x in sources),
                    status=Status.OCR.value, ocr_engine=read.engine[:32] or None,
                    ocr_confidence=read.mean_confidence, text=read.text, derived_from=[x.id for x in sources])
    s.add(letter)
    s.flush()
    for index, page in enumerate(pages):
        s.add(Page(letter_id=letter.id, index=index, text=page.text, confidence=page.confidence,
                   source=page.source, preview_key=page.preview_key,  # the source's image, never rewritten
                   lines=page.lines))
    return letter


def _queue(rt: Runtime, letter_ids: list[int]) -> None:
    for letter_id in letter_ids:
        intake.queue_safely(rt, letter_id)


def split(rt: Runtime, letter_id: int, ranges: list[PageRange], actor: Actor) -> list[int]:
    """Split letter ``letter_id`` (in review) into one new letter per page range; returns their ids in order.

    ``ranges`` must satisfy :func:`check_ranges` (InvalidRequest otherwise); a single image cannot be split.
    New files are named like ``原名（第1-2页）.pdf`` and arrive through channel ``split``. See the module
    contract for what is stored, written and queued.
    """
    _check_actor(actor)
    with rt.db.session() as s:
        source = _source(s, letter_id, "只有待审核的来信可以拆分")
    check_ranges(ranges, source.info.pages)
    parts = _cut(rt.objects.get(source.original_key), source.info.kind, ranges)
    built = [_store(rt, data, _named(source.stem, f"（{_label(pages)}）", source.info.extension),
                    pages[1] - pages[0] + 1)
             for pages, data in zip(ranges, parts)]
    if len({new.sha256 for new in built}) < len(built):
        raise InvalidRequest("拆分出的几部分内容完全相同，无法分别登记 (identical parts)")
    with rt.db.session() as s:
        letter = _supersede(s, letter_id)
        rows = list(letter.pages)
        new_ids = [_add_letter(s, new, rows[first - 1:last], [letter], "split", actor).id
                   for new, (first, last) in zip(built, ranges)]
        audit.record(s, actor.username, "split", letter_id, into=new_ids,
                     ranges=[_label(pages) for pages in ranges])
        for new_id, new, pages_range in zip(new_ids, built, ranges):
            audit.record(s, actor.username, "derived", new_id, how="split", sources=[letter_id],
                         pages=_label(pages_range), filename=new.filename, sha256=new.sha256)
    _queue(rt, new_ids)
    return new_ids


def merge(rt: Runtime, first_id: int, second_id: int, actor: Actor) -> int:
    """Merge two letters in review into one new letter: the pages of ``first_id`` then those of
    ``second_id``, as one PDF (image pages embedded); returns its id. Channel ``merge``; see the module
    contract for what is stored, written and queued."""
    _check_actor(actor)
    if first_id == second_id:
        raise InvalidRequest("不能将来信与其自身合并，请填写另一封来信的编号 (cannot merge a letter with itself)")
    with rt.db.session() as s:
        first = _source(s, first_id, "只有待审核的来信可以合并")
        second = _source(s, second_id, "只有待审核的来信可以合并")
    data = _combined([(rt.objects.get(x.original_key), x.info) for x in (first, second)])
    new = _store(rt, data, _named(first.stem, f"（合并#{first_id}、#{second_id}）", "pdf"),
                 first.info.pages + second.info.pages)
    with rt.db.session() as s:
        sources = [_supersede(s, first_id), _supersede(s, second_id)]
        merged = _add_letter(s, new, [p for x in sources for p in x.pages], sources, "merge", actor)
        for source in sources:
            audit.record(s, actor.username, "merge", source.id, into=[merged.id], letters=[first_id, second_id])
        audit.record(s, actor.username, "derived", merged.id, how="merge", sources=[first_id, second_id],
                     filename=new.filename, sha256=new.sha256)
        merged_id = merged.id
    _queue(rt, [merged_id])
    return merged_id


# --- lineage ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lineage:
    """Where a letter came from and what became of it: ``sources`` it was split or merged from (with
    ``how``: "split" or "merge"), and the letters ``derived`` from it (with ``became``)."""

    sources: tuple[int, ...] = ()
    how: str | None = None
    derived: tuple[int, ...] = ()
    became: str | None = None


def lineage(rt: Runtime, letter_id: int) -> Lineage:
    """The :class:`Lineage` of ``letter_id`` (empty for an unknown letter or one never split or merged)."""
    with rt.db.session() as s:
        sources = tuple(s.scalar(select(Letter.derived_from).where(Letter.id == letter_id)) or ())
        event = s.execute(select(AuditEvent.action, AuditEvent.detail)
                          .where(AuditEvent.letter_id == letter_id, AuditEvent.action.in_(("split", "merge")))
                          .order_by(AuditEvent.id.desc()).limit(1)).first()
    how = None if not sources else ("merge" if len(sources) > 1 else "split")
    if event is None:
        return Lineage(sources, how)
    return Lineage(sources, how, tuple(event.detail.get("into", ())), event.action)
