"""Colours that stay readable (WCAG 2.1, 1.4.3): contrast ratios and tints.

Pure functions on ``#rrggbb`` strings, shared by the public pages' theme (the
commune's colours) and the staff's agendas (agents' and statuses' colours).
"""

BLACK, WHITE = "#000000", "#ffffff"
# 1.4.3: 4.5:1 for normal text.
AA_TEXT = 4.5

# The text of the staff pages' events on their tints, in unfold's light and
# dark themes (Tailwind's gray-900 and gray-50), and the dark theme's page.
LIGHT_TEXT = "#111827"
DARK_TEXT = "#f9fafb"
DARK_PAGE = "#111827"


def rgb(colour: str) -> tuple[int, int, int]:
    """The red, green and blue of ``#rrggbb``; ValueError for anything else."""
    colour = colour.lstrip("#")
    if len(colour) != 6:
        raise ValueError(colour)
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def to_hex(channels: tuple[float, float, float]) -> str:
    """``#rrggbb`` of red, green and blue values (rounded, clamped to 0–255)."""
    return "#" + "".join(f"{max(0, min(255, round(value))):02x}" for value in channels)


def luminance(channels: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.1 definition)."""

    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #RRGGBB colours, from 1 to 21."""
    light, dark = sorted((luminance(rgb(first)), luminance(rgb(second))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, other: str, weight: float) -> str:
    """``colour`` moved ``weight`` (0 to 1) of the way towards ``other``."""
    start, end = rgb(colour), rgb(other)
    return to_hex(tuple(a + (b - a) * weight for a, b in zip(start, end, strict=True)))


def tint_for_text(colour: str, *, text: str, towards: str, weight: float) -> str:
    """``colour`` mixed ``weight`` towards ``towards`` (white for a light tint,
    the dark page for a dark one), mixed further until ``text`` reads on it."""
    for step in range(21):
        tint = mix(colour, towards, weight + (1 - weight) * step / 20)
        if contrast_ratio(tint, text) >= AA_TEXT:
            return tint
    return towards


def theme_tints(colour: str) -> dict[str, str]:
    """A colour as the background of text, in the light and the dark theme.

    The light tint carries dark text, the dark tint light text, both at 4.5:1
    at least whatever ``colour`` is (an agent may choose yellow or navy); the
    colour itself stays for the bar that marks the event.
    """
    return {
        "colour": colour,
        "light": tint_for_text(colour, text=LIGHT_TEXT, towards=WHITE, weight=0.8),
        "dark": tint_for_text(colour, text=DARK_TEXT, towards=DARK_PAGE, weight=0.6),
    }
