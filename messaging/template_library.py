"""The only tags and filters a message template may use.

Message templates are edited in the admin, so they run in a separate template
engine (``messaging/rendering.py``) whose built-ins are this library: Django's
default filters and the harmless default tags. Left out: ``load`` (no other
library can be reached, so no custom tag can touch the database), ``include``
and ``extends`` (no template files), ``debug`` (it would print the context and
the loaded modules), ``csrf_token``, ``url`` and ``lorem``.
"""

from django import template
from django.template import defaultfilters, defaulttags

register = template.Library()

ALLOWED_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)

for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
register.filters.update(defaultfilters.register.filters)
