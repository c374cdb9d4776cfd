"""Case numbers: variants of one number compare equal, document numbers are never case numbers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.casenumber import PROVINCES, TYPE_CODES, case_type, find_all, key_part, normalize
from letterdesk.errors import InvalidRequest

SAME_NUMBER = [
    ("（2024）豫0825执1234号", ["(2024)豫0825执1234号", "〔2024〕豫0825执1234号", "[2024]豫0825执1234号",
                             "【2024】豫0825执1234号", "2024豫0825执1234号", "（2024）豫0825执第1234号",
                             "（2024）豫0825执01234号", "（ 2024 ）豫 0825 执 1234 号", "（2024）豫0825执1234",
                             "（二〇二四）豫0825执1234号", "（二零二四）豫0825执1234号", "（2O24）豫O825执1234号",
                             "（2024）豫0825执1234号之一", "（2024）豫0825轨1234弓", "（２０２４）豫０８２５执１２３４号",
                             "（2024）豫0825执字第1234号", " （2024）豫0825执1234号。"]),
    ("（2023）豫0825民初12号", ["（2023）豫0825民切12号", "（2023）豫0825艮初12号", "（2023）豫0825民衫第012号"]),
    ("（2018）沪01刑终2002号", ["(2018)沪01邢终2002号", "（2018）沪01刑終2002号"]),
    ("（2019）最高法知民终1号", ["(2019)最高法知民终第1号", "（2019）最高法知民终0001号"]),
    ("（2023）苏0583执异12号", ["（2023）苏0583执异12号之一", "（2023）苏0583执异12号之二"]),
    ("（2017）沪01认台3号", ["(2017)沪01认台3号之一"]),
    ("（2014）温民初字第321号", ["（2014）温民初字第00321号", "（2014）温民初字321号", "(2014)温民初第321号",
                              "（2014）温民初321号", "〔二〇一四〕温民初字第321号"]),
    ("（2015）沪一中民保字第7号", ["（2015）沪一中民保字第7号之一", "(2015) 沪一中 民保字 第 007 号"]),
    ("（2012）曲中法执字第66号", ["（2012）曲中法执字第066号"]),
    ("（2014）民一终字第174号", ["(2014)民一终字第174号"]),
    ("（2013）浙民终字第5号", ["（2013）浙民终5号", "（2013）浙民终字5号"]),
    ("（2018）川34刑更2110号", ["（2018）川34刑更第2110号"]),
    ("（2021）内01民再7号", ["(2021)内01民再7号"]),
]


@pytest.mark.parametrize("canonical,variants", SAME_NUMBER)
def test_variants_normalise_to_one_canonical_form(canonical: str, variants: list[str]) -> None:
    assert normalize(canonical) == canonical
    for variant in variants:
        assert normalize(variant) == canonical, variant


NOT_CASE_NUMBERS = [
    "温法〔2021〕33号", "梅政函〔2023〕87号", "中办发〔2015〕23号", "京检发〔2020〕12号", "法〔2015〕137号",
    "法发〔2015〕10号", "×检刑诉〔2020〕12号", "雁检民调〔2024〕8号", "长公刑诉字(2009)48号",
    "×公（刑）拘字〔2020〕12号", "×信转〔2023〕0417号", "2024年6月19日", "二〇二四年六月十九日", "13812345678",
    "0391-8812345", "（2024）", "（2024）民事诉讼法第12条", "（2024）豫082执12号", "（1890）豫0825执12号", "",
    "（2021）粤0111民初30063、30062、30064号",  # a list is not ONE number
]


@pytest.mark.parametrize("text", NOT_CASE_NUMBERS)
def test_document_numbers_dates_and_phones_are_not_case_numbers(text: str) -> None:
    assert normalize(text) is None
    if "、" not in text:
        assert find_all(text) == []


def test_find_all_reads_lists_ranges_and_skips_document_numbers() -> None:
    text = (
        "根据梅政函〔2023〕87号文件精神，现就你院（2021）粤0111民初30063、30062、30064号案件，"
        "以及(2020)豫08民终1022—1024号系列案、（2024）豫 0825 执 第 01234 号之一和（2024）豫0825执1234号"
        "（同一案件）提出意见。联系电话：0391-8812345，2024年6月19日。"
    )
    found = find_all(text)
    assert [m.normalized for m in found] == [
        "（2021）粤0111民初30063号", "（2021）粤0111民初30062号", "（2021）粤0111民初30064号",
        "（2020）豫08民终1022号", "（2020）豫08民终1023号", "（2020）豫08民终1024号",
        "（2024）豫0825执1234号",
    ]
    assert found[0].raw == "（2021）粤0111民初30063" and text[found[0].start:found[0].end] == found[0].raw
    assert found[2].raw == "30064号"
    assert found[-1].raw == "（2024）豫 0825 执 第 01234 号之一"


def test_find_all_follows_a_number_broken_across_lines_and_old_numbers() -> None:
    text = "你院审理的（2024）豫0825民\n初567号案件，与（2014）温民初字第00321号案属同一纠纷。"
    assert [m.normalized for m in find_all(text)] == ["（2024）豫0825民初567号", "（2014）温民初字第321号"]


def test_wide_ranges_give_only_their_ends() -> None:
    found = find_all("（2022）豫0825执100—900号")
    assert [m.normalized for m in found] == ["（2022）豫0825执100号", "（2022）豫0825执900号"]


def test_key_part_is_a_safe_path_component() -> None:
    assert key_part("（2024）豫0825执1234号") == "2024-豫0825执1234号"
    assert key_part("（2014）温民初字第321号") == "2014-温民初字第321号"
    for bad in ("(2024)豫0825执1234号", "../etc", "梅政函〔2023〕87号"):
        with pytest.raises(InvalidRequest):
            key_part(bad)


def test_case_type_reads_the_type_code() -> None:
    assert case_type("（2024）豫0825执1234号") == "执"
    assert case_type("（2019）最高法知民终1号") == "民终"
    assert case_type("（2018）川34刑更2110号") == "刑更"
    assert case_type("（2023）湘01民辖终4号") == "民辖终"
    assert case_type("（2014）温民初字第321号") is None
    assert case_type("温法〔2021〕33号") is None


# --- property-based ------------------------------------------------------------------------------
_CN = "〇一二三四五六七八九"
_TEXT = st.text(alphabet="的了是在有我他这中大来上国个到说们为子和你地出道也时得就那要下以生会着去过家对可里后么心多天而能好都然没于起还发成事只作当想看文无开手用主行方又如前所本见经头面公同已老从动两长样现分将外但身些高意进把此实回理美点明", max_size=30)

new_numbers = st.builds(
    dict,
    year=st.integers(2016, 2035),
    court=st.one_of(
        st.just("最高法"),
        st.builds(lambda p, d: p + d, st.sampled_from(PROVINCES),
                  st.sampled_from(["", "{:02d}", "{:04d}"]).flatmap(
                      lambda f: st.integers(1, 99 if f == "{:02d}" else 9999).map(f.format) if f else st.just("")))),
    special=st.sampled_from(["", "", "知"]),
    type_code=st.sampled_from(sorted(TYPE_CODES)),
    number=st.integers(1, 99_999_999),
)


def _canonical(n: dict) -> str:
    return f"（{n['year']}）{n['court']}{n['special']}{n['type_code']}{n['number']}号"


@st.composite
def rendered(draw, numbers=new_numbers) -> tuple[str, str]:
    """(canonical, a variant spelling) of one generated case number."""
    n = draw(numbers)
    opening, closing = draw(st.sampled_from([("（", "）"), ("(", ")"), ("〔", "〕"), ("[", "]"), ("【", "】"), ("", "")]))
    year = str(n["year"])
    style = draw(st.sampled_from(["arabic", "chinese", "ling", "letter_o"]))
    if style == "chinese":
        year = "".join(_CN[int(c)] for c in year)
    elif style == "ling":
        year = "".join(_CN[int(c)] for c in year).replace("〇", "零")
    elif style == "letter_o":
        year = year.replace("0", draw(st.sampled_from("Oo")), 1)
    court = n["court"]
    if draw(st.booleans()):
        court = court[0] + court[1:].replace("0", "O")
    number = "0" * draw(st.integers(0, 3)) + str(n["number"])
    space = st.sampled_from(["", "", " ", "\u3000", "  "])
    pieces = [opening, year, closing, court[0], court[1:], n["special"], n["type_code"],
              draw(st.sampled_from(["", "第"])), number, draw(st.sampled_from(["号", "号", ""]))]
    if pieces[-1] and draw(st.booleans()):
        pieces.append(draw(st.sampled_from(["之一", "之二"])))
    variant = "".join(p + draw(space) for p in pieces if p).strip()
    return _canonical(n), variant


@settings(max_examples=200, deadline=None)
@given(rendered())
def test_property_variants_normalise_equal(pair: tuple[str, str]) -> None:
    canonical, variant = pair
    assert normalize(canonical) == canonical
    assert normalize(variant) == canonical


@settings(max_examples=150, deadline=None)
@given(rendered(), _TEXT, _TEXT)
def test_property_find_all_finds_the_number_in_text(pair: tuple[str, str], before: str, after: str) -> None:
    canonical, variant = pair
    found = find_all(f"{before}{variant}，{after}")
    assert [m.normalized for m in found] == [canonical]


old_numbers = st.builds(
    dict,
    year=st.integers(1990, 2015),
    prefix=st.sampled_from(["温民初", "曲中法执", "沪一中民保", "民一终", "浙杭商终", "京一中民初", "穗中法民一终"]),
    number=st.integers(1, 99999),
)


@settings(max_examples=100, deadline=None)
@given(old_numbers, st.sampled_from(["（", "(", "〔", ""]), st.sampled_from(["字第", "字"]), st.integers(0, 3),
       st.sampled_from(["号", "号之一", ""]), _TEXT)
def test_property_old_style_variants(n: dict, opening: str, zi: str, pad: int, end: str, before: str) -> None:
    closing = {"（": "）", "(": ")", "〔": "〕", "": ""}[opening]
    canonical = f"（{n['year']}）{n['prefix']}字第{n['number']}号"
    variant = f"{opening}{n['year']}{closing}{n['prefix']}{zi}{'0' * pad}{n['number']}{end}"
    assert normalize(variant) == canonical
    assert [m.normalized for m in find_all(f"{before}{variant}。")] == [canonical]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="（）()〔〕0123456789OoB〇二豫沪民初执终字第号之一 ,、—最高法知刑", max_size=40))
def test_property_normalize_is_idempotent_on_anything(text: str) -> None:
    once = normalize(text)
    if once is not None:
        assert normalize(once) == once
        assert key_part(once)


def test_document_number_of_an_issuer_is_not_a_case_number() -> None:
    """A 发文字号 such as 常仲函〔2025〕保字第44号 looks old-style but names a letter, not a case."""
    text = "常仲函〔2025〕保字第44号\n常州市武进区人民法院：关于（2025）苏0412财保88号一案"
    assert [m.normalized for m in find_all(text)] == ["（2025）苏0412财保88号"]


def test_old_style_numbers_after_2015_are_document_numbers() -> None:
    """Courts number cases the new way since 2016, so a prison's 〔2025〕浙十监减字第286号 is its own file
    number; the case it concerns is the new-style number."""
    text = "减刑建议书 〔2025〕浙十监减字第286号 …（已由贵院立案登记为（2025）浙06刑更1509号）"
    assert [m.normalized for m in find_all(text)] == ["（2025）浙06刑更1509号"]
    assert normalize("（2014）温民初字第00321号") == "（2014）温民初字第321号"
