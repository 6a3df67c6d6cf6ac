"""Serve plotly.js from the installed plotly package, as a static file.

The statistics page draws its charts with the plotly.js that ships inside the
Python package (``plotly/package_data/plotly.min.js``), so the JavaScript
always matches the Python figures and nothing loads from a CDN. This finder
exposes that one file as ``vendor/plotly/plotly.min.js``: ``runserver`` and
WhiteNoise (in DEBUG) find it directly, ``collectstatic`` copies it.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor/plotly"
FILE_NAME = "plotly.min.js"
STATIC_PATH = f"{PREFIX}/{FILE_NAME}"


def package_data() -> Path:
    """The folder of the installed plotly package that holds plotly.min.js."""
    return Path(plotly.__file__).resolve().parent / "package_data"


class PlotlyFinder(BaseFinder):
    """A static files finder for the single file ``vendor/plotly/plotly.min.js``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=package_data())
        # collectstatic writes ``prefix/name`` for the names list() yields.
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        """The file's absolute path when asked for vendor/plotly/plotly.min.js."""
        if path != STATIC_PATH:
            return [] if find_all else None
        match = str(package_data() / FILE_NAME)
        return [match] if find_all else match

    def list(self, ignore_patterns):
        """The one file, for collectstatic."""
        yield FILE_NAME, self.storage
