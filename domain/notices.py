"""What a notice says, as the outbox stores it: its lines (message keys and values) and its
buttons (labels and intents), to JSON and back. It is rendered when it is sent, in the
recipient's language, by the renderer of the recipient's messenger."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.family import AbsenceCode
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    Intent,
    OpenRemark,
    RemindTeacher,
    SetAbsenceReason,
)
from domain.names import PersonName
from domain.text import Label, Msg, Strong

INTENTS: dict[str, type[Intent]] = {
    kind.__name__: kind
    for kind in (
        AcknowledgeTermMarks,
        ContactClassTeacher,
        RemindTeacher,
        OpenRemark,
        SetAbsenceReason,
    )
}

Buttons = tuple[tuple[tuple[Label, Intent], ...], ...]


@dataclass(frozen=True, slots=True)
class NoticeBody:
    """A notice's words and buttons, in no language yet."""

    lines: tuple[Msg, ...]
    buttons: Buttons = field(default=())


def value_to_json(value: object) -> Any:
    """One value of a message as JSON: a str or an int as itself, the rest tagged. A value of
    another kind is kept as its text, which is what every renderer shows of it."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return {"bool": value}
    if kind is float:
        return {"float": value}
    if kind is Decimal:
        return {"decimal": str(value)}
    if kind is dt.date:
        assert isinstance(value, dt.date)
        return {"date": value.isoformat()}
    if kind is AbsenceCode:
        assert isinstance(value, AbsenceCode)
        return {"absence": value.value}
    if isinstance(value, Strong):
        return {"strong": value_to_json(value.value)}
    if isinstance(value, PersonName):
        return {"name": [value.last, value.first, value.middle, value.short]}
    if isinstance(value, Msg):
        return msg_to_json(value)
    if isinstance(value, tuple):
        return {"tuple": [value_to_json(v) for v in value]}
    return str(value)


def value_from_json(data: Any) -> object:
    if not isinstance(data, dict):
        return data
    if "msgid" in data:
        return msg_from_json(data)
    [(tag, value)] = data.items()
    if tag == "bool":
        return bool(value)
    if tag == "float":
        return float(value)
    if tag == "decimal":
        return Decimal(value)
    if tag == "date":
        return dt.date.fromisoformat(value)
    if tag == "absence":
        return AbsenceCode(value)
    if tag == "strong":
        return Strong(value_from_json(value))
    if tag == "name":
        last, first, middle, short = value
        return PersonName(last=last, first=first, middle=middle, short=short)
    if tag == "tuple":
        return tuple(value_from_json(v) for v in value)
    raise ValueError(f"no value is stored as {tag!r}")


def msg_to_json(line: Msg) -> dict[str, Any]:
    return {"msgid": line.msgid, "params": [[k, value_to_json(v)] for k, v in line.params]}


def msg_from_json(data: dict[str, Any]) -> Msg:
    return Msg(data["msgid"], tuple((k, value_from_json(v)) for k, v in data["params"]))


def intent_to_json(intent: Intent) -> dict[str, Any]:
    fields = {f.name: value_to_json(getattr(intent, f.name)) for f in dataclasses.fields(intent)}
    return {"intent": type(intent).__name__, "fields": fields}


def intent_from_json(data: dict[str, Any]) -> Intent:
    kind = INTENTS[data["intent"]]
    fields: dict[str, Any] = {k: value_from_json(v) for k, v in data["fields"].items()}
    return kind(**fields)  # each field's type was the intent's own when it was stored


def label_to_json(label: Label) -> Any:
    return label if isinstance(label, str) else msg_to_json(label)


def label_from_json(data: Any) -> Label:
    return data if isinstance(data, str) else msg_from_json(data)


def body_to_json(body: NoticeBody) -> dict[str, Any]:
    return {
        "lines": [msg_to_json(line) for line in body.lines],
        "buttons": [
            [[label_to_json(label), intent_to_json(intent)] for label, intent in row]
            for row in body.buttons
        ],
    }


def body_from_json(data: dict[str, Any]) -> NoticeBody:
    return NoticeBody(
        lines=tuple(msg_from_json(line) for line in data["lines"]),
        buttons=tuple(
            tuple((label_from_json(label), intent_from_json(intent)) for label, intent in row)
            for row in data["buttons"]
        ),
    )
