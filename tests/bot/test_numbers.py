"""Numbers people read (means, percentages) are written as their language writes them."""

from __future__ import annotations

import datetime as dt
import re

from tests.bot.conftest import MSK, Harness


async def test_the_deputys_percentages_have_a_decimal_comma_in_russian(harness: Harness) -> None:
    """Issue 16.9: «заполнено в срок 0,0%», never «0.0%», on the control screen."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 17, 9, 30, tzinfo=MSK)
    await h.teacher()
    deputy = await h.teacher("T2", user_id=5002)
    await deputy.press("Контроль")
    text = deputy.screen().text
    assert re.search(r"\d,\d%", text), text
    assert not re.search(r"\d\.\d%", text), text
