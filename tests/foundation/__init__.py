"""Tests of the foundation: workspace store, config and profiles, catalog commands, output conventions."""
