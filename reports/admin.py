from django.contrib import admin

from .views import statistics

admin.site.register_view("statistics/", statistics, name="reports_statistics")
