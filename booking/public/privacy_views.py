"""The public privacy notice (GDPR, articles 13 and 14): who processes the
citizens' data, why, for how long, and how to exercise one's rights."""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from booking.citizen_rules import service_asks
from booking.models import VisitReason
from staffing.models import Service

from .embed import public_page


@require_GET
@public_page
def privacy_notice(request):
    """The notice, with the retention periods actually configured."""
    # Each service with the reasons a citizen can book: they may ask more
    # (or less) than the service (issue 20, point 3).
    services = (
        Service.objects.active()
        .order_by("name")
        .prefetch_related(
            Prefetch("reasons", queryset=VisitReason.objects.filter(is_active=True))
        )
    )
    return render(
        request,
        "booking/privacy.html",
        {
            "embed": request.embed,
            "citizen_months": settings.CITIZEN_RETENTION_MONTHS,
            "history_months": settings.HISTORY_RETENTION_MONTHS,
            "national_number_services": [
                service
                for service in services
                if service_asks(service, service.reasons.all(), "national_number")
            ],
            "extra_detail_services": [
                service
                for service in services
                if service_asks(service, service.reasons.all(), "birth_date")
                or service_asks(service, service.reasons.all(), "address")
            ],
        },
    )
