"""Phone numbers as people read them (issue 21, point 3)."""

import pytest
from phonenumber_field.phonenumber import to_python

from core.phones import phone_display


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+32470123456", "0470 12 34 56"),
        ("+3281234500", "081 23 45 00"),
        ("+447911123456", "+44 7911 123456"),
        ("+33612345678", "+33 6 12 34 56 78"),
        ("+31612345678", "+31 6 12345678"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_belgian_numbers_are_national_the_others_international(stored, shown):
    assert phone_display(stored) == shown


def test_a_phone_number_field_value_reads_the_same():
    assert phone_display(to_python("+447911123456")) == "+44 7911 123456"
    assert phone_display(None) == ""
