"""The public accessibility statement (EU directive 2016/2102, EN 301 549).

Public-sector sites publish one: how far the site conforms, what is known not
to, whom to tell, and where to complain when the answer does not satisfy. The
administrator writes the commune's in each language (``Commune.
accessibility_statement``); until then the module's own statement is shown,
true of the module as shipped (issue 19, point 7).
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .embed import public_page


@require_GET
@public_page
def accessibility_statement(request):
    """The commune's statement in the citizen's language, or the default one."""
    return render(request, "booking/accessibility.html", {"embed": request.embed})
