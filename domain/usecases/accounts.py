"""Joining by invitation, and knowing who is acting on every update."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import Forbidden, InvalidInput, NotFound
from domain.model import MESSENGER_NAMES
from domain.people import (
    INVITATION_DAYS,
    PUPIL_MIN_AGE,
    WRONG_CODE_WINDOW,
    Account,
    AccountLink,
    Actor,
    Invitation,
    PersonKind,
    hash_code,
    new_code,
)
from domain.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    kind: PersonKind
    person_id: int
    name: str
    code: str
    expires_at: dt.datetime
    detail: str = ""  # e.g. whose guardian


@dataclass(frozen=True, slots=True)
class EarlierInvitations:
    """What people already have before codes are issued again: who is connected to the bot,
    and whose link still works (with when the latest of them was issued)."""

    connected: frozenset[int]
    open: Mapping[int, dt.datetime]


async def earlier_invitations(
    uow: UnitOfWork, school_id: int, kind: PersonKind, person_ids: list[int], clock: Clock
) -> EarlierInvitations:
    """Asked before a class's cards are printed a second time: a second set of codes beside
    cards already handed out is a mistake more often than not."""
    now = clock.now()
    async with uow:
        connected = frozenset(
            [i for i in person_ids if await uow.accounts.accounts_of(school_id, kind, i)]
        )
        open_: dict[int, dt.datetime] = {}
        for invitation in await uow.accounts.invitations_of(school_id, kind, person_ids):
            if invitation.usable(now):
                latest = open_.get(invitation.person_id)
                if latest is None or invitation.created_at > latest:
                    open_[invitation.person_id] = invitation.created_at
    return EarlierInvitations(connected=connected, open=open_)


async def issue_invitations(
    uow: UnitOfWork,
    school_id: int,
    kind: PersonKind,
    person_ids: list[int],
    clock: Clock,
    days: int = INVITATION_DAYS,
    *,
    replace: bool = False,
) -> list[IssuedInvitation]:
    """Single-use codes for people of one school; pupils only from 14 years (read-only access).
    With `replace`, the links these people had that still worked stop working: new cards are
    printed because the old ones were lost or never handed out."""
    if not 1 <= days <= 90:
        raise InvalidInput("an invitation lasts from 1 to 90 days")
    now = clock.now()
    expires = now + dt.timedelta(days=days)
    issued: list[IssuedInvitation] = []
    async with uow:
        names: dict[int, tuple[str, str]] = {}
        if kind is PersonKind.STAFF:
            for s in await uow.people.staff(school_id, person_ids):
                assert s.id is not None
                names[s.id] = (s.full_name, "")
        elif kind is PersonKind.GUARDIAN:
            for gid in person_ids:
                guardian = await uow.people.guardian(school_id, gid)
                if guardian is not None:
                    children = await uow.people.children(school_id, gid)
                    detail = ", ".join(p.full_name for p in children)
                    names[gid] = (guardian.full_name, detail)
        else:
            today = now.date()
            for p in await uow.people.pupils(school_id, person_ids):
                age = p.age_on(today)
                if age is None or age < PUPIL_MIN_AGE:
                    raise Forbidden(
                        "pupils are invited from {age} years; "
                        "{name} is younger or has no birth date",
                        age=PUPIL_MIN_AGE,
                        name=p.full_name,
                    )
                assert p.id is not None
                names[p.id] = (p.full_name, "")
        missing = [i for i in person_ids if i not in names]
        if missing:
            raise NotFound("nobody with the id {value} in this school", value=missing[0])
        invitations = []
        for person_id in person_ids:
            code = new_code()
            invitations.append(
                Invitation(
                    id=None,
                    school_id=school_id,
                    code_hash=hash_code(code),
                    kind=kind,
                    person_id=person_id,
                    created_at=now,
                    expires_at=expires,
                )
            )
            name, detail = names[person_id]
            issued.append(
                IssuedInvitation(
                    kind=kind,
                    person_id=person_id,
                    name=name,
                    code=code,
                    expires_at=expires,
                    detail=detail,
                )
            )
        if replace:
            for earlier in await uow.accounts.invitations_of(school_id, kind, person_ids):
                if earlier.usable(now):
                    earlier.expires_at = now
                    await uow.accounts.update_invitation(earlier)
        await uow.accounts.add_invitations(invitations)
        await uow.commit()
    return issued


@dataclass(frozen=True, slots=True)
class MessengerUser:
    """Who wrote to the bot, as the messenger tells it."""

    messenger: str
    user_id: str
    chat_id: str
    language: str
    display_name: str = ""


class CodeRefused(Forbidden):
    """Wrong, used or expired: the same answer, so nobody learns which codes exist."""

    message = "this invitation code does not work; ask the school for a new one"


class CodeRefusedWait(CodeRefused):
    """Looked up and refused, and the account's next code waits: it is told how long."""

    message = (
        "this invitation code does not work; after so many wrong codes the next one is "
        "checked in {minutes} minutes"
    )


class CodeRefusedWaitSeconds(CodeRefusedWait):
    message = (
        "this invitation code does not work; after so many wrong codes the next one is "
        "checked in {seconds} seconds"
    )


class TooManyTries(Forbidden):
    """Not looked up: the account has to wait first (said honestly: after the wait it is)."""

    message = "too many wrong codes; try again in {minutes} minutes"


class TooManyTriesSeconds(TooManyTries):
    message = "too many wrong codes; try again in {seconds} seconds"


def _waiting(
    minutes: type[CodeRefusedWait] | type[TooManyTries],
    seconds: type[CodeRefusedWait] | type[TooManyTries],
    wait: dt.timedelta,
) -> Forbidden:
    """Seconds under two minutes, else whole minutes, rounded up so the wait said is enough."""
    whole = max(1, math.ceil(wait.total_seconds()))
    if whole < 120:
        return seconds(seconds=whole)
    return minutes(minutes=math.ceil(whole / 60))


async def redeem_invitation(uow: UnitOfWork, user: MessengerUser, code: str, clock: Clock) -> Actor:
    """Link the messenger account to the invited person; the code is spent.

    The throttle decides whether the code is looked up, never the other way round: a valid code
    from an account that is merely slowed down joins when its lookup comes (WrongCodeTally).
    The user's other updates wait for this one (hold_user), and its code is counted as wrong
    before the throttle is asked: a burst of codes sent at once gets exactly the lookups that
    the same codes sent one by one would. A code not looked up leaves no trace (rolled back); a
    valid one is taken back."""
    now = clock.now()
    after = now - WRONG_CODE_WINDOW
    async with uow:
        who = (user.messenger, user.user_id)
        await uow.accounts.hold_user(*who)
        attempt = await uow.accounts.add_wrong_code(*who, now)
        tally = await uow.accounts.wrong_code_tally(*who, after, attempt)
        if tally.account:  # the journal-wide count decides: count with no such lookup in flight
            await uow.accounts.hold_journal_wrong_codes()
            tally = await uow.accounts.wrong_code_tally(*who, after, attempt)
        wait = tally.wait(now)
        if wait is not None:
            raise _waiting(TooManyTries, TooManyTriesSeconds, wait)
        invitation = (
            await uow.accounts.invitation_by_hash(hash_code(code)) if len(code) <= 64 else None
        )
        if invitation is not None and invitation.used_at is not None:
            mine = await uow.accounts.by_user(user.messenger, user.user_id)
            if mine is not None and invitation.account_id == mine.id:
                return await resolve_actor(uow, user)  # their own link tapped again: rolled back
        if invitation is None or not invitation.usable(now):
            await uow.accounts.forget_wrong_codes(after)
            await uow.commit()
            wait = tally.after_another(now).wait(now)
            if wait is not None:
                raise _waiting(CodeRefusedWait, CodeRefusedWaitSeconds, wait)
            raise CodeRefused()
        await uow.accounts.take_back_wrong_code(attempt)
        school = await uow.schools.get(invitation.school_id)
        # The setting chooses among the messengers it names; one it does not (a test's
        # in-memory messenger, a new adapter not yet named there) is not held back by it.
        chosen = user.messenger in MESSENGER_NAMES
        if school is not None and chosen and user.messenger not in school.messengers:
            offered = ", ".join(MESSENGER_NAMES[n] for n in school.messengers)
            raise Forbidden(
                "this school does not use {messenger} for the journal; open the invitation in "
                "{offered}",
                messenger=MESSENGER_NAMES.get(user.messenger, user.messenger),
                offered=offered,
            )  # rolled back: the code stays usable, and is not counted as a wrong one
        account = await _account(uow, user, now)
        assert account.id is not None
        links = await uow.accounts.links(account.id)
        key = (invitation.school_id, invitation.kind, invitation.person_id)
        if key not in {(x.school_id, x.kind, x.person_id) for x in links}:
            await uow.accounts.add_link(
                AccountLink(
                    id=None,
                    account_id=account.id,
                    school_id=invitation.school_id,
                    kind=invitation.kind,
                    person_id=invitation.person_id,
                )
            )
        invitation.used_at = now
        invitation.account_id = account.id
        await uow.accounts.update_invitation(invitation)
        await uow.commit()
    return await resolve_actor(uow, user)


async def _account(uow: UnitOfWork, user: MessengerUser, now: dt.datetime) -> Account:
    """The user's account, made if new; callers hold the user first, or two taps make two."""
    account = await uow.accounts.by_user(user.messenger, user.user_id)
    if account is None:
        account = await uow.accounts.add(
            Account(
                id=None,
                messenger=user.messenger,
                user_id=user.user_id,
                chat_id=user.chat_id,
                language=user.language,
                display_name=user.display_name[:200],
                created_at=now,
            )
        )
    elif account.chat_id != user.chat_id:
        account.chat_id = user.chat_id
        await uow.accounts.update(account)
    return account


async def resolve_actor(uow: UnitOfWork, user: MessengerUser) -> Actor:
    """Everything about the person behind an update; a stranger gets an Actor with no school."""
    async with uow:
        account = await uow.accounts.by_user(user.messenger, user.user_id)
        if account is None:
            stranger = Account(
                id=None,
                messenger=user.messenger,
                user_id=user.user_id,
                chat_id=user.chat_id,
                language=user.language,
            )
            return Actor(account=stranger)
        actor = Actor(account=account)
        assert account.id is not None
        for link in await uow.accounts.links(account.id):
            if actor.school_id is None:
                actor.school_id = link.school_id
                school = await uow.schools.get(link.school_id)
                actor.timezone = school.timezone if school else None
            elif link.school_id != actor.school_id:
                continue  # one school at a time; a second school's link waits for a switcher
            if link.kind is PersonKind.STAFF:
                staff = await uow.people.staff(link.school_id, [link.person_id])
                actor.staff = staff[0] if staff else None
                actor.class_teacher_of = await uow.people.classes_of_class_teacher(
                    link.school_id, link.person_id
                )
            elif link.kind is PersonKind.GUARDIAN:
                actor.guardian = await uow.people.guardian(link.school_id, link.person_id)
                actor.children = await uow.people.children(link.school_id, link.person_id)
            else:
                pupils = await uow.people.pupils(link.school_id, [link.person_id])
                actor.pupil = pupils[0] if pupils else None
        return actor


async def set_language(uow: UnitOfWork, user: MessengerUser, language: str, clock: Clock) -> None:
    if language not in ("ru", "en"):
        raise InvalidInput("unknown language {value}", value=language)
    async with uow:
        await uow.accounts.hold_user(user.messenger, user.user_id)  # two taps make one account
        account = await _account(uow, user, clock.now())
        account.language = language
        await uow.accounts.update(account)
        await uow.commit()


async def note_reachable(uow: UnitOfWork, account: Account) -> None:
    """A user who wrote to the bot again has unblocked it: send to them again."""
    if account.id is None or account.unreachable_at is None:
        return
    async with uow:
        account.unreachable_at = None
        await uow.accounts.update(account)
        await uow.commit()
