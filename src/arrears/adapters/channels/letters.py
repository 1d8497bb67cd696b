"""Letters as PDF (reportlab), with a font that covers Chinese.

Font choice: an embeddable TrueType CJK font when the system has one (WenQuanYi Micro Hei,
Droid Sans Fallback), otherwise reportlab's built-in CID font STSong-Light, which every PDF
reader maps to a Song typeface. Noto CJK ships as CFF outlines, which reportlab cannot embed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

TTF_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
_FONT: str | None = None


def letter_font() -> str:
    """Register (once) and return the name of the font letters are set in."""
    global _FONT
    if _FONT is None:
        for path in TTF_CANDIDATES:
            if Path(path).exists():
                try:
                    pdfmetrics.registerFont(TTFont("ArrearsCJK", path, subfontIndex=0))
                    _FONT = "ArrearsCJK"
                    break
                except Exception:  # noqa: BLE001 - an unusable font file: try the next one
                    continue
        if _FONT is None:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _FONT = "STSong-Light"
    return _FONT


@dataclass(frozen=True)
class Letter:
    title: str
    body: str
    recipient_lines: tuple[str, ...]
    sender: str
    dated: date
    reference: str


def render_letter(letter: Letter, out: Path) -> Path:
    """Write the letter as a one-or-more page A4 PDF at ``out``."""
    font = letter_font()
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=8)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=12)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, title=letter.title,
                            author=letter.sender)
    story: list = [Paragraph(escape(letter.sender), small),
                   Paragraph(f"{escape(letter.reference)} · {letter.dated.isoformat()}", small),
                   Spacer(1, 8 * mm)]
    story += [Paragraph(escape(line), base) for line in letter.recipient_lines]
    story += [Spacer(1, 10 * mm), Paragraph(escape(letter.title), title)]
    for para in letter.body.split("\n\n"):
        if para.strip():
            story.append(Paragraph(escape(para.strip()).replace("\n", "<br/>"), base))
            story.append(Spacer(1, 3 * mm))
    doc.build(story)
    return out
