"""Counts told with real plurals, never "confié(s)" (issue 19, point 5)."""

from django.utils import translation

from booking.portal.counts import outcome_counts


def test_each_count_takes_its_own_plural():
    with translation.override("en"):
        assert outcome_counts(reassigned=1, cancelled=2, kept=3) == (
            "1 handed to a colleague, 2 cancelled, 3 kept"
        )
    with translation.override("fr"):
        one = outcome_counts(reassigned=1, cancelled=1)
        many = outcome_counts(reassigned=3, cancelled=2)
    assert one == "1 confié à un collègue, 1 annulé"
    assert many == "3 confiés à des collègues, 2 annulés"
    assert "(s)" not in one + many
