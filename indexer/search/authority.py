"""Level of authority (效力层级) of a document, from its issuing body or title.

Chinese legal and policy databases order results of equal relevance by the level
of the body that issued them: central bodies (全国人大, 国务院, the ministries, the
supreme court and procuratorate) before provinces (浙江省, 北京市, 广西壮族自治区)
before cities and counties (杭州市, 延边朝鲜族自治州). Local rules often repeat the
wording of the national rule they implement, so a question about the law would
otherwise find the same sentence in a dozen local copies first.

Above the other central documents stand the laws (法律) that the National People's
Congress and its Standing Committee pass: the Legislation Law (立法法) puts them
above administrative regulations, rules and local regulations, and the
regulations, judicial interpretations and rules that implement a law repeat its
wording too. A document is a law when its first issuer is 全国人民代表大会 (or its
常务委员会), or, without an issuer, when its title names a law (…法, …法典, not
…办法) and no place.

Best-match ranking multiplies a paragraph's score by :data:`FACTORS` of its
document's level, unless the query itself names a place (浙江 养老服务): then the
researcher asks about that place and levels do not matter. Filters, counts and
the literal guarantee are unaffected; ``explain`` shows the part it took.
"""

from __future__ import annotations

import re

CENTRAL, PROVINCIAL, LOCAL, LAW = 0, 1, 2, 3
#: Score factor per level: a law one step (1 / 0.8) above the other central documents.
FACTORS = (1.0, 0.8, 0.7, 1.25)
LABELS = ("中央", "省级", "市县级", "法律")

#: Provinces, autonomous regions, municipalities and SARs: full name first, then short.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("北京市", "北京"), ("天津市", "天津"), ("上海市", "上海"), ("重庆市", "重庆"),
    ("河北省", "河北"), ("山西省", "山西"), ("辽宁省", "辽宁"), ("吉林省", "吉林"),
    ("黑龙江省", "黑龙江"), ("江苏省", "江苏"), ("浙江省", "浙江"), ("安徽省", "安徽"),
    ("福建省", "福建"), ("江西省", "江西"), ("山东省", "山东"), ("河南省", "河南"),
    ("湖北省", "湖北"), ("湖南省", "湖南"), ("广东省", "广东"), ("海南省", "海南"),
    ("四川省", "四川"), ("贵州省", "贵州"), ("云南省", "云南"), ("陕西省", "陕西"),
    ("甘肃省", "甘肃"), ("青海省", "青海"), ("台湾省", "台湾"),
    ("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("西藏自治区", "西藏"),
    ("宁夏回族自治区", "宁夏"), ("新疆维吾尔自治区", "新疆"),
    ("香港特别行政区", "香港"), ("澳门特别行政区", "澳门"),
)
_PROVINCE_NAMES = sorted({n for pair in PROVINCES for n in pair}, key=len, reverse=True)
_PROVINCE_RE = re.compile("|".join(map(re.escape, _PROVINCE_NAMES)))

#: Names of central bodies and of national documents begin like this.
_CENTRAL_RE = re.compile(r"^(中华人民共和国|中国|中共中央|中央|全国|国务院|国家|最高人民)")
#: A place below the province: two to six characters and an administrative suffix,
#: at the start of a name (杭州市, 延边朝鲜族自治州, 余杭区, 阿拉善盟).
_LOCAL_RE = re.compile(r"^[\u4e00-\u9fff]{2,6}?(?:自治州|自治县|自治旗|地区|市|州|县|区|盟|旗)")
#: Areas named with 区 that are not administrative divisions (经济特区, 自然保护区).
_NOT_PLACE_RE = re.compile(r"(?:特|园|社|景|城|街|保护|开发|试验|示范|自贸|林|牧|山|灾|功能|风景)区$")
_SUFFIX_RE = re.compile(r"(?:自治州|自治县|自治旗|地区|市|州|县|区|盟|旗)$")
#: The bodies that pass laws (全国人民代表大会 and its 常务委员会).
_LAWMAKER_RE = re.compile(r"^(中华人民共和国)?全国人民代表大会")
#: The name of a law: …法 (not …办法), …法典, a law's amendment (…法修正案).
_LAW_TITLE_RE = re.compile(r"(?:(?<!办)法|法典)(?:修正案(?:[（(][一二三四五六七八九十]+[）)])?)?$")
#: The same anywhere in a query, as a whole word of it.
_PLACE_WORD_RE = re.compile(r"[\u4e00-\u9fff]{2,6}(?:自治州|自治县|省|自治区|市|县)$")


def classify(issuer: str | None, title: str | None) -> tuple[int, tuple[str, ...]]:
    """The level of a document, from its first issuing body, else its title, and
    the places that name begins with, in full and short (浙江省, 浙江, 杭州市, 杭州)."""
    name = (issuer or "").split()[0] if (issuer or "").strip() else (title or "")
    name = name.strip()
    if not name:
        return CENTRAL, ()
    if _CENTRAL_RE.match(name):
        return _central(name, issuer), ()
    province = _PROVINCE_RE.match(name)
    if province:
        full = next(f for f, short in PROVINCES if province.group() in (f, short))
        rest = name[province.end():]
        if province.group() in ("北京", "天津", "上海", "重庆") and rest.startswith("市"):
            rest = rest[1:]
        places = (full, full.removesuffix("省").removesuffix("市")
                  if full.endswith(("省", "市")) else dict(PROVINCES)[full])
        local = _local(rest)
        return (LOCAL, places + local) if local else (PROVINCIAL, places)
    local = _local(name)
    return (LOCAL, local) if local else (_central(name, issuer), ())


def _central(name: str, issuer: str | None) -> int:
    """:data:`LAW` for a law (by its issuer, else its title), else :data:`CENTRAL`."""
    if (issuer or "").strip():
        return LAW if _LAWMAKER_RE.match(name) else CENTRAL
    return LAW if _LAW_TITLE_RE.search(name) else CENTRAL


def level(issuer: str | None, title: str | None) -> int:
    """The level of a document (:data:`LAW`, :data:`CENTRAL`, :data:`PROVINCIAL`,
    :data:`LOCAL`)."""
    return classify(issuer, title)[0]


def _local(name: str) -> tuple[str, ...]:
    """The place below the province that ``name`` begins with, in full and short."""
    place = _LOCAL_RE.match(name)
    if not place or _NOT_PLACE_RE.search(place.group()) or name.startswith("场", place.end()):
        return ()  # 经济特区, 市场
    full = place.group()
    short = _SUFFIX_RE.sub("", full)
    return (full, short) if len(short) >= 2 else (full,)


def names_place(words: list[str], places: frozenset[str] = frozenset()) -> bool:
    """Whether a query (its folded words and free terms) names a province, a place
    of the index's documents (``places``) or a word that ends like a place."""
    return any(_PROVINCE_RE.search(w) or _PLACE_WORD_RE.search(w)
               or any(w[i:j] in places for i in range(len(w)) for j in range(i + 2, len(w) + 1))
               for w in words)
