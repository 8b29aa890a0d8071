from __future__ import annotations

import pytest

from .listener import RunningListener


@pytest.fixture
def listener(isolated):
    running = RunningListener()
    yield running
    running.close()
