"""Subgroups of a class for a subject, and which pupils are in each."""

from __future__ import annotations

from domain.importing import ValidatedImport, class_key, fold
from domain.model import Subgroup
from domain.usecases.import_apply.merge import stored_id
from domain.usecases.import_apply.state import ApplyState


async def apply_groups(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming: dict[tuple[int, int, str], Subgroup] = {}
    for r in v.groups:
        class_id = a.classes[class_key(r.class_name)].id
        subject_id = a.subjects[fold(r.subject)].id
        assert class_id is not None and subject_id is not None
        incoming.setdefault(
            (class_id, subject_id, fold(r.group)),
            Subgroup(
                id=None, school_id=sid, class_id=class_id, subject_id=subject_id, name=r.group
            ),
        )
    stored = await a.store(
        "groups",
        a.snap.subgroups,
        list(incoming.values()),
        lambda s: (s.class_id, s.subject_id, fold(s.name)),
    )
    a.subgroups = dict(stored)
    # A pupil is in one group of a subject: joining one leaves the others.
    group_of = {s.id: (s.class_id, s.subject_id) for s in a.subgroups.values()}
    current: dict[tuple[int, int, int], int] = {}
    for subgroup_id, pupil_id in a.snap.subgroup_members:
        if subgroup_id in group_of:
            current[(*group_of[subgroup_id], pupil_id)] = subgroup_id
    adds: list[tuple[int, int]] = []
    removes: list[tuple[int, int]] = []
    for r in v.groups:
        class_id = stored_id(a.classes[class_key(r.class_name)])
        subject_id = stored_id(a.subjects[fold(r.subject)])
        group_id = stored_id(a.subgroups[(class_id, subject_id, fold(r.group))])
        pupil_id = stored_id(a.pupils[r.student_id])
        key = (class_id, subject_id, pupil_id)
        was = current.get(key)
        if was == group_id:
            continue
        if was is not None:
            removes.append((was, pupil_id))
        adds.append((group_id, pupil_id))
        current[key] = group_id
    if removes:
        await a.directory.remove_subgroup_members(removes)
    if adds:
        await a.directory.add_subgroup_members(a.school_id, adds)
