"""Copy the front-end libraries installed by npm into static/vendor/.

They are served from our own static files, never from a CDN. The list below is
the whole set: add a line when a page needs another file.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

FILES = {
    "fullcalendar/index.global.min.js": "fullcalendar/index.global.min.js",
    "fullcalendar/LICENSE.md": "fullcalendar/LICENSE.md",
    "@fullcalendar/core/locales-all.global.min.js": "fullcalendar/locales-all.min.js",
    # The statistics' charts: plotly.js's bundle of bar and scatter traces, the
    # version the Python plotly package builds its figures for (tested).
    "plotly.js-basic-dist-min/plotly-basic.min.js": "plotly/plotly-basic.min.js",
    "plotly.js-basic-dist-min/LICENSE": "plotly/LICENSE",
}


def main() -> int:
    """Copy each file when its source is newer; fail clearly if npm did not run."""
    missing = [source for source in FILES if not (NODE_MODULES / source).exists()]
    if missing:
        print(f"missing in node_modules/ (run `npm ci`): {', '.join(missing)}")
        return 1
    for source, target in FILES.items():
        source_path, target_path = NODE_MODULES / source, VENDOR / target
        if (
            target_path.exists()
            and target_path.stat().st_mtime >= source_path.stat().st_mtime
        ):
            continue
        target_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_path, target_path)
        print(f"vendored {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
