"""Hypothesis strategies more than one test draws from."""

from __future__ import annotations

from hypothesis import strategies as st

from domain.family import AbsenceCode
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    Intent,
    OpenRemark,
    RemindTeacher,
    SetAbsenceReason,
)


def intents(ids: st.SearchStrategy[int]) -> st.SearchStrategy[Intent]:
    """Every kind of intent, its ids drawn from `ids`, its days from the whole calendar."""
    return st.one_of(
        st.builds(AcknowledgeTermMarks, ids),
        st.builds(ContactClassTeacher, ids),
        st.builds(RemindTeacher, ids),
        st.builds(OpenRemark, ids),
        st.builds(
            SetAbsenceReason,
            class_id=ids,
            day=st.dates(),
            pupil_id=ids,
            reason=st.none() | st.sampled_from(AbsenceCode),
        ),
    )
