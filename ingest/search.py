"""Archive search over filed letters: case number (any variant), name, unit, date range, labels, full text.

Full text works the same on both databases. A letter's index document is its jieba search tokens
(``Letter.tokens``, written by the segment stage) plus the character unigrams and bigrams of its text and
confirmed fields, so a two-character query such as 暂缓 matches however jieba split the sentence. Terms are
normalised (NFKC, lower case, split into runs of CJK / ASCII letters / digits, punctuation dropped) so that
SQLite's FTS5 ``unicode61`` tokenizer and PostgreSQL's ``simple`` configuration see the same words.

* SQLite: an FTS5 table ``letter_fts(letter_id UNINDEXED, doc)`` (rowid = letter id), queried with MATCH.
* PostgreSQL: a table ``letter_fts(letter_id, doc)`` with a GIN index on ``to_tsvector('simple', doc)``,
  queried with ``to_tsquery('simple', 'a & b')``.

Either table is created on first use (not part of the ORM metadata) and, when created, filled from every
letter already filed. :func:`index_letter` keeps it in step when a letter is filed; :func:`reindex`
rebuilds it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import String, cast, inspect, select, text
from sqlalchemy.orm import Session

from ingest.deadlines import CHINA_TZ
from ingest.queries import LetterSummary, case_letter_ids, summary_of
from ingest.runtime import Runtime
from letterdesk.errors import InvalidRequest
from storage.models import Letter, Status

TABLE = "letter_fts"
DEFAULT_LIMIT = 500

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TERM = re.compile(f"[{_CJK}]+|[a-z]+|[0-9]+")
_IS_CJK = re.compile(f"[{_CJK}]")


@dataclass(frozen=True)
class SearchQuery:
    """What the archive search filters by; empty values do not filter. Dates are Beijing dates, inclusive."""

    text: str = ""
    case_number: str = ""
    name: str = ""
    unit: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    intervener_type: str = ""
    special_report: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((self.text.strip(), self.case_number.strip(), self.name.strip(), self.unit.strip(),
                        self.date_from, self.date_to, self.intervener_type, self.special_report))


def _runs(value: str) -> list[str]:
    """Runs of CJK characters, ASCII letters or digits in ``value`` after NFKC folding and lower-casing."""
    return _TERM.findall(unicodedata.normalize("NFKC", value).lower())


def _grams(run: str) -> list[str]:
    """A CJK run's unigrams and bigrams; a non-CJK run stays whole."""
    if not _IS_CJK.match(run):
        return [run]
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


def document_terms(tokens: str, *texts: str) -> list[str]:
    """The distinct index terms of a letter: normalised ``tokens`` plus unigrams/bigrams of ``texts``."""
    terms = dict.fromkeys(_runs(tokens))
    for value in texts:
        for run in _runs(value):
            terms.update(dict.fromkeys(_grams(run)))
    return list(terms)


def query_terms(value: str) -> list[str]:
    """The terms every hit must contain: bigrams of each CJK run (a lone character stays itself), and
    whole letter/digit runs. Empty when ``value`` has no searchable character."""
    terms: dict[str, None] = {}
    for run in _runs(value):
        if _IS_CJK.match(run) and len(run) > 1:
            terms.update(dict.fromkeys(run[i:i + 2] for i in range(len(run) - 1)))
        else:
            terms[run] = None
    return list(terms)


def _is_postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _letter_document(letter: Letter) -> str:
    fields = letter.confirmed_fields or {}
    return " ".join(document_terms(letter.tokens or "", letter.text or "",
                                   *(str(v) for v in fields.values() if v)))


def _write(s: Session, letter_id: int, doc: str) -> None:
    if _is_postgres(s):
        s.execute(text(f"DELETE FROM {TABLE} WHERE letter_id = :id"), {"id": letter_id})
        s.execute(text(f"INSERT INTO {TABLE} (letter_id, doc) VALUES (:id, :doc)"), {"id": letter_id, "doc": doc})
    else:
        s.execute(text(f"DELETE FROM {TABLE} WHERE rowid = :id"), {"id": letter_id})
        s.execute(text(f"INSERT INTO {TABLE} (rowid, letter_id, doc) VALUES (:id, :id, :doc)"),
                  {"id": letter_id, "doc": doc})


def _fill(s: Session) -> None:
    for letter in s.scalars(select(Letter).where(Letter.status == Status.FILED.value)):
        _write(s, letter.id, _letter_document(letter))


def _ensure_table(s: Session) -> None:
    """Create the index table on first use, filled from the letters already filed."""
    if inspect(s.connection()).has_table(TABLE):
        return
    if _is_postgres(s):
        s.execute(text(f"CREATE TABLE IF NOT EXISTS {TABLE} (letter_id integer PRIMARY KEY, doc text NOT NULL)"))
        s.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_doc ON {TABLE} "
                       "USING gin (to_tsvector('simple', doc))"))
    else:
        s.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(letter_id UNINDEXED, doc)"))
    _fill(s)


def index_letter(s: Session, letter: Letter) -> None:
    """(Re)index one filed letter inside the caller's transaction."""
    _ensure_table(s)
    _write(s, letter.id, _letter_document(letter))


def reindex(rt: Runtime) -> int:
    """Rebuild the whole index from the filed letters; the number of letters indexed."""
    with rt.db.session() as s:
        _ensure_table(s)
        s.execute(text(f"DELETE FROM {TABLE}"))
        _fill(s)
        return s.scalar(text(f"SELECT count(*) FROM {TABLE}"))


def _full_text_ids(s: Session, terms: list[str]) -> list[int]:
    """Letter ids whose document holds every term. Terms are quoted, so no query syntax gets through."""
    _ensure_table(s)
    if _is_postgres(s):
        quoted = " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)
        sql = f"SELECT letter_id FROM {TABLE} WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', :q)"
    else:
        quoted = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = f"SELECT letter_id FROM {TABLE} WHERE {TABLE} MATCH :q"
    return [int(row[0]) for row in s.execute(text(sql), {"q": quoted})]


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Beijing (SQLite keeps UTC wall times, so compare in UTC)."""
    return dt.datetime.combine(day, dt.time(), CHINA_TZ).astimezone(dt.timezone.utc)


def search(rt: Runtime, query: SearchQuery, limit: int = DEFAULT_LIMIT) -> list[LetterSummary]:
    """Filed letters matching every non-empty filter of ``query``, newest first (at most ``limit``).

    Raises :class:`InvalidRequest` for an unrecognisable case number, a full-text query without any
    searchable character, or a date range that ends before it starts.
    """
    if query.date_from and query.date_to and query.date_to < query.date_from:
        raise InvalidRequest("结束日期不能早于开始日期")
    stmt = select(Letter).where(Letter.status == Status.FILED.value)
    if query.case_number.strip():
        stmt = stmt.where(Letter.id.in_(case_letter_ids(query.case_number.strip())))
    if query.name.strip():
        stmt = stmt.where(Letter.confirmed_fields["name"].as_string().contains(query.name.strip(), autoescape=True))
    if query.unit.strip():
        stmt = stmt.where(Letter.confirmed_fields["unit"].as_string().contains(query.unit.strip(), autoescape=True))
    if query.date_from:
        stmt = stmt.where(Letter.received_at >= day_start(query.date_from))
    if query.date_to:
        stmt = stmt.where(Letter.received_at < day_start(query.date_to + dt.timedelta(days=1)))
    if query.intervener_type:
        stmt = stmt.where(Letter.confirmed_labels["intervener_type"].as_string() == query.intervener_type)
    if query.special_report:
        # codes are unique words of the stored JSON, so a quoted match finds them in the special_report list
        stmt = stmt.where(cast(Letter.confirmed_labels["special_report"], String)
                          .contains(f'"{query.special_report}"', autoescape=True))
    with rt.db.session() as s:
        if query.text.strip():
            terms = query_terms(query.text)
            if not terms:
                raise InvalidRequest(f"检索词中没有可检索的文字：{query.text}")
            stmt = stmt.where(Letter.id.in_(_full_text_ids(s, terms)))
        rows = s.scalars(stmt.order_by(Letter.received_at.desc(), Letter.id.desc()).limit(limit)).all()
        return [summary_of(r, rt.settings.confidence_threshold) for r in rows]
