"""Masking of personal data for lists and screens (standard library only).

Masks keep just enough to recognise a record (the operator, the district, the last digits)
and never enough to contact or identify someone. They are computed once, at load, from
the clear value, and stored beside the encrypted value.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Chinese addresses down to the district / county level: 省 市 区 县 旗 州 盟.
_CN_DISTRICT = re.compile(r"^(.*?(?:区|县|旗|市辖区))")
_CN_CITY = re.compile(r"^(.*?(?:市|州|盟))")


def mask_name(name: str | None) -> str | None:
    """``张伟`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``, ``John Smith`` -> ``J*** S****``."""
    if name is None:
        return None
    text = name.strip()
    if not text:
        return ""
    if _CJK.search(text):
        return text[0] + "*" * (len(text) - 1)
    return " ".join(part[0] + "*" * (len(part) - 1) for part in text.split())


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and the last four national digits: ``138****5678``.

    E.164 input keeps its country code: ``+8613812345678`` -> ``+86 138****5678``.
    """
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    prefix = ""
    if phone.strip().startswith("+"):
        code_len = _country_code_length(digits)
        prefix, digits = f"+{digits[:code_len]} ", digits[code_len:]
    if len(digits) <= 7:
        return prefix + digits[:1] + "*" * max(len(digits) - 3, 0) + digits[-2:]
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _country_code_length(digits: str) -> int:
    """Length of the E.164 country code (1 for NANP and Russia, 2 or 3 elsewhere)."""
    if digits[:1] in {"1", "7"}:
        return 1
    two = {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44",
           "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58",
           "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91",
           "92", "93", "94", "95", "98"}
    return 2 if digits[:2] in two else 3


def mask_national_id(number: str | None) -> str | None:
    """Keep the first four and the last four characters: ``3702**********123X``."""
    if number is None:
        return None
    text = number.strip()
    if len(text) <= 8:
        return text[:1] + "*" * max(len(text) - 2, 0) + text[-1:]
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_address(address: str | None) -> str | None:
    """Keep the address down to the district: ``山东省济南市历下区****``.

    Western addresses keep their last two comma-separated parts (city, region/postcode).
    """
    if address is None:
        return None
    text = address.strip()
    if _CJK.search(text):
        match = _CN_DISTRICT.match(text) or _CN_CITY.match(text)
        kept = match.group(1) if match else text[:3]
        return kept + "****" if len(kept) < len(text) else kept
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) <= 1:
        return "****"
    return "****, " + ", ".join(parts[-2:])


def mask_email(email: str | None) -> str | None:
    """``zhang.wei@example.com`` -> ``z*********@example.com``."""
    if email is None:
        return None
    local, sep, domain = email.strip().partition("@")
    if not sep:
        return mask_name(local)
    return local[:1] + "*" * max(len(local) - 1, 1) + "@" + domain


def mask_contact(channel: str, value: str | None) -> str | None:
    """Mask a contact value by its channel (phone and sms, email, mail)."""
    if channel in {"phone", "sms"}:
        return mask_phone(value)
    if channel == "email":
        return mask_email(value)
    return mask_address(value)
