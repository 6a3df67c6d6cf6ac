"""The JSON API (django-ninja): ``router`` holds the API and its endpoints,
mounted at ``/api/v1/`` by core/urls.py; ``schemas`` its inputs and outputs.

A room on top of booking's domain, like the public pages and the portal: it
calls the services and selectors, and the domain never imports it.
"""
