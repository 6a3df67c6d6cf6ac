"""The secret code of an appointment's personal link (issue 20, point 5).

Twelve characters of Crockford's base 32 in lower case (60 bits): short enough
for an SMS, too many to guess behind the manage pages' rate limit. Drawn at
random, never derived from the appointment's id or booking reference. Kept
apart from ``booking.links`` so that the model's default can name it.
"""

import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH = 12
# What a person copying a code may type for the same letters.
_TYPED = str.maketrans({"o": "0", "i": "1", "l": "1", "u": "v"})


def new_link_code() -> str:
    """A fresh random link code (the model's default)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The link code ``text`` stands for, or None if it cannot be one."""
    code = (text or "").strip().lower().translate(_TYPED)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code
