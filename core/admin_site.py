"""The admin site: unfold's, plus the custom pages the apps register.

Agendas, phone booking and statistics are admin pages without a model; an app
registers them here (``site.register_view``) from its ``admin.py`` so that they
get the admin's login, permissions check and look.

The dashboard (the admin's home page, ``UNFOLD["DASHBOARD_CALLBACK"]``) shows
the blocks the apps register here (``site.register_dashboard_block``) from
their ``AppConfig.ready()``: the page names no app, and no app imports another
to put its figures on it.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class RendezVousAdminSite(UnfoldAdminSite):
    site_header = _("Rendez-vous communal")
    site_title = _("Rendez-vous communal")
    index_title = _("Dashboard")
    # unfold's, with "Sign in with <provider>" when single sign-on is on.
    login_template = "admin/accounts/login.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_views: list[tuple[str, Callable, str]] = []
        self._open_views: list[tuple[str, Callable, str]] = []
        self._dashboard_blocks: dict[str, Callable[[HttpRequest, dict], None]] = {}

    def register_view(self, route: str, view: Callable, name: str) -> None:
        """Serve ``view`` at /admin/<route>, named ``admin:<name>``, staff only."""
        self._extra_views.append((route, view, name))

    def register_open_view(self, route: str, view: Callable, name: str) -> None:
        """Serve ``view`` at /admin/<route>, named ``admin:<name>``, *without*
        the admin's login check: for the pages of someone who has no session
        yet ("forgot password", a link from an e-mail). The view checks its
        own key (a token) and keeps the admin's look and security headers."""
        self._open_views.append((route, view, name))

    def register_dashboard_block(
        self, name: str, block: Callable[[HttpRequest, dict], None]
    ) -> None:
        """Show ``block`` on the dashboard: called with the request and the
        page's context, it adds its keys (or its figures to ``summary``).
        Registering a name again replaces its block."""
        self._dashboard_blocks[name] = block

    def dashboard_blocks(self, request: HttpRequest, context: dict) -> dict:
        """Let every registered block add to the dashboard's context."""
        context.setdefault("summary", {})
        for block in self._dashboard_blocks.values():
            block(request, context)
        return context

    def has_permission(self, request) -> bool:
        """Staff, and past the second factor where one is needed (issue 23):
        a password alone opens no admin page for those who must use one."""
        if not super().has_permission(request):
            return False
        if not hasattr(request, "_needs_second_factor"):
            from .two_factor import needs_second_factor

            request._needs_second_factor = needs_second_factor(request.user)
        return not request._needs_second_factor

    def login(self, request, extra_context=None):
        """Django's login, then the second factor when the login needs one;
        its posts under their own rate limit (``RATE_LIMITS["login"]``)."""
        from .ratelimit import ratelimited

        limited = ratelimited("login", methods=("POST",))(self._login)
        return limited(request, extra_context)

    def _login(self, request, extra_context=None):
        from .sso import login_button
        from .two_factor import needs_second_factor

        if request.method != "POST" and needs_second_factor(request.user):
            return self._second_factor_redirect(request, request.GET.get("next"))
        extra_context = {**(extra_context or {}), "sso": login_button(request)}
        response = super().login(request, extra_context)
        if (
            request.method == "POST"
            and response.status_code == 302
            and needs_second_factor(request.user)
        ):
            return self._second_factor_redirect(request, response.url)
        return response

    def _second_factor_redirect(self, request, next_url):
        from urllib.parse import urlencode

        from django.shortcuts import redirect
        from django.urls import reverse

        from .inputs import safe_next_url

        request.GET = request.GET.copy()
        request.GET["next"] = next_url or ""
        target = safe_next_url(request, reverse("admin:index"))
        return redirect(reverse("admin:two_factor") + "?" + urlencode({"next": target}))

    def _get_account_links(self, request) -> list[dict]:
        """The user menu: unfold's "Change password", and one's own
        two-factor sign-in (``core.two_factor_views.two_factor_manage``)."""
        from django.urls import reverse

        links = super()._get_account_links(request)
        if links or not request.user.is_authenticated:
            return links
        if request.user.has_usable_password():
            links.append(
                {
                    "title": _("Change password"),
                    "link": reverse("admin:password_change"),
                }
            )
        links.append(
            {
                "title": _("Two-factor sign-in"),
                "link": reverse("admin:two_factor_manage"),
            }
        )
        # One's own language (issue 19, point 4: core/staff_language.py).
        links.append({"title": _("Language"), "link": reverse("admin:own_language")})
        return links

    def get_urls(self):
        extra = [
            path(route, self.admin_view(view), name=name)
            for route, view, name in self._extra_views
        ]
        open_views = [
            path(route, view, name=name) for route, view, name in self._open_views
        ]
        return open_views + extra + super().get_urls()


def environment_callback(request) -> list[str] | None:
    """Label development instances so nobody mistakes them for production."""
    if settings.DEBUG:
        return [str(_("Development")), "warning"]
    return None
