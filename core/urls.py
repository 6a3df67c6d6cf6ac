"""URLs: the admin (agents and administrators) and the public booking module."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from booking.api.router import api
from booking.portal.feeds import agent_feed
from booking.public.theme import theme_stylesheet

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),  # JSON API; docs at /api/v1/docs
    # An agent's private agenda feed (iCalendar): the token is the key.
    path("feeds/agent/<str:token>.ics", agent_feed, name="agent_feed"),
    # The commune's colours and extra CSS of the public pages (booking/public/theme.py)
    path("theme.css", theme_stylesheet, name="theme_css"),
    # The public module framed by the commune's site: same views, no header.
    path("embed/", include("booking.public.urls", namespace="embed")),
    path("", include("booking.public.urls")),
]

# Error pages in the user's language, saying what was refused (core/views.py).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
