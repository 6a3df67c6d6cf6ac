"""The citizen's pages: the booking wizard, the manage pages reached by the
personal link, the embedded module, the commune's theme and the privacy notice.

A room on top of booking's domain: it calls the services and selectors, and
the domain never imports it (``make lint`` checks it).
"""
