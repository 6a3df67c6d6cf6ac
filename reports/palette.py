"""The colours of the statistics' series: one set for the screen, one for paper.

On screen (the page's charts) the colours are mid-tones that stand out on
white and on unfold's dark page alike; the cancelled and no-show bars also
carry a hatching, so that no series is told by its hue alone.

On paper (the PDF, often printed in grey) the bar series differ in lightness
— blue, light orange, dark red — which people with a colour vision deficiency
and grey printers tell apart; the period chart's lines also differ in their
dashes (citizens dotted, cancelled dashed).
"""

SCREEN = {
    "appointments": "#2563eb",
    "citizens": "#0d9488",
    "cancelled": "#d97706",
    "no_shows": "#dc2626",
    "occupancy": "#0d9488",
}

PAPER = {
    "appointments": "#2563eb",
    "citizens": "#0f766e",
    "cancelled": "#f59e0b",
    "no_shows": "#450a0a",
}

# The hatching of the screen's bars (plotly's marker.pattern.shape).
HATCHING = {"cancelled": "/", "no_shows": "x"}
