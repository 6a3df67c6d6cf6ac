"""The staff's pages, inside the admin: the ModelAdmins of citizens, reasons and
appointments, agendas and the day list, phone and desk booking, unavailability,
redistribution, the availability editor, the admins of the rows that decide
availability (``staffing_admin``), imports (``resources``) and calendar feeds.

A room on top of booking's domain: it calls the services and selectors, and
the domain never imports it (``make lint`` checks it). ``booking/admin.py``,
where Django's admin looks, only imports ``booking.portal.admin``.

The sidebar (``UNFOLD["SIDEBAR"]``) names its permission callbacks
``booking.portal.<name>``: they are re-exported here so that path stays.
"""

from .agenda import has_agenda
from .arrivals import may_use_desk
from .phone import may_book
from .redistribution import may_redistribute
from .unavailability import may_enter_unavailability

__all__ = [
    "has_agenda",
    "may_book",
    "may_enter_unavailability",
    "may_redistribute",
    "may_use_desk",
]
