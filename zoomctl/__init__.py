"""zoomctl: online video meetings via Zoom for a booking business."""

from __future__ import annotations

#: The package version; pyproject.toml reads it from here (setuptools dynamic version).
__version__ = "0.1.0"


def version() -> str:
    """The version of this package (a constant: no package metadata to read at start-up)."""
    return __version__
