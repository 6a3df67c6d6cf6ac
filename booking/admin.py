"""Django's admin looks for ``booking.admin``: the staff's admins and pages are
the portal's (``booking/portal/admin.py``), registered when this imports it."""

from booking.portal import admin as portal_admin

__all__ = ["portal_admin"]
