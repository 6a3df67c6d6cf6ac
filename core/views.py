"""The error pages: a 400, 403 or 404 that says what is wrong, in the user's language.

Django's own pages are English only ("Bad Request (400)", "Not Found") and a
400 never says which value was refused. These handlers (``handler400``,
``handler403`` and ``handler404`` in core/urls.py) answer JSON to the JSON
endpoints, the admin's look to staff in the admin, and the public module's look
to everyone else.
``core.inputs.InvalidInput`` carries the message shown.
"""

from django.contrib import admin
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .inputs import InvalidInput


def _wants_json(request) -> bool:
    path = request.path
    accept = request.headers.get("Accept", "")
    return (
        path.startswith("/api/")
        or path.endswith(".json")
        or ("application/json" in accept and "text/html" not in accept)
    )


def _in_admin(request) -> bool:
    user = getattr(request, "user", None)
    return (
        request.path.startswith("/admin/")
        and user is not None
        and user.is_active
        and user.is_staff
    )


def _error_page(request, *, status: int, title: str, message: str):
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    if _in_admin(request):
        context = {**admin.site.each_context(request), "title": title}
        template = "admin/error.html"
    else:
        context = {"embed": getattr(request, "embed", False), "title": title}
        template = "booking/not_found.html"
    context["message"] = message
    response = TemplateResponse(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response.render()


def bad_request(request, exception=None):
    """A value of the request cannot be read (``InvalidInput`` says which)."""
    if isinstance(exception, InvalidInput):
        message = str(exception.message)
    else:
        message = _("The request is not valid.")
    return _error_page(request, status=400, title=_("Invalid request"), message=message)


def page_not_found(request, exception=None):
    """No such page, or none the user may see."""
    return _error_page(
        request,
        status=404,
        title=_("Page not found"),
        message=_("This page does not exist, or you may not see it."),
    )


def permission_denied(request, exception=None):
    """A page or button the user may not use (Django's is a bare English 403)."""
    return _error_page(
        request,
        status=403,
        title=_("Not allowed"),
        message=_(
            "You may not do this here. Ask your service's manager if you should."
        ),
    )
