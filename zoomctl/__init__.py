"""zoomctl: online video meetings via Zoom for a booking business."""

from __future__ import annotations


def version() -> str:
    """The installed package version (from the package metadata)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version("zoomctl")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
