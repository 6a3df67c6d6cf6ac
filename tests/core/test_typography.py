"""French typography and English formats on the public pages (issue 19, point 5)."""

from datetime import date, time

import pytest
from django.utils import translation
from django.utils.formats import date_format, time_format

from core.typography import NBSP, french_spacing


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<span>Service:</span> <b>Population</b>", f"<span>Service{NBSP}:</span>"),
        ("<dt>Motif :</dt>", f"<dt>Motif{NBSP}:</dt>"),
        ("<p>Prix : 25,70 €.</p>", f"<p>Prix{NBSP}: 25,70 €.</p>"),
        ("<p>Vraiment ? Oui ! Et ; ceci</p>", f"Vraiment{NBSP}? Oui{NBSP}! Et{NBSP};"),
        ("<p>Pourquoi?</p>", f"<p>Pourquoi{NBSP}?</p>"),
    ],
)
def test_a_non_breaking_space_goes_before_the_high_signs(html, expected):
    assert expected in french_spacing(html)


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://www.commune.be/a?b=1">https://www.commune.be</a>',
        "<p>10:30 – 10:50</p>",
        "<p>Tom &amp; Jerry</p>",
        '<input value="a : b" title="x : y">',
        "<textarea>Je viens : avec ma fille</textarea>",
    ],
)
def test_tags_attributes_times_links_and_typed_text_are_left_alone(html):
    assert french_spacing(html) == html


def test_the_text_after_a_textarea_is_spaced_again():
    html = "<textarea>a : b</textarea><p>c : d</p>"
    assert french_spacing(html) == f"<textarea>a : b</textarea><p>c{NBSP}: d</p>"


def test_english_keeps_its_code_with_british_formats():
    with translation.override("en"):
        assert date_format(date(2026, 12, 3), "DATE_FORMAT") == "3 December 2026"
        assert time_format(time(16, 30), "TIME_FORMAT") == "16:30"
        assert time_format(time(9, 0), "TIME_FORMAT") == "09:00"
