"""English for a Belgian commune: British formats (day first), code kept as "en".

Language codes are stored in two-letter fields (citizens, message templates), so
the interface keeps "en" and borrows en_GB's formats rather than switching code.
Times are written on the 24-hour clock and months in full ("3 December 2026",
"16:30"), as a Belgian reader expects: en_GB's "4:30 p.m." made the time buttons
uneven (issue 19, point 5).
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # '3 December 2026'
TIME_FORMAT = "H:i"  # '16:30'
DATETIME_FORMAT = "j F Y, H:i"  # '3 December 2026, 16:30'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '03/12/2026 16:30'
