"""Serve the site and run the django-q2 worker together (``make run``).

Ctrl-C stops both; if either stops on its own, the other is stopped too.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server and the task worker together."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options):
        manage = [sys.executable, "manage.py"]
        processes = [
            subprocess.Popen([*manage, "qcluster"]),  # noqa: S603 - our own command
            subprocess.Popen([*manage, "runserver", addr]),  # noqa: S603
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nBooking module: http://{addr}/\n"
                f"Agent and administration portal: http://{addr}/admin/\n"
                "Demo logins (password = username): admin, manager, agent\n"
                "Press Ctrl-C to stop the site and the worker.\n"
            )
        )
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
