"""The public privacy notice (GDPR, articles 13 and 14): who processes the
citizens' data, why, for how long, and how to exercise one's rights."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staffing.models import Service

from .embed import public_page


@require_GET
@public_page
def privacy_notice(request):
    """The notice, with the retention periods actually configured."""
    services = Service.objects.active().order_by("name")
    return render(
        request,
        "booking/privacy.html",
        {
            "embed": request.embed,
            "citizen_months": settings.CITIZEN_RETENTION_MONTHS,
            "history_months": settings.HISTORY_RETENTION_MONTHS,
            "national_number_services": [
                service for service in services if service.requires_national_number
            ],
            "extra_detail_services": [
                service
                for service in services
                if service.requires_birth_date or service.requires_address
            ],
        },
    )
