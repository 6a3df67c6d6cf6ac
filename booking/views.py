"""The citizen's public booking module (R1–R11)."""

from django.shortcuts import render

from staffing.models import Service


def home(request):
    """The first page: the services that take appointments online."""
    services = Service.objects.active()
    embed = request.GET.get("embed") == "1"
    return render(request, "booking/home.html", {"services": services, "embed": embed})
