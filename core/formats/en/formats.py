"""English for a Belgian commune: British formats (day first), code kept as "en".

Language codes are stored in two-letter fields (citizens, message templates), so
the interface keeps "en" and borrows en_GB's formats rather than switching code.
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403
