"""The booking reference: a short, readable, non-secret name for one appointment.

Shown to the citizen (done page, e-mail, calendar file, as text and as a QR
code) and typed or scanned at the desk. It is *not* a key: knowing it opens
nothing by itself; only signed-in staff of the appointment's service find the
appointment by it (``booking.portal.arrivals``). It is drawn at random, never
derived from the sequential id, so it tells nothing about how many
appointments exist or which came before.

Eight characters of Crockford's base 32 (digits and capitals without I, L, O
and U, which read like 1, 1, 0 and V): 32⁸ ≈ 10¹² references, stored compact
("K7MP4QX2") and written in two groups of four ("K7MP-4QX2").
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
GROUP = 4

# What people (and keyboard-style scanners) type for the same reference: any
# case, spaces or dashes; letters that read like digits; and the unshifted
# digit row of a Belgian or French AZERTY keyboard, which a scanner set up for
# QWERTY types instead of digits (none of them is in the alphabet).
_TYPED = str.maketrans(
    {
        "O": "0",
        "I": "1",
        "L": "1",
        "&": "1",
        "É": "2",
        '"': "3",
        "'": "4",
        "(": "5",
        "§": "6",
        "È": "7",
        "!": "8",
        "Ç": "9",
        "À": "0",
    }
)
_SEPARATORS = re.compile(r"[\s\-_.)/]+")


def new_reference() -> str:
    """A fresh random reference, compact (the model's default)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """The compact reference ``text`` stands for, or None if it cannot be one."""
    compact = _SEPARATORS.sub("", (text or "").strip().upper()).translate(_TYPED)
    if len(compact) != LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


def display(reference: str) -> str:
    """ "K7MP4QX2" → "K7MP-4QX2": how it is printed and spoken."""
    if not reference:
        return ""
    return f"{reference[:GROUP]}-{reference[GROUP:]}"


def qr_code(reference: str):
    """The QR code of a reference as printed ("K7MP-4QX2"): what a desk scanner
    types back. Upper-case letters, digits and the dash keep it in the QR
    code's alphanumeric mode, the smallest (21 × 21 modules)."""
    import segno

    return segno.make(display(reference), error="m", micro=False)


def qr_svg(reference: str, *, title: str = "") -> str:
    """The QR code as an inline ``<svg>`` (no image request, no CSP change)."""
    return qr_code(reference).svg_inline(scale=4, border=2, title=title or None)


def qr_png(reference: str) -> bytes:
    """The QR code as PNG bytes (an e-mail's inline image)."""
    import io

    buffer = io.BytesIO()
    qr_code(reference).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
