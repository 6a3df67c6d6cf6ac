"""Spreadsheet import and export of visit reasons and citizens (R25)."""

from import_export import fields

from booking.models import Citizen, VisitReason
from core.admin_base import AllOrNothingResource
from core.admin_translation import TranslatedColumnsMixin, with_languages
from core.languages import main_language
from staffing.resources import ServiceBySlug
from staffing.scopes import may_manage_service


class VisitReasonResource(TranslatedColumnsMixin, AllOrNothingResource):
    translated_fields = ("name", "screen_information", "message_information")

    service = fields.Field(
        attribute="service", column_name="service", widget=ServiceBySlug()
    )

    class Meta:
        model = VisitReason
        # A reason is known by its name in the main language (get_import_id_fields).
        import_id_fields = ("service", "name_fr")
        fields = (
            *with_languages(("service", "name"), ("name",)),
            "duration_minutes",
            "buffer_minutes",
            "max_people",
            "minutes_per_extra_person",
            "online_bookable",
            "needs_confirmation",
            *with_languages(
                ("screen_information", "message_information"),
                ("screen_information", "message_information"),
            ),
            "order",
            "is_active",
            # Issue 20, point 3: empty follows the service.
            "national_number_rule",
            "no_national_number_allowed",
            "birth_date_rule",
            "address_rule",
        )
        clean_model_instances = True

    def get_import_id_fields(self):
        return ("service", f"name_{main_language()}")

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
