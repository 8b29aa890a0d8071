"""The online-meetings engine: no Typer here; takes a store (and a Zoom client), returns dataclasses."""
