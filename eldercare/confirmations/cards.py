"""The printable confirmation card: A6, one page a person, with the QR code of their link.

Kept at the older person's home, so everything on it is in Chinese whatever the printing user's
language: the person's name and area, the QR code, and how to use it (扫码确认服务并评价). The QR
code is segno's (pure Python), drawn as a lossless greyscale image of whole pixels per module, so it
prints sharp and a test can read it back out of the PDF. Uses the exports' embedded CJK font.
"""

import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from eldercare.core.printing import PDF_FONT_NAME, RED, chinese_date, cjk_font
from eldercare.core.printing import require_glyphs as _require_glyphs
from eldercare.recipients.models import ConfirmationCard

from .tokens import card_token

TITLE = "上门服务确认卡"
PROGRAMME = "居家和社区基本养老服务提升行动"
CALL_TO_ACTION = "扫码确认服务并评价"
INSTRUCTIONS = (
    "1. 用手机扫描上方二维码（微信、支付宝或手机相机均可）。",
    "2. 看到近 7 天的上门服务，服务过的点“确认已服务”，并选择满意、基本满意或不满意。",
    "3. 没有上门的那一次，点“没有这次服务”。每次服务只需确认一次。",
    "本卡请妥善保管，勿拍照外传；遗失请告诉服务机构换新卡。",
)
# Error correction M (15 %): a card on the fridge gets creased and splashed.
QR_ERROR = "m"
# Pixels per QR module in the embedded image: a whole number, so no module is resampled.
QR_PIXELS_PER_MODULE = 10
QR_QUIET_ZONE = 4  # modules, as the standard asks
# Points: as large as fits under the QR code, for older eyes.
INSTRUCTION_SIZE = 9
NO_LINE_START = frozenset("，。、；：？！）》」』”’")


@dataclass(frozen=True)
class PrintedCard:
    card: ConfirmationCard
    link: str


def confirmation_link(card: ConfirmationCard, *, request=None) -> str:
    """The absolute link in the card's QR code.

    CONFIRMATION_BASE_URL (say https://yanglao.example.gov.cn) names the public address when staff
    print from an internal one; otherwise the address the printing request came to.
    """
    path = reverse("confirmations:confirm", args=[card_token(card)])
    base = getattr(settings, "CONFIRMATION_BASE_URL", "").rstrip("/")
    if base:
        return base + path
    if request is None:
        raise ValueError("A card's link needs the request or CONFIRMATION_BASE_URL.")
    return request.build_absolute_uri(path)


def qr_code(link: str) -> segno.QRCode:
    return segno.make(link, error=QR_ERROR, micro=False)


def qr_png(link: str) -> bytes:
    """The QR code as a greyscale PNG (black modules on white, quiet zone included)."""
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="png", scale=QR_PIXELS_PER_MODULE, border=QR_QUIET_ZONE, dark="#000", light="#fff")
    return buffer.getvalue()


def _wrap(text: str, *, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width` points (Chinese wraps between any two characters)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        # A closing punctuation mark never starts a line (避头点): it stays on the line it closes.
        if line and char not in NO_LINE_START and stringWidth(line + char, PDF_FONT_NAME, size) > width:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def cards_pdf(cards: list[PrintedCard]) -> bytes:
    """One A6 page a card: title, name and area, QR code, instructions; the PDF's bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = cjk_font()
    texts = [TITLE, PROGRAMME, CALL_TO_ACTION, *INSTRUCTIONS, "发卡日期卡号"]
    for printed in cards:
        recipient = printed.card.recipient
        texts += [recipient.name, str(recipient.area.region)]
    _require_glyphs(font, texts)

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    page.setTitle(TITLE)
    page.setAuthor(PROGRAMME)
    width, height = A6
    margin = 8 * mm
    for printed in cards:
        card, recipient = printed.card, printed.card.recipient
        y = height - margin
        page.setFillColor(colors.HexColor(RED))
        page.setFont(PDF_FONT_NAME, 8)
        page.drawCentredString(width / 2, y - 8, PROGRAMME)
        page.setFont(PDF_FONT_NAME, 15)
        page.drawCentredString(width / 2, y - 26, TITLE)
        page.setStrokeColor(colors.HexColor(RED))
        page.setLineWidth(0.8)
        page.line(margin, y - 32, width - margin, y - 32)
        page.setFillColor(colors.black)
        page.setFont(PDF_FONT_NAME, 16)
        page.drawCentredString(width / 2, y - 52, recipient.name)
        page.setFont(PDF_FONT_NAME, 9)
        page.drawCentredString(width / 2, y - 66, str(recipient.area.region))

        side = 56 * mm
        qr_top = y - 72
        page.drawImage(ImageReader(io.BytesIO(qr_png(printed.link))), (width - side) / 2, qr_top - side, side, side)
        page.setFont(PDF_FONT_NAME, 13)
        page.drawCentredString(width / 2, qr_top - side - 14, CALL_TO_ACTION)

        page.setFont(PDF_FONT_NAME, INSTRUCTION_SIZE)
        line_y = qr_top - side - 32
        for paragraph in INSTRUCTIONS:
            for line in _wrap(paragraph, size=INSTRUCTION_SIZE, width=width - 2 * margin):
                page.drawString(margin, line_y, line)
                line_y -= INSTRUCTION_SIZE * 1.4
        page.setFillColor(colors.HexColor("#52606d"))
        page.setFont(PDF_FONT_NAME, 6.5)
        page.drawString(
            margin, margin - 2, f"发卡日期 {chinese_date(timezone.localdate(card.created_at))} · 卡号 {card.pk}"
        )
        page.showPage()
    page.save()
    return buffer.getvalue()
