"""Adaptive pacing against the sandbox's per-plan limits: with no `--rate`, zoomctl starts from
Pro's documented rates, learns the account's real limit from X-RateLimit-Limit when Zoom sends
it, and backs off on 429s when it does not: every booking gets exactly one meeting."""

from __future__ import annotations

import pytest
from support import sandbox_meetings

from zoomctl.sandbox import SandboxOptions

pytestmark = pytest.mark.timeout(90)
FREE = {"Light": 4, "Medium": 2, "Heavy": 1}
COUNT = 12


@pytest.fixture(params=[True, False], ids=["with-headers", "without-headers"])
def sandbox_options(request) -> SandboxOptions:
    return SandboxOptions(users=5, rate_limits=dict(FREE), rate_limit_headers=request.param)


def test_a_free_plan_s_limits_are_found_and_kept(zc, studio, sb, sandbox_options):
    sb.reset_stats()
    res = zc("bookings", "create", "--test", "--count", str(COUNT), "--service", "Private lesson", "--json")
    assert res.exit_code == 0, res.stderr
    made = res.json()
    assert len(made) == COUNT and {b["meeting"]["status"] for b in made} == {"created"}
    assert len({b["meeting"]["zoom_meeting_id"] for b in made}) == COUNT
    assert len(sandbox_meetings(sb)) == COUNT  # no duplicate from a retried 429
    refused = sb.throttled().get("Light", 0)
    creates = sb.stats()["meetingCreate"]
    assert creates == COUNT + refused  # each refusal was sent again once, nothing more
    if sandbox_options.rate_limit_headers:
        assert refused <= 3, f"{refused} 429s although the first answer named the limit"
    else:
        assert refused >= 1  # Pro's rate meets a Free account: it was slowed by the 429s


def test_the_rate_option_stays_a_ceiling(zc, studio, sb):
    """`--rate 1.5` where the account allows 4 a second: no 429, and no second of the sandbox's
    clock saw more than 2 creates (paced to the account's limit it would see 3 or 4)."""
    sb.reset_stats()
    res = zc("bookings", "create", "--test", "--count", "6", "--service", "Private lesson", "--rate", "1.5", "--json")
    assert res.exit_code == 0, res.stderr
    assert sb.throttled() == {}
    assert len(sandbox_meetings(sb)) == 6
    assert 1 <= sb.limiter.peak("Light") <= 2


def test_unpaced_the_sandbox_would_see_more_than_the_ceiling(zc, studio, sb):
    """The check above can fail: without the ceiling the same run fills the account's seconds."""
    sb.reset_stats()
    res = zc("bookings", "create", "--test", "--count", "8", "--service", "Private lesson", "--json")
    assert res.exit_code == 0, res.stderr
    assert sb.limiter.peak("Light") >= 3
