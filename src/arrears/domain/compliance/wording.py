"""What a message's words say about legal action, in English and Chinese.

A time-barred debt may not be met with a template that threatens or mentions legal
action (us pack): any mention counts, a denial too ("we will not sue" still raises it).
Threats, insults, borrowing to pay and the other prohibited conduct are judged by the
conversation analyser; this lexicon covers what that analyser does not, because
mentioning a lawsuit is lawful for a debt that is not time-barred.
"""

from __future__ import annotations

import re

_LEGAL_EN = re.compile(
    r"\b(?:sue[sd]?|suing|lawsuits?|legal (?:action|proceedings?|steps|remed(?:y|ies))|"
    r"court(?:s| order| action)?|judge?ments?|garnish\w*|litigat\w*|bailiffs?|"
    r"enforcement agents?|county court|ccj)\b", re.IGNORECASE)
_LEGAL_ZH = re.compile(r"起诉|诉讼|法院|律师函|法律程序|法律途径|法律手段|法律责任|"
                       r"强制执行|仲裁|司法")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def legal_action_evidence(text: str) -> str | None:
    """The words of ``text`` that mention legal action, or None."""
    plain = without_placeholders(text)
    found = _LEGAL_EN.search(plain) or _LEGAL_ZH.search(plain)
    return found.group(0) if found else None


def without_placeholders(text: str) -> str:
    """A template's text with its ``{{ variables }}`` and ``{% tags %}`` blanked out."""
    return _PLACEHOLDER.sub(" ", text)
