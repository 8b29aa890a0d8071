"""Helpers shared by the engine tests (imported relatively: ``from .helpers import …``)."""

from __future__ import annotations

from hypothesis import strategies as st

from zoomctl.core.templates_parse import VARIABLE_NAMES

# Texts full of brackets, variable names and line breaks: they reach every branch of the parser.
template_text = st.lists(
    st.one_of(
        st.sampled_from(["[", "]", "[[", "\n", " ", "_"]),
        st.sampled_from(VARIABLE_NAMES).map(lambda n: f"[{n}]"),
        st.sampled_from(VARIABLE_NAMES),
        st.text(max_size=8),
    ),
    max_size=30,
).map("".join)
