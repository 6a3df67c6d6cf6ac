from django.core.management.base import BaseCommand

from messaging.schedules import install_schedules


class Command(BaseCommand):
    help = "Create or update the recurring jobs declared in messaging/schedules.py."

    def handle(self, *args, **options):
        for name in install_schedules():
            self.stdout.write(f"schedule installed: {name}")
