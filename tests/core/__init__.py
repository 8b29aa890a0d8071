"""Tests of the pure engine modules in zoomctl.core."""
