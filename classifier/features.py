"""Text features for the letter classifier: one scikit-learn FeatureUnion.

* TF-IDF over jieba words (``classifier.tokens.tokenize``), unigrams and bigrams;
* TF-IDF over character 2–4-grams (sublinear tf), robust to segmentation and OCR errors;
* a few binary hand features for cues a bag of n-grams sees only weakly (a 公文 文号 next to a case number,
  a phone-record layout, a solicited reply, a party writing about its own case ...);
* who speaks (:func:`speaker_text`: the labelled caller/visitor/sender line, a "我是…" self-introduction, the
  sign-off): a character 1–3-gram TF-IDF of it and cue flags (aide, relative, leader, retired, court, upper
  court, procuratorate/police, party ...) — the taxonomy decides the type by who the intervener is;
* features of the extracted record fields (:func:`classifier.segment.record_fields`): the form of contact, what
  kind of organ the intervener belongs to (own court, upper court, procuratorate/police, party or government
  organ, company, law firm, association) and what kind of post they hold — who signs matters more than
  what the letter says about others.

Digits are folded to ``0`` before either TF-IDF sees the text, so case numbers, sums and dates share
features instead of each being a rare token.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.segment import record_fields
from classifier.tokens import tokenize

_DIGITS = re.compile(r"[0-9０-９]")
_SPACE = re.compile(r"\s+")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")

# Vocabularies the tables below share, one each: a leader's title, a court's leaders and its other staff, the
# organs of the other judicial bodies, the courts above this one, and the words by which someone passes on a
# leader's wish ("局长让他来转达", "区长的意思"; the marks of EXT_IN_LEADER_NAME and of aides).
LEADER_TITLE = r"书记|县长|区长|市长|省长|镇长|乡长|主任|主席|局长|部长|厅长|董事长|总经理|会长|秘书长|司令|政委|委员"
COURT_LEADER = r"院长|庭长|专职委员|执行局(?:副)?局长|政治部主任|审判委员会|审委会"
COURT_STAFF = r"书记员|法官助理|法警|司法警察|陪审员|法官|执行员|科员|审判员"
OTHER_JUDICIAL = r"检察|公安|派出所|司法局|司法所|国家安全|看守所|监狱"
UPPER_COURT = r"高级人民法院|中级人民法院|最高人民法院|高院|中院"
RELAY = r"让我|叫我|托我|交代|嘱咐|转告|转达|带个话|捎个话|的意思|打过招呼|打招呼"
LEADER = LEADER_TITLE + "|领导"
AIDE = r"秘书(?!长)|司机|驾驶员|开车|服务|联络员|身边工作人员"  # who works for a leader
_NAME_GAP = r"[\u4e00-\u9fff某]{0,4}"  # a name between a title and 的/之: 主任岳某某之女婿
RELATIVE = (r"爱人|妻子|丈夫|老伴|儿子|女儿|弟弟|哥哥|姐姐|妹妹|侄|外甥|女婿|儿媳|亲戚|父亲|母亲"
            r"|舅|叔|伯|姑|姨|表哥|表弟|表姐|表妹|堂|老公|妹夫|姐夫|岳父|公公|家属|亲属")

# (name, pattern): each gives one 0/1 feature
HAND_FEATURES: tuple[tuple[str, str], ...] = (
    ("doc_number", r"[\u4e00-\u9fff（）()]{1,10}[〔\[［]\s*\d{4}\s*[〕\]］]\s*\d+\s*号"),
    ("case_number", r"[（(〔\[【]\s*(?:\d{4}|[〇一二三四五六七八九]{4})\s*[）)〕\]】].{0,14}?(?:民|刑|执|行|破|财保)"),
    ("own_court_leader", rf"本院.{{0,8}}(?:{COURT_LEADER})"),
    ("own_court_staff", rf"本院.{{0,6}}(?:{COURT_STAFF}|驾驶员|退休|工作人员)"),
    ("upper_court", rf"(?:{UPPER_COURT}).{{0,12}}(?:{COURT_LEADER}|{COURT_STAFF}|主任|助理)"),
    ("other_judicial", OTHER_JUDICIAL),
    ("leader_title", LEADER_TITLE),
    ("first_person", r"我(?:是|公司|家|们|单位|局|委|县)|本人"),
    ("phone_record", r"来电人|来电时间|接听人"),
    ("oral_record", r"在场人员|过问人|当面"),
    ("im_record", r"微信|短信|发件人|聊天记录"),
    ("solicited", r"征询|受贵院委托|经贵院许可|复函如下|特此函复|来函要求"),
    ("proper_channel", r"诉讼服务中心收件|收件编号|回执|调阅|调卷|协助查询|附：.{0,20}(?:通知书|决定书)|授权委托书"),
    ("party_self", r"我(?:公司)?系.{0,30}(?:被执行人|被告|原告|当事人)|代理律师|的(?:妻子|儿子|父亲|哥哥|女儿)|法定代表人"),
    ("notice", r"关于召开|特此通知|参加会议|报送|征订"),
    ("forwarding", r"转来|转交|转给|随函附|附件|附：|参阅|供.{0,4}参考"),
    ("in_leader_name", RELAY + r"|让他来|让她来|很关心这个事|点名"),
    ("leader_relayed", rf"(?:{LEADER})(?:的意思|说|让|交代|叫|托|点名|批示|批了|讲过|同意|知道|打过招呼)"),
    ("aide_relative", rf"(?:{LEADER_TITLE})的(?:秘书|驾驶员|司机|办公室主任|{RELATIVE})"),
    # the speaker's own tie to a leader, however the letter puts it: 我岳父是…主任, …主任岳某某之女婿,
    # 区长司机, 给区委邹书记开车, 系…办公室秘书 (EXT_AIDE_RELATIVE, where a relay alone reads EXT_IN_LEADER_NAME)
    ("relative_of_leader", rf"我(?:的)?(?:{RELATIVE})(?:是|在|叫)|(?:{LEADER}){_NAME_GAP}(?:的|之)(?:{RELATIVE})"),
    ("aide_of_leader", rf"(?:{LEADER}){_NAME_GAP}(?:的|之)?(?:{AIDE})|给.{{0,10}}(?:{LEADER})开车"
                       r"|(?:系|是|为|任).{0,20}(?:秘书(?!长)|驾驶员|司机)"),
)


FORM_CODES = ("LETTER", "DOCUMENT", "PHONE", "SMS_IM", "ORAL", "OTHER")
# (name, pattern over the intervener's unit): first match wins
UNIT_KINDS: tuple[tuple[str, str], ...] = (
    ("upper_court", UPPER_COURT),
    ("own_court", r"^本院|人民法院|法院|法庭"),
    ("other_judicial", OTHER_JUDICIAL),
    ("law_firm", r"律师事务所|律所|法律服务所"),
    ("association", r"协会|商会|联合会|工商联|学会|消费者"),
    ("company", r"公司|集团|银行|信用社|合作社|厂$|店$"),
    ("party_gov", r"人民政府|政府|委员会|党委|县委|市委|区委|省委|人大|政协|办公室|局$|委$|厅$|办$|管委会|街道|镇|乡|村"),
)
POSITION_KINDS: tuple[tuple[str, str], ...] = (
    ("aide_relative", rf"秘书(?!长)|司机|驾驶员|的(?:{RELATIVE}|同学|朋友)"),
    ("lawyer", r"律师|代理人|辩护人"),
    ("court_leader", COURT_LEADER),
    ("court_staff", COURT_STAFF),
    ("judicial_officer", r"检察官|检察长|民警|警官|所长|大队长|侦查员"),
    ("leader", LEADER_TITLE),
    ("party_role", r"法定代表人|负责人|股东|当事人|被告|原告|申请人|家属"),
)

FIELD_FEATURES = (*(f"form_{f}" for f in FORM_CODES), *(f"unit_{k}" for k, _ in UNIT_KINDS), "unit_other",
                  *(f"position_{k}" for k, _ in POSITION_KINDS), "position_other", "has_name", "has_unit", "has_position")


# Who speaks: the labelled caller/visitor/sender line of a record, a "我是…" self-introduction, the signature.
_SPEAKER_LABELS = re.compile(r"(?:来电人|过问人|来人|来访人|访客|发信人|发件人|发送人|来信人|自报|对方|批示人|签发人)"
                             r"(?:自报|自称|身份)?[：:]\s*([^\n]{1,60})")
_SELF_INTRO = re.compile(r"(?:我是|本人是|本人系|我系|我叫)([^。！？\n]{1,40})")
_NARRATED = re.compile(r"(?:自称|自报|称其|声称|称他|称她|系)([^。！？\n]{1,40})")  # a record's 来访人称其…, 经查…系…
_SIGN_OFF = re.compile(r"([^\n]{2,40})\n[^\n]{0,4}(?:[0-9０-９]{4}|[〇一二]{4})\s*年[^\n]{0,12}$")
# (name, pattern over the speaker text): who the intervener is, as the letter itself says it
SPEAKER_CUES: tuple[tuple[str, str], ...] = (
    ("aide", r"秘书|驾驶员|司机|开车|工作人员|身边|服务|跟着|办公室.{0,4}(?:主任|科员)|联络员"),
    ("relative", RELATIVE),
    ("acquaintance", r"老乡|同乡|同学|朋友|战友|同事|校友|熟人|发小|世交|老部下|下属|老领导"),
    ("relay", RELAY),
    ("leader", LEADER_TITLE),
    ("retired", r"退休|原(?!告)|已退|离休"),
    ("court", r"人民法院|法院|法庭|本院"),
    ("upper_court", UPPER_COURT),
    ("court_leader", COURT_LEADER),
    ("court_staff", COURT_STAFF + r"|驾驶员|聘用"),
    ("judicial", OTHER_JUDICIAL),
    ("party", r"当事人|被告|原告|申请人|被执行人|上诉人|代理人|律师|家属"),
)


def speaker_text(text: str) -> str:
    """The spans of ``text`` that say who the intervener is: labelled caller/sender lines, self-introductions,
    the sign-off line before the date and a record's narrated identity (自称…, 称其…, 系…), joined with ``|``;
    digits folded like :func:`normalise`."""
    spans = [m.group(1) for m in _SPEAKER_LABELS.finditer(text)][:3]
    spans += [m.group(1) for m in _SELF_INTRO.finditer(text)][:2]
    spans += [m.group(1) for m in _SIGN_OFF.finditer(text.strip())][:1]
    spans += [m.group(1) for m in _NARRATED.finditer(text)][:3]
    return normalise("|".join(spans))


def normalise(text: str) -> str:
    """Digits folded to 0 and runs of whitespace to one space (the form both TF-IDFs see)."""
    return _SPACE.sub(" ", _DIGITS.sub("0", text))


def word_ngrams(text: str) -> list[str]:
    """jieba words of ``text`` (punctuation dropped) and their adjacent pairs, e.g. ``暂缓 执行``."""
    words = [w for w in tokenize(normalise(text)) if _WORDLIKE.search(w)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class HandFeatures(BaseEstimator, TransformerMixin):
    """One 0/1 column per pattern of :data:`HAND_FEATURES`, the table as it was when fitted (a saved model keeps
    reading letters the way it was trained to when the table changes later)."""

    def fit(self, texts, y=None) -> "HandFeatures":
        self.table_ = HAND_FEATURES
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        patterns = [re.compile(p) for _, p in self.table_]
        rows = [[1.0 if p.search(t) else 0.0 for p in patterns] for t in texts]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(patterns)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([f"hand__{name}" for name, _ in self.table_], dtype=object)


class FieldFeatures(BaseEstimator, TransformerMixin):
    """0/1 columns from the extracted record fields: form, kind of unit, kind of position, and whether a
    name, unit and position were found (the columns and kinds as they were when fitted)."""

    def fit(self, texts, y=None) -> "FieldFeatures":
        self.columns_, self.unit_kinds_, self.position_kinds_ = FIELD_FEATURES, UNIT_KINDS, POSITION_KINDS
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        index = {name: j for j, name in enumerate(self.columns_)}
        rows = np.zeros((len(texts), len(self.columns_)))
        for i, text in enumerate(texts):
            for name in field_feature_names(record_fields(text), self.unit_kinds_, self.position_kinds_):
                rows[i, index[name]] = 1.0
        return sparse.csr_matrix(rows)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([f"field__{n}" for n in self.columns_], dtype=object)


def _kind(value: str | None, kinds: tuple[tuple[str, str], ...]) -> str | None:
    if not value:
        return None
    return next((name for name, pattern in kinds if re.search(pattern, value)), "other")


def field_feature_names(fields, unit_kinds=UNIT_KINDS, position_kinds=POSITION_KINDS) -> list[str]:
    """The names of the :class:`FieldFeatures` columns that are 1 for these :class:`~classifier.types.Fields`."""
    out = [f"form_{fields.form}"] if fields.form in FORM_CODES else []
    unit, position = _kind(fields.unit, unit_kinds), _kind(fields.position, position_kinds)
    out += [f"unit_{unit}"] if unit else []
    out += [f"position_{position}"] if position else []
    out += [f"has_{k}" for k in ("name", "unit", "position") if getattr(fields, k)]
    return out


class SpeakerCues(BaseEstimator, TransformerMixin):
    """0/1 columns: does the speaker text (:func:`speaker_text`) match each of :data:`SPEAKER_CUES` (the table as
    it was when fitted), and is there no speaker text at all."""

    def fit(self, texts, y=None) -> "SpeakerCues":
        self.table_ = SPEAKER_CUES
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        patterns = [re.compile(p) for _, p in self.table_]
        rows = []
        for text in texts:
            who = speaker_text(text)
            rows.append([1.0 if p.search(who) else 0.0 for p in patterns] + [1.0 if not who else 0.0])
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(patterns) + 1))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([n for n, _ in self.table_] + ["none"], dtype=object)


SPEAKER_BLOCKS = ("speaker", "speaker_cues")  # the last blocks of the union; only the type head reads them


def build_features(*, max_char_features: int = 200_000) -> FeatureUnion:
    """An unfitted FeatureUnion: word TF-IDF ⊕ character 2–4-gram TF-IDF ⊕ hand features ⊕ field features ⊕
    character 1–3-gram TF-IDF of the speaker text ⊕ speaker cues (the :data:`SPEAKER_BLOCKS`, last)."""
    words = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, min_df=2, dtype=np.float64)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), preprocessor=normalise, sublinear_tf=True,
                            min_df=2, max_features=max_char_features, dtype=np.float64)
    speaker = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=speaker_text, sublinear_tf=True,
                              min_df=2, dtype=np.float64)
    return FeatureUnion([("words", words), ("chars", chars), ("hand", HandFeatures()), ("field", FieldFeatures()),
                         ("speaker", speaker), ("speaker_cues", SpeakerCues())], n_jobs=1)


def content_columns(union: FeatureUnion) -> int:
    """How many leading columns of the fitted ``union`` describe the letter's content, i.e. all but the
    :data:`SPEAKER_BLOCKS` (the special-report and behaviour heads read only these: in cross-validation the
    speaker blocks raised the type F1 but lowered the special-report F1)."""
    return sum(len(t.get_feature_names_out()) for name, t in union.transformer_list if name not in SPEAKER_BLOCKS)
