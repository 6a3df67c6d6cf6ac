"""Spreadsheet import and export of visit reasons and citizens (R25)."""

from import_export import fields

from booking.models import Citizen, VisitReason
from core.admin_base import AllOrNothingResource
from staffing.resources import ServiceBySlug
from staffing.scopes import may_manage_service


class VisitReasonResource(AllOrNothingResource):
    service = fields.Field(
        attribute="service", column_name="service", widget=ServiceBySlug()
    )

    class Meta:
        model = VisitReason
        import_id_fields = ("service", "name")
        fields = (
            "service",
            "name",
            "duration_minutes",
            "buffer_minutes",
            "online_bookable",
            "needs_confirmation",
            "screen_information",
            "message_information",
            "order",
            "is_active",
        )
        clean_model_instances = True

    def may_import(self, user, instance) -> bool:
        return may_manage_service(user, instance.service_id)


class CitizenResource(AllOrNothingResource):
    """Citizens: imported by administrators only (the base rule)."""

    class Meta:
        model = Citizen
        import_id_fields = ("last_name", "first_name", "email")
        fields = (
            "last_name",
            "first_name",
            "email",
            "phone",
            "language",
            "national_number",
            "birth_date",
            "address",
        )
        clean_model_instances = True
