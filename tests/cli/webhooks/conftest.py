from __future__ import annotations

import pytest

from ..bookings.conftest import s2s_env, sandbox_options, sb, studio  # noqa: F401 - the same studio on a sandbox
from .listener import RunningListener


@pytest.fixture
def listener(isolated):
    running = RunningListener()
    yield running
    running.close()
