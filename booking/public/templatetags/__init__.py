"""The public pages' template tags.

Django looks for ``{% load %}`` libraries only in an installed app's
``templatetags`` package: ``booking/templatetags`` holds one line per library
pointing here.
"""
