"""A realistic synthetic lender's book in the interchange format (spec: portfolio-format.md).

The book has Chinese customers (the majority) and English-speaking ones (US, GB); appliance
installment and cash loans with equal-installment (annuity) schedules; and repayment
behaviour driven by a latent risk per customer: on-time payers, occasional late payers who
self-cure, partial payers, customers who stop paying (some of whom cure later), prepayers,
overpayers, reversed payments, payments written with offsets from several time zones
(some crossing midnight in Asia/Shanghai) and date-only timestamps.

Everything is vectorised with numpy and written chunk by chunk (CSV or Parquet through
pyarrow), so ten million loans fit in a few gigabytes. The same seed gives byte-identical
files: every chunk draws from its own generator seeded with ``(seed, chunk number)``.
All personal data is fictitious: names and addresses are drawn from pools, resident ID
numbers carry real region codes and valid checksums, phone numbers use real prefixes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrears.errors import InvalidInput

CHUNK_LOANS = 50_000
MAX_TERM = 36
FORMATS = ("csv", "parquet")
TABLES = ("customers", "contacts", "loans", "installments", "payments")
LOANS_PER_CUSTOMER = 1.3
DAY_S = 86_400
EPOCH = np.datetime64("1970-01-01", "D")

MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(9, 4)

# Behaviour codes (per loan).
ON_TIME, LATE, PARTIAL, STOPPER, PREPAYER, OVERPAYER = range(6)
BEHAVIOURS = ("on_time", "late_self_cure", "partial", "stopper", "prepayer", "overpayer")

# How a payment's timestamp is written.
REPR_LOCAL, REPR_UTC, REPR_Z, REPR_DATE = range(4)
CHANNELS = ("wechat_pay", "alipay", "bank_transfer", "card")


class GeneratorInputError(InvalidInput):
    """A generation parameter out of range."""

    code = "generator_input"


@dataclass(frozen=True)
class GenerationReport:
    """What was written: rows per table and the files."""

    out_dir: Path
    fmt: str
    rows: dict[str, int]
    files: dict[str, Path] = field(default_factory=dict)


# --------------------------------------------------------------------------- amortisation


def annuity_schedule(principal: Decimal, annual_rate: Decimal,
                     term: int) -> list[tuple[Decimal, Decimal]]:
    """Equal-installment (annuity) schedule in Decimal: ``[(principal_due, interest_due)]``.

    Interest of a period is the opening balance times ``annual_rate / 12``, rounded half
    up to the cent; the installment is the annuity rounded to the cent; the last
    installment takes whatever rounding is left so the principal sums exactly.
    This is the scalar statement of the rule the vectorised generator applies.
    """
    cent = Decimal("0.01")
    monthly = annual_rate / 12
    if monthly == 0:
        payment = (principal / term).quantize(cent, rounding=ROUND_HALF_UP)
    else:
        payment = (principal * monthly / (1 - (1 + monthly) ** -term)).quantize(
            cent, rounding=ROUND_HALF_UP)
    balance = principal
    rows: list[tuple[Decimal, Decimal]] = []
    for k in range(term):
        # balance * rate / 12 in this order is exact, so a half cent is seen as one.
        interest = (balance * annual_rate / 12).quantize(cent, rounding=ROUND_HALF_UP)
        part = balance if k == term - 1 else min(max(payment - interest, Decimal(0)), balance)
        rows.append((part, interest))
        balance -= part
    return rows


def _annuity_cents(principal: np.ndarray, rate_bp: np.ndarray, term: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`annuity_schedule` in integer cents: two ``(loans, 36)`` arrays.

    ``rate_bp`` is the annual rate in units of 0.0001; interest is exact integer
    arithmetic (half up), so it equals the Decimal rule to the cent.
    """
    n_loans = principal.shape[0]
    monthly = rate_bp / 120_000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(monthly > 0,
                           principal * monthly / (1 - (1 + monthly) ** (-term.astype(float))),
                           principal / term)
    payment = np.floor(annuity + 0.5).astype(np.int64)
    prin = np.zeros((n_loans, MAX_TERM), dtype=np.int64)
    intr = np.zeros((n_loans, MAX_TERM), dtype=np.int64)
    balance = principal.astype(np.int64).copy()
    for k in range(MAX_TERM):
        active = k < term
        interest = (2 * balance * rate_bp + 120_000) // 240_000
        part = np.clip(payment - interest, 0, balance)
        part = np.where(k == term - 1, balance, part)
        prin[:, k] = np.where(active, part, 0)
        intr[:, k] = np.where(active, interest, 0)
        balance = balance - prin[:, k]
    return prin, intr


# --------------------------------------------------------------------------- pools

CN_PROVINCE_ISO = {
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL",
    "23": "HL", "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX",
    "37": "SD", "41": "HA", "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI",
    "50": "CQ", "51": "SC", "52": "GZ", "53": "YN", "54": "XZ", "61": "SN", "62": "GS",
    "63": "QH", "64": "NX", "65": "XJ",
}
# Surnames with pinyin and rough relative frequency (most common first).
CN_SURNAMES = [
    ("王", "wang", 72), ("李", "li", 70), ("张", "zhang", 66), ("刘", "liu", 54),
    ("陈", "chen", 45), ("杨", "yang", 31), ("黄", "huang", 23), ("赵", "zhao", 20),
    ("吴", "wu", 20), ("周", "zhou", 19), ("徐", "xu", 14), ("孙", "sun", 13),
    ("马", "ma", 12), ("朱", "zhu", 12), ("胡", "hu", 11), ("郭", "guo", 11),
    ("何", "he", 10), ("高", "gao", 10), ("林", "lin", 10), ("罗", "luo", 9),
    ("郑", "zheng", 9), ("梁", "liang", 8), ("谢", "xie", 7), ("宋", "song", 7),
    ("唐", "tang", 7), ("许", "xu", 6), ("韩", "han", 6), ("冯", "feng", 6),
    ("邓", "deng", 6), ("曹", "cao", 6), ("彭", "peng", 5), ("曾", "zeng", 5),
    ("肖", "xiao", 5), ("田", "tian", 5), ("董", "dong", 5), ("袁", "yuan", 5),
    ("潘", "pan", 4), ("于", "yu", 4), ("蒋", "jiang", 4), ("蔡", "cai", 4),
    ("余", "yu", 4), ("杜", "du", 4), ("叶", "ye", 4), ("程", "cheng", 4),
    ("苏", "su", 4), ("魏", "wei", 4), ("吕", "lv", 4), ("丁", "ding", 4),
    ("任", "ren", 3), ("沈", "shen", 3), ("姚", "yao", 3), ("卢", "lu", 3),
    ("姜", "jiang", 3), ("崔", "cui", 3), ("钟", "zhong", 3), ("谭", "tan", 3),
    ("陆", "lu", 3), ("汪", "wang", 3), ("范", "fan", 3), ("金", "jin", 3),
    ("石", "shi", 3), ("廖", "liao", 3), ("贾", "jia", 3), ("夏", "xia", 3),
    ("韦", "wei", 3), ("付", "fu", 3), ("方", "fang", 3), ("白", "bai", 2),
    ("邹", "zou", 2), ("孟", "meng", 2), ("熊", "xiong", 2), ("秦", "qin", 2),
    ("邱", "qiu", 2), ("江", "jiang", 2), ("尹", "yin", 2), ("薛", "xue", 2),
    ("闫", "yan", 2), ("段", "duan", 2), ("雷", "lei", 2), ("侯", "hou", 2),
    ("龙", "long", 2), ("史", "shi", 2), ("陶", "tao", 2), ("黎", "li", 2),
    ("贺", "he", 2), ("顾", "gu", 2), ("毛", "mao", 2), ("郝", "hao", 2),
    ("龚", "gong", 2), ("邵", "shao", 2), ("万", "wan", 2), ("钱", "qian", 2),
    ("欧阳", "ouyang", 1), ("司马", "sima", 1), ("诸葛", "zhuge", 1),
]
CN_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("兰", "lan"), ("建", "jian"), ("国", "guo"), ("文", "wen"), ("辉", "hui"),
    ("林", "lin"), ("鹏", "peng"), ("飞", "fei"), ("宇", "yu"), ("浩", "hao"),
    ("晨", "chen"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("佳", "jia"),
    ("欣", "xin"), ("怡", "yi"), ("梓", "zi"), ("涵", "han"), ("子", "zi"),
    ("轩", "xuan"), ("博", "bo"), ("思", "si"), ("雨", "yu"), ("晓", "xiao"),
    ("海", "hai"), ("波", "bo"), ("斌", "bin"), ("峰", "feng"), ("琳", "lin"),
    ("颖", "ying"), ("倩", "qian"), ("春", "chun"), ("红", "hong"), ("梅", "mei"),
    ("志", "zhi"), ("新", "xin"), ("荣", "rong"), ("嘉", "jia"), ("俊", "jun"),
    ("宁", "ning"), ("琪", "qi"), ("瑶", "yao"), ("帆", "fan"), ("阳", "yang"),
]
CN_STREETS = ["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "文化路",
              "青年路", "长江路", "黄河路", "朝阳路", "光明路", "幸福路", "团结路", "花园路",
              "学府路", "滨江路", "世纪大道", "东风路"]
# Mobile prefixes in service (phonenumbers accepts every number under them).
CN_MOBILE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                      "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                      "175", "176", "177", "178", "180", "181", "182", "183", "184", "185",
                      "186", "187", "188", "189", "191", "198", "199"]
EN_FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
            "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
            "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Emily", "Matthew", "Olivia",
            "Oliver", "Amelia", "George", "Isla", "Harry", "Sophie", "Jack", "Grace"]
EN_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
           "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
           "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young",
           "Evans", "Roberts", "Wright", "Green", "Hughes", "Edwards", "Wood", "Turner"]
EN_STREETS = ["Maple", "Oak", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
              "Church", "High", "Station", "Victoria", "Mill", "King", "Queen"]
# (city, ISO 3166-2, IANA zone, standard UTC offset hours, area code, ZIP/postcode stem)
US_PLACES = [
    ("New York, NY", "US-NY", "America/New_York", -5, "212", "100"),
    ("Boston, MA", "US-MA", "America/New_York", -5, "617", "021"),
    ("Atlanta, GA", "US-GA", "America/New_York", -5, "404", "303"),
    ("Miami, FL", "US-FL", "America/New_York", -5, "305", "331"),
    ("Chicago, IL", "US-IL", "America/Chicago", -6, "312", "606"),
    ("Houston, TX", "US-TX", "America/Chicago", -6, "713", "770"),
    ("Denver, CO", "US-CO", "America/Denver", -7, "303", "802"),
    ("Phoenix, AZ", "US-AZ", "America/Phoenix", -7, "602", "850"),
    ("Seattle, WA", "US-WA", "America/Los_Angeles", -8, "206", "981"),
    ("San Francisco, CA", "US-CA", "America/Los_Angeles", -8, "415", "941"),
    ("Los Angeles, CA", "US-CA", "America/Los_Angeles", -8, "213", "900"),
]
GB_PLACES = [
    ("London", "GB-ENG", "SW1A"), ("Manchester", "GB-ENG", "M1"), ("Leeds", "GB-ENG", "LS1"),
    ("Birmingham", "GB-ENG", "B1"), ("Bristol", "GB-ENG", "BS1"), ("Edinburgh", "GB-SCT", "EH1"),
    ("Glasgow", "GB-SCT", "G1"), ("Cardiff", "GB-WLS", "CF10"),
]
GB_MOBILE_PREFIXES = ["7400", "7450", "7500", "7711", "7800", "7900", "7956", "7799"]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
THIRD_PARTIES = ["spouse", "parent", "colleague", "employer", "emergency", "friend",
                 "relative", "child"]
THIRD_PARTY_WEIGHTS = [0.26, 0.24, 0.14, 0.08, 0.14, 0.07, 0.05, 0.02]


@dataclass(frozen=True)
class _CnRegions:
    codes: np.ndarray          # int64 six-digit region codes
    place: pa.Array            # "省市区" text
    iso: pa.Array              # CN-XX
    weights: np.ndarray


@lru_cache(maxsize=1)
def _cn_regions() -> _CnRegions:
    """Counties and districts in force today, from python-stdnum's region table.

    Only codes without historical brackets are kept, so ``stdnum.cn.ric`` accepts any
    birth year; weights favour districts of big provinces a little, as real books do.
    """
    import stdnum

    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    names: dict[str, str] = {}
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, rest = line.strip().partition(" ")
        value = rest.split('"')[1] if '"' in rest else ""
        if not line.startswith(" "):
            province = key
            names[key] = value
        else:
            names[province + key] = value
    codes, places, isos = [], [], []
    for code, name in names.items():
        if len(code) != 6 or code[:2] not in CN_PROVINCE_ISO or code.endswith("00"):
            continue
        if "[" in name or "," in name or name in ("市辖区", "县"):
            continue
        city = names.get(code[:4] + "00", "")
        if code[:2] in ("11", "12", "31", "50") or city in ("", "市辖区", "县") or "[" in city:
            city = names[code[:2]] if code[:2] in ("11", "12", "31", "50") else ""
        if not city or "[" in city or "," in city:
            continue
        prov = names[code[:2]]
        place = prov + (city if city != prov else "") + name
        codes.append(int(code))
        places.append(place)
        isos.append("CN-" + CN_PROVINCE_ISO[code[:2]])
    weights = np.array([2.0 if c // 10_000 in (37, 41, 44, 51, 32) else 1.0 for c in codes])
    return _CnRegions(np.array(codes, dtype=np.int64), pa.array(places), pa.array(isos),
                      weights / weights.sum())


def _pool(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string())


def _take(pool: list[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    arr = pool if isinstance(pool, pa.Array) else _pool(pool)
    return arr.take(pa.array(idx))


def _join(*parts: Any) -> pa.Array:
    """Concatenate string arrays (or scalars) element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def _digits(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded decimal strings."""
    return pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")


def _decimal(units: np.ndarray, dtype: pa.DataType) -> pa.Array:
    """Integers in the type's smallest unit as a DECIMAL128 array, with no float on the way."""
    units = np.ascontiguousarray(units, dtype=np.int64)
    buf = np.empty((units.shape[0], 2), dtype=np.int64)
    buf[:, 0] = units
    buf[:, 1] = units >> 63  # sign extension into the high word
    return pa.Array.from_buffers(dtype, units.shape[0], [None, pa.py_buffer(buf)])


def _money(cents: np.ndarray) -> pa.Array:
    """Integer cents as DECIMAL(18,2)."""
    return _decimal(cents, MONEY)


def _rate(bp: np.ndarray) -> pa.Array:
    """An annual rate in units of 0.0001 as DECIMAL(9,4)."""
    return _decimal(bp, RATE)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), pa.int32()).cast(pa.date32())


def _choice(rng: np.random.Generator, n: int, weights: list[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), arr.type), arr)


# --------------------------------------------------------------------------- customers


@dataclass
class _Customers:
    table: pa.Table
    country: np.ndarray        # 0 CN, 1 US, 2 GB
    risk: np.ndarray           # latent risk, standard normal
    utc_offset_h: np.ndarray   # standard-time offset of the customer's own clock
    dst: np.ndarray            # observes summer time
    names_pinyin: pa.Array
    phone: pa.Array


def _cn_people(rng: np.random.Generator, n: int, as_of_days: int) -> dict[str, Any]:
    """Names, resident IDs, birth dates, addresses and mobiles of Chinese customers."""
    regions = _cn_regions()
    s_idx = _choice(rng, n, [w for _, _, w in CN_SURNAMES])
    g1 = rng.integers(0, len(CN_GIVEN), n)
    g2 = rng.integers(0, len(CN_GIVEN), n)
    two = rng.random(n) < 0.62
    given_zh = [c for c, _ in CN_GIVEN]
    given_py = [p for _, p in CN_GIVEN]
    empty = pa.array([""] * n)
    name = _join(_take([s for s, _, _ in CN_SURNAMES], s_idx), _take(given_zh, g1),
                 pc.if_else(pa.array(two), _take(given_zh, g2), empty))
    pinyin = _join(_take([p for _, p, _ in CN_SURNAMES], s_idx), ".", _take(given_py, g1),
                   pc.if_else(pa.array(two), _take(given_py, g2), empty))
    birth = as_of_days - rng.integers(20 * 365, 62 * 365, n)
    r_idx = rng.choice(len(regions.codes), size=n, p=regions.weights)
    national_id = _resident_ids(rng, regions.codes[r_idx], birth)
    street = _take(CN_STREETS, rng.integers(0, len(CN_STREETS), n))
    house = _digits(rng.integers(1, 400, n), 1)
    flat = _join(_digits(rng.integers(1, 30, n), 1), "栋", _digits(rng.integers(1, 6, n), 1),
                 "单元", _digits(rng.integers(1, 33, n), 1), _digits(rng.integers(1, 5, n), 2),
                 "室")
    address = _join(regions.place.take(pa.array(r_idx)), street, house, "号", flat)
    phone = _join("+86", _take(CN_MOBILE_PREFIXES, rng.integers(0, len(CN_MOBILE_PREFIXES), n)),
                  _digits(rng.integers(0, 100_000_000, n), 8))
    return {"full_name": name, "pinyin": pinyin, "national_id": national_id, "birth": birth,
            "region": regions.iso.take(pa.array(r_idx)), "address": address, "phone": phone}


def _resident_ids(rng: np.random.Generator, region: np.ndarray, birth_days: np.ndarray) -> pa.Array:
    """18-digit resident identity numbers: region, birth date, sequence, ISO 7064 check."""
    n = region.shape[0]
    births = (EPOCH + birth_days.astype("timedelta64[D]")).astype(object)
    ymd = np.fromiter((d.year * 10_000 + d.month * 100 + d.day for d in births),
                      dtype=np.int64, count=n)
    seq = rng.integers(0, 1000, n)
    body = region * 10**11 + ymd * 1000 + seq
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = (digits * weights).sum(axis=1) % 11
    check_char = _take(list("10X98765432"), check)
    return _join(_digits(body, 17), check_char)


def _en_people(rng: np.random.Generator, n: int, as_of_days: int, country: np.ndarray
               ) -> dict[str, Any]:
    """Names, addresses, phones and zones of US and GB customers."""
    f_idx = rng.integers(0, len(EN_FIRST), n)
    l_idx = rng.integers(0, len(EN_LAST), n)
    name = _join(_take(EN_FIRST, f_idx), " ", _take(EN_LAST, l_idx))
    pinyin = _join(pc.utf8_lower(_take(EN_FIRST, f_idx)), ".", pc.utf8_lower(_take(EN_LAST, l_idx)))
    us = country == 1
    us_i = rng.integers(0, len(US_PLACES), n)
    gb_i = rng.integers(0, len(GB_PLACES), n)
    street = _join(_digits(rng.integers(1, 9999, n), 1), " ", _take(EN_STREETS,
                   rng.integers(0, len(EN_STREETS), n)))
    us_addr = _join(street, " St, ", _take([p[0] for p in US_PLACES], us_i), " ",
                    _take([p[5] for p in US_PLACES], us_i), _digits(rng.integers(0, 100, n), 2))
    gb_addr = _join(street, " Road, ", _take([p[0] for p in GB_PLACES], gb_i), " ",
                    _take([p[2] for p in GB_PLACES], gb_i), " ", _digits(rng.integers(1, 10, n), 1),
                    _take(list("ABDEFGHJLNPQRSTUWXYZ"), rng.integers(0, 20, n)),
                    _take(list("ABDEFGHJLNPQRSTUWXYZ"), rng.integers(0, 20, n)))
    # US numbers in the 555-01XX block are reserved for fiction and still well formed.
    us_phone = _join("+1", _take([p[4] for p in US_PLACES], us_i), "55501",
                     _digits(rng.integers(0, 100, n), 2))
    gb_phone = _join("+44", _take(GB_MOBILE_PREFIXES, rng.integers(0, len(GB_MOBILE_PREFIXES), n)),
                     _digits(rng.integers(0, 1_000_000, n), 6))
    m = pa.array(us)
    return {
        "full_name": name, "pinyin": pinyin,
        "birth": as_of_days - rng.integers(21 * 365, 70 * 365, n),
        "address": pc.if_else(m, us_addr, gb_addr), "phone": pc.if_else(m, us_phone, gb_phone),
        "region": pc.if_else(m, _take([p[1] for p in US_PLACES], us_i),
                             _take([p[1] for p in GB_PLACES], gb_i)),
        "zone": pc.if_else(m, _take([p[2] for p in US_PLACES], us_i),
                           pa.array(["Europe/London"] * n)),
        "offset": np.where(us, np.array([p[3] for p in US_PLACES])[us_i], 0),
        "dst": us & (np.array([p[2] for p in US_PLACES])[us_i] != "America/Phoenix") | ~us,
    }


def _merge(cn_mask: np.ndarray, cn: pa.Array, en: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(cn_mask), cn, en)


def _customers(rng: np.random.Generator, n: int, first_id: int, as_of_days: int) -> _Customers:
    """The chunk's customers: 88% Chinese, the rest from the US and Great Britain."""
    country = _choice(rng, n, [0.88, 0.08, 0.04])
    cn = country == 0
    a = _cn_people(rng, n, as_of_days)
    b = _en_people(rng, n, as_of_days, country)
    nid = _null_where(a["national_id"], ~cn)
    birth = np.where(cn, a["birth"], b["birth"])
    birth_arr = _null_where(_dates(birth), ~cn & (rng.random(n) < 0.3))
    # The time zone is mostly left for the platform to derive from phone and country.
    zone = _merge(cn, pa.array(["Asia/Shanghai"] * n), b["zone"])
    zone = _null_where(zone, np.where(cn, rng.random(n) < 0.95, rng.random(n) < 0.5))
    lang = _merge(cn, pa.array(["zh-CN"] * n),
                  pc.if_else(pa.array(country == 1), pa.array(["en-US"] * n),
                             pa.array(["en-GB"] * n)))
    lang = _null_where(lang, rng.random(n) < 0.06)
    country_code = _take(["CN", "US", "GB"], country)
    table = pa.table({
        "customer_id": _join("C", _digits(np.arange(first_id, first_id + n), 9)),
        "full_name": _merge(cn, a["full_name"], b["full_name"]),
        "national_id": nid,
        "birth_date": birth_arr,
        "country": country_code,
        "region": _null_where(_merge(cn, a["region"], b["region"]), rng.random(n) < 0.03),
        "timezone": zone,
        "preferred_language": lang,
        "address": _null_where(_merge(cn, a["address"], b["address"]), rng.random(n) < 0.02),
    })
    return _Customers(table=table, country=country, risk=rng.standard_normal(n),
                      utc_offset_h=np.where(cn, 8, b["offset"]), dst=~cn & b["dst"],
                      names_pinyin=_merge(cn, a["pinyin"], b["pinyin"]),
                      phone=_merge(cn, a["phone"], b["phone"]))


# --------------------------------------------------------------------------- contacts


def _third_party_phones(rng: np.random.Generator, country: np.ndarray) -> pa.Array:
    n = country.shape[0]
    cn = _join("+86", _take(CN_MOBILE_PREFIXES, rng.integers(0, len(CN_MOBILE_PREFIXES), n)),
               _digits(rng.integers(0, 100_000_000, n), 8))
    us = _join("+1", _take([p[4] for p in US_PLACES], rng.integers(0, len(US_PLACES), n)),
               "55501", _digits(rng.integers(0, 100, n), 2))
    gb = _join("+44", _take(GB_MOBILE_PREFIXES, rng.integers(0, len(GB_MOBILE_PREFIXES), n)),
               _digits(rng.integers(0, 1_000_000, n), 6))
    return pc.if_else(pa.array(country == 0), cn, pc.if_else(pa.array(country == 1), us, gb))


def _contacts(rng: np.random.Generator, cust: _Customers, first_id: int) -> pa.Table:
    """Self phone (primary), SMS, e-mail and post; relatives and colleagues with consent flags."""
    n = cust.country.shape[0]
    cids = cust.table.column("customer_id").combine_chunks()
    cn = cust.country == 0
    idx = np.arange(n)
    email_local = _join(cust.names_pinyin, _digits(rng.integers(1, 1000, n), 1))
    email = _join(email_local, "@", _take(EMAIL_DOMAINS, rng.integers(0, 3, n)))
    parts = [
        (idx, "phone", cust.phone, "self", np.full(n, 1), np.where(rng.random(n) < 0.7, 1, -1)),
    ]
    m = rng.random(n) < 0.3
    parts.append((idx[m], "sms", cust.phone.filter(pa.array(m)), "self", np.full(m.sum(), 0),
                   np.full(m.sum(), -1)))
    m = rng.random(n) < np.where(cn, 0.45, 0.85)
    parts.append((idx[m], "email", email.filter(pa.array(m)), "self",
                  np.where(cn[m], -1, 0), np.where(rng.random(m.sum()) < 0.1, 0, -1)))
    addr = cust.table.column("address").combine_chunks()
    m = (rng.random(n) < 0.15) & pc.is_valid(addr).to_numpy(zero_copy_only=False)
    parts.append((idx[m], "mail", addr.filter(pa.array(m)), "self", np.full(m.sum(), -1),
                  np.full(m.sum(), -1)))
    n_third = rng.poisson(np.where(cn, 1.4, 0.6))
    owner = np.repeat(idx, n_third)
    relation = _choice(rng, owner.shape[0], THIRD_PARTY_WEIGHTS)
    consent = _choice(rng, owner.shape[0], [0.35, 0.40, 0.25])  # true, false, empty
    parts.append((owner, "phone", _third_party_phones(rng, cust.country[owner]),
                  _take(THIRD_PARTIES, relation), np.full(owner.shape[0], -1),
                  np.array([1, 0, -1])[consent]))
    return _contact_table(parts, cids, first_id)


def _tri_bool(values: np.ndarray) -> pa.Array:
    """1 true, 0 false, -1 empty."""
    return _null_where(pa.array(values == 1), values < 0)


def _contact_table(parts: list[tuple[Any, ...]], cids: pa.Array, first_id: int) -> pa.Table:
    owner = np.concatenate([p[0] for p in parts])
    channel = pa.concat_arrays([pa.array([p[1]] * len(p[0]), pa.string()) for p in parts])
    value = pa.concat_arrays([p[2] for p in parts])
    relation = pa.concat_arrays([p[3] if isinstance(p[3], pa.Array)
                                 else pa.array([p[3]] * len(p[0]), pa.string()) for p in parts])
    primary = np.concatenate([p[4] for p in parts])
    consent = np.concatenate([p[5] for p in parts])
    order = np.argsort(owner, kind="stable")
    sel = pa.array(order)
    n = owner.shape[0]
    return pa.table({
        "contact_id": _join("K", _digits(np.arange(first_id, first_id + n), 10)),
        "customer_id": cids.take(pa.array(owner[order])),
        "channel": channel.take(sel),
        "value": value.take(sel),
        "relation": relation.take(sel),
        "is_primary": _tri_bool(primary[order]),
        "consent": _tri_bool(consent[order]),
    })


# --------------------------------------------------------------------------- loans


@dataclass
class _Book:
    """A chunk's loans with their schedules as (loans, 36) arrays in cents and days."""

    customer: np.ndarray
    product: np.ndarray        # 0 appliance_installment, 1 cash_loan
    principal: np.ndarray
    rate_bp: np.ndarray
    term: np.ndarray
    disbursed: np.ndarray      # days since epoch
    due: np.ndarray            # (L, 36) days since epoch
    prin: np.ndarray
    intr: np.ndarray
    fee: np.ndarray
    has_fee: np.ndarray
    valid: np.ndarray          # (L, 36) seq <= term
    behaviour: np.ndarray


def _loans(rng: np.random.Generator, n: int, cust: _Customers, as_of_days: int) -> _Book:
    """Products, amounts, rates and annuity schedules; behaviour from the customer's risk."""
    n_cust = cust.country.shape[0]
    owner = np.concatenate([np.arange(n_cust), rng.integers(0, n_cust, n - n_cust)])
    owner.sort()
    country = cust.country[owner]
    product = (rng.random(n) < np.where(country == 0, 0.55, 0.75)).astype(np.int64)
    appliance = product == 0
    scale = np.where(country == 0, 1.0, 0.15)
    raw = np.where(appliance, rng.lognormal(np.log(4500), 0.55, n),
                   rng.lognormal(np.log(22000), 0.8, n)) * scale
    step = np.where(appliance, 100, 10_000)  # appliance prices to the yuan, loans to the hundred
    principal = np.maximum(np.round(raw * 100 / step) * step, 50_000).astype(np.int64)
    principal = np.where(appliance & (rng.random(n) < 0.3), principal - 100, principal)
    term = np.where(appliance, np.array([3, 6, 9, 12, 18, 24])[_choice(rng, n, [2, 4, 2, 4, 1, 1])],
                    np.array([3, 6, 12, 18, 24, 36])[_choice(rng, n, [1, 3, 4, 2, 2, 2])])
    interest_free = appliance & (rng.random(n) < 0.4)
    rate_bp = np.where(appliance, rng.integers(800, 1800, n), rng.integers(720, 3600, n))
    rate_bp = np.where(rng.random(n) < 0.5, rate_bp // 100 * 100, rate_bp)
    rate_bp = np.where(interest_free, 0, rate_bp).astype(np.int64)
    disbursed = as_of_days - rng.integers(20, 3 * 365, n)
    prin, intr = _annuity_cents(principal, rate_bp, term)
    valid = np.arange(MAX_TERM)[None, :] < term[:, None]
    fee = _fees(rng, principal, interest_free, product, valid)
    has_fee = fee.any(axis=1)
    due = _due_dates(disbursed)
    score = 0.8 * cust.risk[owner] + 0.6 * rng.standard_normal(n)
    good = np.array([ON_TIME, PREPAYER, OVERPAYER])[_choice(rng, n, [0.80, 0.12, 0.08])]
    # Thresholds on a standard normal: about 8% stop, 7% pay in part, 20% pay late.
    behaviour = np.select([score > 1.40, score > 1.04, score > 0.39], [STOPPER, PARTIAL, LATE],
                          default=good)
    return _Book(owner, product, principal, rate_bp, term, disbursed, due, prin, intr, fee,
                 has_fee, valid, behaviour)


def _fees(rng: np.random.Generator, principal: np.ndarray, interest_free: np.ndarray,
          product: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Monthly service fees on interest-free appliance plans; account fees on some cash loans."""
    n = principal.shape[0]
    fee_bp = rng.integers(30, 90, n)  # 0.30% .. 0.89% of principal a month
    service = (2 * principal * fee_bp + 10_000) // 20_000
    account = np.where((product == 1) & (rng.random(n) < 0.2), 1000, 0)
    per = np.where(interest_free, service, account)
    return np.where(valid, per[:, None], 0).astype(np.int64)


def _due_dates(disbursed: np.ndarray) -> np.ndarray:
    """Monthly due dates on the disbursement day of month (the 29th-31st fall on the 28th)."""
    d = EPOCH + disbursed.astype("timedelta64[D]")
    month = d.astype("datetime64[M]")
    day = (d - month.astype("datetime64[D]")).astype(np.int64)
    day = np.minimum(day, 27)
    months = month[:, None] + np.arange(1, MAX_TERM + 1)[None, :].astype("timedelta64[M]")
    return (months.astype("datetime64[D]") - EPOCH).astype(np.int64) + day[:, None]


# --------------------------------------------------------------------------- payments


@dataclass
class _Payments:
    loan: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)      # customer-local day
    amount: list[np.ndarray] = field(default_factory=list)

    def add(self, loan: np.ndarray, day: np.ndarray, amount: np.ndarray) -> None:
        keep = amount > 0
        self.loan.append(loan[keep])
        self.day.append(day[keep])
        self.amount.append(amount[keep])


def _late_delays(rng: np.random.Generator, shape: tuple[int, int],
                 p_late: np.ndarray) -> np.ndarray:
    """Days after the due date: mostly a few days early, sometimes weeks late."""
    early = -rng.integers(0, 6, shape)
    late = 1 + np.minimum(rng.geometric(1 / 9, shape), 75)
    return np.where(rng.random(shape) < p_late[:, None], late, early)


def _simulate(rng: np.random.Generator, book: _Book, as_of_days: int) -> _Payments:
    """Repayment behaviour per loan; restates prepaid schedules. Payments in customer days."""
    n = book.term.shape[0]
    due_total = book.prin + book.intr + book.fee
    loan_ix = np.broadcast_to(np.arange(n)[:, None], due_total.shape)
    b = book.behaviour
    p_late = np.select([b == LATE, b == PARTIAL, b == STOPPER], [0.30, 0.35, 0.25], 0.03)
    delay = _late_delays(rng, due_total.shape, p_late)
    pay_day = book.due + delay
    amount = due_total.copy()
    out = _Payments()
    elapsed = (book.due <= as_of_days).sum(axis=1)
    # Customers who stop paying; a quarter of them cure later in one lump.
    k_stop = np.floor(rng.random(n) * (elapsed + 2)).astype(np.int64)
    stopper = (b == STOPPER)
    stopped = stopper[:, None] & (np.arange(MAX_TERM)[None, :] >= k_stop[:, None])
    stop_due = np.take_along_axis(book.due, np.minimum(k_stop, MAX_TERM - 1)[:, None], 1)[:, 0]
    cures = stopper & (rng.random(n) < 0.25)
    cure_day = stop_due + rng.integers(20, 150, n)
    in_cure = stopped & cures[:, None] & (book.due <= cure_day[:, None])
    lump = np.where(in_cure & book.valid, due_total, 0).sum(axis=1)
    out.add(np.arange(n)[cures], cure_day[cures], lump[cures])
    skip = stopped & ~(cures[:, None] & (book.due > cure_day[:, None]))
    goodwill = stopper & ~cures & (rng.random(n) < 0.3)
    out.add(np.arange(n)[goodwill], (stop_due + rng.integers(15, 200, n))[goodwill],
            (due_total[:, 0] * rng.uniform(0.1, 0.5, n)).astype(np.int64)[goodwill])
    # Partial payers pay part of an installment, and often the rest weeks later.
    part = (b == PARTIAL)[:, None] & (rng.random(due_total.shape) < 0.5)
    frac = rng.uniform(0.3, 0.9, due_total.shape)
    paid_part = np.where(part, (amount * frac).astype(np.int64) // 100 * 100, amount)
    rest = part & (rng.random(due_total.shape) < 0.6)
    rest_day = pay_day + rng.integers(5, 40, due_total.shape)
    # Overpayers round every payment up to the next hundred.
    over = (b == OVERPAYER)[:, None]
    paid_part = np.where(over, -(-paid_part // 10_000) * 10_000, paid_part)
    # Prepayers settle the remaining principal at one installment and stop.
    k_pre = np.minimum(1 + np.floor(rng.random(n) * np.maximum(book.term - 1, 1)),
                       book.term - 1).astype(np.int64)
    pre = (b == PREPAYER) & (book.term > 1)
    after = np.arange(MAX_TERM)[None, :] > k_pre[:, None]
    at = np.arange(MAX_TERM)[None, :] == k_pre[:, None]
    pre_day = np.where(at, pay_day, 0).sum(axis=1)
    pre_done = pre & (pre_day <= as_of_days)
    remaining_prin = np.where(after, book.prin, 0).sum(axis=1)
    settle = np.where(at, due_total, 0).sum(axis=1) + remaining_prin
    settle = np.where(rng.random(n) < 0.3, -(-settle // 10_000) * 10_000, settle)
    restate = pre_done[:, None] & after
    book.intr[restate] = 0
    book.fee[restate] = 0
    regular = book.valid & ~skip & ~(pre[:, None] & (after | at))
    out.add(loan_ix[regular], pay_day[regular], paid_part[regular])
    out.add(loan_ix[rest & regular], rest_day[rest & regular], (amount - paid_part)[rest & regular])
    out.add(np.arange(n)[pre], pre_day[pre], settle[pre])
    return out


@dataclass
class _PaymentRows:
    loan: np.ndarray
    instant: np.ndarray        # UTC seconds
    amount: np.ndarray
    kind: np.ndarray           # 0 payment, 1 reversal
    reverses: np.ndarray       # row index of the reversed payment, -1
    channel: np.ndarray
    repr: np.ndarray
    offset_s: np.ndarray       # offset the timestamp is written with


def _instants(rng: np.random.Generator, day: np.ndarray, offset_h: np.ndarray,
              dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants for customer-local days; many evenings, some just after midnight."""
    n = day.shape[0]
    band = _choice(rng, n, [0.78, 0.14, 0.08])
    secs = np.select([band == 0, band == 1],
                     [rng.integers(7 * 3600, 22 * 3600, n), rng.integers(22 * 3600, DAY_S, n)],
                     rng.integers(0, 2 * 3600, n))
    month = ((EPOCH + day.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)) % 12
    summer = dst & (month >= 3) & (month <= 9)
    offset_s = (offset_h + summer.astype(np.int64)) * 3600
    return day * DAY_S + secs - offset_s, offset_s


def _payment_rows(rng: np.random.Generator, sim: _Payments, country: np.ndarray,
                  offset_h: np.ndarray, dst: np.ndarray, as_of_days: int) -> _PaymentRows:
    """Timestamps, channels, reversals and re-payments; only what happened by the as-of day."""
    loan = np.concatenate(sim.loan)
    day = np.concatenate(sim.day)
    amount = np.concatenate(sim.amount)
    keep = day <= as_of_days
    loan, day, amount = loan[keep], day[keep], amount[keep]
    n = loan.shape[0]
    cn = country[loan] == 0
    instant, offset_s = _instants(rng, day, offset_h[loan], dst[loan])
    channel = np.where(cn, _choice(rng, n, [0.36, 0.34, 0.2, 0.1]),
                       np.where(rng.random(n) < 0.6, 3, 2))
    # Bounced card and bank payments are reversed a few days later; most are paid again.
    bounced = (channel >= 2) & (rng.random(n) < 0.03) | (rng.random(n) < 0.004)
    src = np.nonzero(bounced)[0]
    rev_instant = instant[src] + rng.integers(DAY_S, 6 * DAY_S, src.shape[0])
    again = rng.random(src.shape[0]) < 0.7
    re_instant = rev_instant + rng.integers(3600, 4 * DAY_S, src.shape[0])
    m = again
    loans = np.concatenate([loan, loan[src], loan[src][m]])
    inst = np.concatenate([instant, rev_instant, re_instant[m]])
    rows = _PaymentRows(
        loan=loans, instant=inst,
        amount=np.concatenate([amount, amount[src], amount[src][m]]),
        kind=np.concatenate([np.zeros(n, np.int8), np.ones(src.shape[0], np.int8),
                             np.zeros(m.sum(), np.int8)]),
        reverses=np.concatenate([np.full(n, -1), src, np.full(m.sum(), -1)]),
        channel=np.concatenate([channel, channel[src], rng.integers(0, 4, m.sum())]),
        repr=np.zeros(loans.shape[0], np.int8),
        offset_s=np.concatenate([offset_s, offset_s[src], offset_s[src][m]]))
    local_day = (rows.instant + rows.offset_s) // DAY_S
    keep = local_day <= as_of_days
    return _representation(rng, _filter_rows(rows, keep), country)


def _filter_rows(rows: _PaymentRows, keep: np.ndarray) -> _PaymentRows:
    """Keep some rows; reversal pointers follow their payments (which are always earlier)."""
    new_index = np.cumsum(keep) - 1
    reverses = np.where(rows.reverses >= 0, new_index[np.maximum(rows.reverses, 0)], -1)
    return _PaymentRows(rows.loan[keep], rows.instant[keep], rows.amount[keep], rows.kind[keep],
                        reverses[keep], rows.channel[keep], rows.repr[keep], rows.offset_s[keep])


def _representation(rng: np.random.Generator, rows: _PaymentRows, country: np.ndarray
                    ) -> _PaymentRows:
    """How each timestamp is written: local offset, UTC (+00:00 or Z) or a bare date."""
    n = rows.loan.shape[0]
    cn = country[rows.loan] == 0
    r = np.where(cn, _choice(rng, n, [0.80, 0.08, 0.04, 0.08]),
                 _choice(rng, n, [0.85, 0.10, 0.05, 0.0]))
    # Bare dates come from bank statements, never for a reversal (its order must be kept).
    r = np.where((r == REPR_DATE) & ((rows.channel != 2) | (rows.kind == 1)), REPR_LOCAL, r)
    rows.repr = r.astype(np.int8)
    return rows


def _payments_table(rows: _PaymentRows, loan_ids: pa.Array, first_id: int) -> pa.Table:
    """Rows sorted by loan and time, numbered, with their timestamp text."""
    order = np.lexsort((rows.kind, rows.instant, rows.loan))
    position = np.empty_like(order)
    position[order] = np.arange(order.shape[0])
    n = order.shape[0]
    numbers = np.arange(first_id, first_id + n)
    ids = _join("P", _digits(numbers, 11))
    rev = rows.reverses[order]
    rev_ids = _null_where(ids.take(pa.array(np.where(rev >= 0, position[np.maximum(rev, 0)], 0))),
                          rev < 0)
    kind = _take(["payment", "reversal"], rows.kind[order])
    kind = _null_where(kind, (rows.kind[order] == 0) & (numbers % 5 == 0))
    return pa.table({
        "payment_id": ids,
        "loan_id": loan_ids.take(pa.array(rows.loan[order])),
        "paid_at": _timestamp_text(rows.instant[order], rows.offset_s[order], rows.repr[order]),
        "amount": _money(rows.amount[order]),
        "kind": kind,
        "reverses_payment_id": rev_ids,
        "channel": _take(list(CHANNELS), rows.channel[order]),
    })


def _timestamp_text(instant: np.ndarray, offset_s: np.ndarray, rep: np.ndarray) -> pa.Array:
    """ISO 8601 text: ``2026-11-28T09:30:00+08:00``, ``...Z`` or ``2026-11-28``."""
    written = np.where((rep == REPR_UTC) | (rep == REPR_Z), 0, offset_s)
    shanghai = pa.array(instant + 8 * 3600, pa.timestamp("s"))
    local = pc.strftime(pa.array(instant + written, pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
    sign = np.where(written < 0, "-", "+")
    hours = np.abs(written) // 3600
    minutes = np.abs(written) % 3600 // 60
    suffix = _join(pa.array(sign), _digits(hours, 2), ":", _digits(minutes, 2))
    suffix = pc.if_else(pa.array(rep == REPR_Z), pa.array(["Z"] * len(rep)), suffix)
    bare = pc.strftime(shanghai, format="%Y-%m-%d")
    return pc.if_else(pa.array(rep == REPR_DATE), bare, _join(local, suffix))


# --------------------------------------------------------------------------- tables


def _loan_tables(book: _Book, rows: _PaymentRows | None, cust: _Customers, first_loan: int,
                 as_of_days: int) -> tuple[pa.Table, pa.Table, pa.Array]:
    n = book.term.shape[0]
    loan_ids = _join("L", _digits(np.arange(first_loan, first_loan + n), 10))
    country = cust.country[book.customer]
    status = _status(book, rows, as_of_days)
    loans = pa.table({
        "loan_id": loan_ids,
        "customer_id": cust.table.column("customer_id").combine_chunks().take(
            pa.array(book.customer)),
        "product": _take(["appliance_installment", "cash_loan"], book.product),
        "currency": _take(["CNY", "USD", "GBP"], country),
        "principal": _money(book.principal),
        "annual_rate": _rate(book.rate_bp),
        "term": pa.array(book.term.astype(np.int32)),
        "disbursed_on": _dates(book.disbursed),
        "status": _null_where(_take(["active", "closed", "written_off", "sold"], status),
                              (status == 0) & (np.arange(n) % 3 == 0)),
    })
    loan_ix, seq = np.nonzero(book.valid)
    fee = book.fee[loan_ix, seq]
    installments = pa.table({
        "loan_id": loan_ids.take(pa.array(loan_ix)),
        "seq": pa.array((seq + 1).astype(np.int32)),
        "due_date": _dates(book.due[loan_ix, seq]),
        "principal_due": _money(book.prin[loan_ix, seq]),
        "interest_due": _money(book.intr[loan_ix, seq]),
        "fee_due": _null_where(_money(fee), ~book.has_fee[loan_ix]),
    })
    return loans, installments, loan_ids


def _status(book: _Book, rows: _PaymentRows | None, as_of_days: int) -> np.ndarray:
    """0 active, 1 closed (paid in full), 2 written off, 3 sold (long-stopped loans)."""
    n = book.term.shape[0]
    paid = np.zeros(n, dtype=np.int64)
    if rows is not None:
        signed = np.where(rows.kind == 1, -rows.amount, rows.amount)
        np.add.at(paid, rows.loan, signed)
    owed = (book.prin + book.intr + book.fee).sum(axis=1)
    status = np.where(paid >= owed, 1, 0)
    old_default = (book.behaviour == STOPPER) & (book.disbursed < as_of_days - 720) & (paid < owed)
    return np.where(old_default & (np.arange(n) % 4 == 0), 2,
                    np.where(old_default & (np.arange(n) % 17 == 1), 3, status))


@dataclass
class _Chunk:
    tables: dict[str, pa.Table]


def _chunk(seed: int, chunk_no: int, n_loans: int, ids: dict[str, int], as_of_days: int) -> _Chunk:
    """One chunk of the book, drawn from its own generator so chunks are reproducible."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, chunk_no]))
    n_cust = max(1, min(n_loans, int(round(n_loans / LOANS_PER_CUSTOMER))))
    cust = _customers(rng, n_cust, ids["customers"], as_of_days)
    contacts = _contacts(rng, cust, ids["contacts"])
    book = _loans(rng, n_loans, cust, as_of_days)
    sim = _simulate(rng, book, as_of_days)
    rows = _payment_rows(rng, sim, cust.country[book.customer], cust.utc_offset_h[book.customer],
                         cust.dst[book.customer], as_of_days)
    loans, installments, loan_ids = _loan_tables(book, rows, cust, ids["loans"], as_of_days)
    payments = _payments_table(rows, loan_ids, ids["payments"])
    return _Chunk({"customers": cust.table, "contacts": contacts, "loans": loans,
                   "installments": installments, "payments": payments})


# --------------------------------------------------------------------------- writing


class _Writer:
    """Streams one table to ``NAME.csv`` or ``NAME.parquet`` (renamed into place at the end)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.fmt = fmt
        self._writer: Any = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            if self.fmt == "csv":
                import pyarrow.csv as pcsv

                self._writer = pcsv.CSVWriter(str(self.partial), table.schema)
            else:
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(str(self.partial), table.schema,
                                                compression="zstd")
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self, *, keep: bool) -> None:
        if self._writer is not None:
            self._writer.close()
        if keep:
            os.replace(self.partial, self.path)
            # A table left in the other format by an earlier run would make two sources.
            for ext in FORMATS:
                if ext != self.fmt:
                    self.path.with_suffix(f".{ext}").unlink(missing_ok=True)
        else:
            self.partial.unlink(missing_ok=True)


def _chunks(loans: int) -> Iterator[tuple[int, int]]:
    for chunk_no, start in enumerate(range(0, loans, CHUNK_LOANS)):
        yield chunk_no, min(CHUNK_LOANS, loans - start)


def _check(loans: int, seed: int, fmt: str) -> None:
    if loans <= 0:
        raise GeneratorInputError(f"--loans must be positive, got {loans}", field="loans")
    if seed < 0:
        raise GeneratorInputError(f"--seed must be zero or positive, got {seed}", field="seed")
    if fmt not in FORMATS:
        raise GeneratorInputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}",
                                  field="format")


def generate_portfolio(*, loans: int, seed: int, out_dir: Path | str, as_of: date,
                       fmt: str = "csv", progress: bool = True) -> GenerationReport:
    """Write the five tables of a synthetic book of ``loans`` loans into ``out_dir``.

    The book is the lender's view at the end of ``as_of``: schedules run past it,
    payments stop at it. The same ``seed`` (and size and date) gives byte-identical files.
    """
    _check(loans, seed, fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    as_of_days = int((np.datetime64(as_of.isoformat(), "D") - EPOCH).astype(np.int64))
    writers = {name: _Writer(out / f"{name}.{fmt}", fmt) for name in TABLES}
    ids = dict.fromkeys(TABLES, 1)
    ok = False
    try:
        with _progress(progress) as bar:
            task = bar.add_task("generating book", total=loans)
            for chunk_no, n in _chunks(loans):
                chunk = _chunk(seed, chunk_no, n, ids, as_of_days)
                for name, table in chunk.tables.items():
                    writers[name].write(table)
                    ids[name] += table.num_rows
                bar.advance(task, n)
        ok = True
    finally:
        for w in writers.values():
            w.close(keep=ok)
    return GenerationReport(out_dir=out, fmt=fmt, rows={k: w.rows for k, w in writers.items()},
                            files={k: w.path for k, w in writers.items()})


def _progress(enabled: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled,
                    transient=False)
