"""Counts of appointments told in words, with real plurals (issue 19, point 5).

"3 rendez-vous confié(s)" reads badly in every language: each count gets its
own ``ngettext`` phrase, and the sentence joins the phrases.
"""

from django.utils.translation import ngettext


def outcome_counts(*, reassigned: int, cancelled: int, kept: int | None = None) -> str:
    """ "2 handed to colleagues, 1 cancelled[, 3 kept]" in the active language."""
    phrases = [
        ngettext(
            "%(counter)s handed to a colleague",
            "%(counter)s handed to colleagues",
            reassigned,
        )
        % {"counter": reassigned},
        ngettext("%(counter)s cancelled", "%(counter)s cancelled", cancelled)
        % {"counter": cancelled},
    ]
    if kept is not None:
        phrases.append(
            ngettext("%(counter)s kept", "%(counter)s kept", kept) % {"counter": kept}
        )
    return ", ".join(phrases)


def people_text(people: int) -> str:
    """ "3 people": how many come together to one appointment (issue 25)."""
    return ngettext("%(counter)s person", "%(counter)s people", people) % {
        "counter": people
    }
