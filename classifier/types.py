"""Data passed out of the text-understanding library (segmentation, fields, labels)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

FIELD_NAMES = ("name", "unit", "position", "case_number", "case_name", "date")


@dataclass(frozen=True)
class Segments:
    """The parts of a letter (GB/T 9704), each the raw text of that part or None when absent."""

    header: str | None = None  # 版头 / 发文机关标志
    doc_number: str | None = None  # 发文字号, e.g. 梅政函〔2023〕87号
    title: str | None = None  # 标题
    addressee: str | None = None  # 主送
    body: str | None = None  # 正文
    signature: str | None = None  # 署名
    date_text: str | None = None  # 成文日期 as written
    cc: str | None = None  # 抄送


@dataclass(frozen=True)
class Fields:
    """Record fields of taxonomy §4 that can be read from the text. ``date`` is ISO ``YYYY-MM-DD``.

    ``case_number`` is the first case number named, normalised; ``case_numbers`` all of them. ``unsure``
    names the fields a learned reader chose with little confidence (:mod:`classifier.fieldrank`).
    """

    name: str | None = None
    unit: str | None = None
    position: str | None = None
    case_number: str | None = None
    case_name: str | None = None
    date: str | None = None
    form: str = "LETTER"
    case_numbers: tuple[str, ...] = ()
    unsure: tuple[str, ...] = ()

    def record(self) -> dict:
        """The six record fields, as the analyze contract names them."""
        return {k: getattr(self, k) for k in FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: dict) -> "Fields":
        """The fields ``dataclasses.asdict`` (or its JSON) gave; unknown keys are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and data[k] is not None}
        return cls(**{**known, "case_numbers": tuple(known.get("case_numbers", ())), "unsure": tuple(known.get("unsure", ()))})


@dataclass(frozen=True)
class Segmentation:
    segments: Segments
    fields: Fields
    tokens: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"segments": asdict(self.segments), "fields": asdict(self.fields), "tokens": list(self.tokens)}


@dataclass(frozen=True)
class LabelScore:
    code: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """What the model says about one letter. Probabilities are calibrated, 0–1."""

    intervener_type: LabelScore
    type_probabilities: dict[str, float]
    special_report: tuple[LabelScore, ...]  # every code above its decision threshold
    internal_behaviours: tuple[LabelScore, ...]
    model_version: str
    sr_probabilities: dict[str, float] = field(default_factory=dict)
    ib_probabilities: dict[str, float] = field(default_factory=dict)
    explanations: dict[str, list[str]] = field(default_factory=dict)  # predicted code → phrases of the text that drove it

    def to_dict(self) -> dict:
        return asdict(self)
