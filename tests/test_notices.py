"""What the outbox stores of a notice comes back the same: any notice to JSON and back is equal."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.family import AbsenceCode
from domain.names import PersonName
from domain.notices import NoticeBody, body_from_json, body_to_json
from domain.text import Msg, Strong
from tests import strategies

ids = st.integers(min_value=1, max_value=2**31)
words = st.text(max_size=20)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    words,
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
    st.sampled_from(AbsenceCode),
    st.builds(PersonName, last=words, first=words, middle=words, short=st.booleans()),
)


def _msgs(values: st.SearchStrategy[object]) -> st.SearchStrategy[Msg]:
    params = st.lists(st.tuples(st.text(min_size=1, max_size=8), values), max_size=4)
    return st.builds(lambda key, ps: Msg(key, tuple(ps)), words, params)


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(Strong, inner),
        _msgs(inner),
        st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=12,
)
intents = strategies.intents(ids)
labels = st.one_of(words, _msgs(values))
bodies = st.builds(
    NoticeBody,
    lines=st.lists(_msgs(values), max_size=5).map(tuple),
    buttons=st.lists(
        st.lists(st.tuples(labels, intents), min_size=1, max_size=3).map(tuple), max_size=3
    ).map(tuple),
)


@given(bodies)
def test_any_notice_to_json_and_back_is_equal(body: NoticeBody) -> None:
    stored = json.loads(json.dumps(body_to_json(body)))  # as the database column keeps it
    assert body_from_json(stored) == body


def test_each_kind_of_value_keeps_its_kind() -> None:
    line = Msg(
        "{a}{b}{c}{d}{e}",
        (("a", Decimal("4.50")), ("b", dt.date(2026, 11, 16)), ("c", True), ("d", 1),
         ("e", AbsenceCode.ILL)),
    )  # fmt: skip
    [back] = body_from_json(json.loads(json.dumps(body_to_json(NoticeBody(lines=(line,)))))).lines
    assert [type(v) for _, v in back.params] == [Decimal, dt.date, bool, int, AbsenceCode]
    assert back == line
