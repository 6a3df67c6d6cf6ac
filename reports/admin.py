"""The statistics pages, registered on the admin site (login, look, sidebar)."""

from django.contrib import admin

from .views import statistics, statistics_export

admin.site.register_view("statistics/", statistics, name="reports_statistics")
admin.site.register_view(
    "statistics/export/<str:fmt>/", statistics_export, name="reports_statistics_export"
)
