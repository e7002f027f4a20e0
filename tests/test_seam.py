"""The seam between the core and a messenger: a second messenger, written only here (an
in-memory renderer and gateway), gets a digest and the term marks with their acknowledgement
intent rendered its own way, while the same guardian's Telegram account gets Telegram's
rendering, through the same outbox and the same sender."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.render import TelegramRenderer
from domain.clock import FixedClock
from domain.delivery import OutboxMessage, RateLimiter, SendOutcome, SendResult
from domain.intents import AcknowledgeTermMarks, Intent
from domain.notices import NoticeBody
from domain.people import Actor, PersonKind
from domain.text import Msg, Strong
from domain.usecases import diary, teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.family_jobs import Digest, TermMarksNotice
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school
from domain.usecases.term_marks import set_term_mark
from locales import Translator, translator
from scheduler.sender import Sender
from storage import models as m
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")
MEMO = "memo"  # the test's messenger


def memo_text(t: Translator, line: Msg) -> str:
    """The memo messenger's markup: emphasis between asterisks, nothing escaped."""
    values: dict[str, object] = {}
    for key, value in line.params:
        if isinstance(value, Strong):
            values[key] = f"*{value.value}*"
        elif isinstance(value, Msg):
            values[key] = memo_text(t, value)
        else:
            values[key] = value
    return t(line.msgid, **values)


def memo_payload(intent: Intent) -> str:
    return "/".join(["memo", type(intent).__name__, *map(str, dataclasses.astuple(intent))])


class MemoRenderer:
    def render(self, notice: NoticeBody, language: str) -> str:
        t = translator(language)
        return "\n".join(memo_text(t, line) for line in notice.lines)

    def render_buttons(self, notice: NoticeBody, language: str) -> list[list[dict[str, str]]]:
        t = translator(language)
        return [
            [
                {
                    "text": label if isinstance(label, str) else memo_text(t, label),
                    "data": memo_payload(intent),
                }
                for label, intent in row
            ]
            for row in notice.buttons
        ]


class Recording:
    """A gateway that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    async def send(self, message: OutboxMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(SendOutcome.SENT)


async def test_a_second_messenger_gets_its_own_rendering_through_the_same_outbox(
    make_uow,
) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK))
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
        seven = (await uow.people.class_by_name(school.id, "7А")).id
    ids = {p.external_id: p.id for p in snap.pupils}
    ids |= {x.external_id: x.id for x in snap.staff}
    ids |= {g.external_id: g.id for g in snap.guardians}
    maths = next(x.id for x in snap.subjects if x.name == "Математика")

    async def join(kind: PersonKind, person: int, user: MessengerUser) -> Actor:
        [issued] = await issue_invitations(make_uow(), school.id, kind, [person], clock)
        return await redeem_invitation(make_uow(), user, issued.code, clock)

    teacher = await join(
        PersonKind.STAFF,
        ids["T1"],
        MessengerUser(messenger="telegram", user_id="1", chat_id="1", language="ru"),
    )
    # The mother (GF) in both messengers.
    await join(
        PersonKind.GUARDIAN,
        ids["GF"],
        MessengerUser(messenger="telegram", user_id="2", chat_id="2", language="ru"),
    )
    await join(
        PersonKind.GUARDIAN,
        ids["GF"],
        MessengerUser(messenger=MEMO, user_id="m2", chat_id="m2", language="ru"),
    )
    # A term mark is acknowledged once per guardian, its notice sent to each of the guardian's
    # accounts: A10's other guardian is on the memo messenger only.
    father = await join(
        PersonKind.GUARDIAN,
        ids["GA10"],
        MessengerUser(messenger=MEMO, user_id="m4", chat_id="m4", language="ru"),
    )
    views = await teaching.todays_lessons(make_uow(), teacher, clock)
    first = next(v.lesson.id for v in views if v.lesson.lesson_number == 1)
    await teaching.put_mark(make_uow(), teacher, first, ids["A10"], "oral", "4", clock)

    clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    await run_due_jobs(make_uow, clock, (Digest(),))
    clock.moment = dt.datetime(2026, 12, 25, 10, 0, tzinfo=MSK)
    await set_term_mark(make_uow(), teacher, seven, maths, ids["A10"], "5", clock)
    clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
    await run_due_jobs(make_uow, clock, (TermMarksNotice(),))
    # Queued, not yet sent: the father now reads the journal in English. What he is sent is
    # rendered when it is sent, so in English; the mother's stays Russian.
    async with make_uow() as uow:
        await uow.session.execute(
            update(m.AccountRow).where(m.AccountRow.user_id == "m4").values(language="en")
        )
        await uow.commit()

    telegram, memo = Recording(), Recording()
    free = {name: RateLimiter(per_second=0, per_chat_interval=0) for name in ("telegram", MEMO)}
    sender = Sender(
        make_uow,
        {"telegram": telegram, MEMO: memo},
        clock,
        renderers={"telegram": TelegramRenderer(), MEMO: MemoRenderer()},
        limiters=free,
    )
    while await sender.run_once():
        pass

    assert {x.chat_id for x in memo.sent} == {"m2", "m4"}
    assert "2" in {x.chat_id for x in telegram.sent}
    assert all(x.messenger == "telegram" for x in telegram.sent)
    by_kind = {x.kind: x for x in memo.sent if x.chat_id == "m4"}
    tg = {x.kind: x for x in telegram.sent if x.chat_id == "2"}
    # The digest: emphasis the memo way, bold the Telegram way.
    memo_digest = next(x for x in memo.sent if x.kind == "digest" and "7А" in x.text)
    tg_digest = next(x for x in telegram.sent if x.kind == "digest" and "7А" in x.text)
    assert "*Лебедев Вера*, 7А" in memo_digest.text and "<b>" not in memo_digest.text
    assert "<b>Лебедев Вера</b>, 7А" in tg_digest.text
    # The term marks: the same intent, each messenger's payload.
    [[memo_button]] = by_kind["term_marks"].buttons
    [[tg_button]] = tg["term_marks"].buttons
    assert memo_button["text"] == "✅ I have seen them"  # the father's language when sent
    assert tg_button["text"] == "✅ Ознакомлен(а)"
    assert "Please confirm" in by_kind["term_marks"].text
    assert tg_button["data"].startswith("ack:")
    kind, name, ack_id = memo_button["data"].split("/")
    assert (kind, name) == ("memo", AcknowledgeTermMarks.__name__)
    assert memo_button["data"] == memo_payload(AcknowledgeTermMarks(int(ack_id)))
    # The intent acts the same whichever messenger it came through.
    ack = await diary.acknowledge_term_marks(make_uow(), father, int(ack_id), clock)
    assert ack.acknowledged_at == clock.now()
