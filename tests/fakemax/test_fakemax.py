"""fakemax must answer like the MAX Bot API; driven with plain aiohttp (maxo needs 3.12)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from fakemax import SECRET_HEADER, FakeMax

pytestmark = pytest.mark.asyncio

TOKEN = "fakemax-test-token"
USER = 1001
CHAT = FakeMax.chat_id_of(USER)


class Api:
    """A minimal client: the token in ``Authorization``, like maxo."""

    def __init__(self, server: FakeMax, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session

    async def call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> tuple[int, Any]:
        async with self.session.request(
            method, self.server.api_url + path, params=params, json=json
        ) as response:
            return response.status, await response.json()


@pytest.fixture
async def server() -> AsyncIterator[FakeMax]:
    async with FakeMax() as srv:
        srv.add_bot(TOKEN)
        yield srv


@pytest.fixture
async def api(server: FakeMax) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(headers={"Authorization": TOKEN}) as session:
        yield Api(server, session)


def keyboard(rows: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"type": "inline_keyboard", "payload": {"buttons": rows}}


def cb(text: str, payload: str) -> dict[str, Any]:
    return {"type": "callback", "text": text, "payload": payload}


async def test_me(api: Api) -> None:
    status, me = await api.call("GET", "me")
    assert status == 200
    assert me["is_bot"] is True and me["username"] == "journal_bot" and "user_id" in me


async def test_bad_token_is_401(server: FakeMax) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": "wrong"}) as session:
        status, body = await Api(server, session).call("GET", "me")
    assert (status, body["code"]) == (401, "verify.token")
    async with aiohttp.ClientSession() as session:
        status, body = await Api(server, session).call("GET", "me", params={"access_token": TOKEN})
    assert status == 401 and "Authorization" in body["message"]


async def test_unknown_path_and_method(api: Api) -> None:
    assert (await api.call("GET", "nothing"))[0] == 404
    status, body = await api.call("PATCH", "messages")
    assert status == 405 and body["code"] == "method.not.allowed"


async def test_start_with_payload_then_send(server: FakeMax, api: Api) -> None:
    server.user_starts(USER, "invite-42")
    status, got = await api.call("GET", "updates", params={"timeout": 0})
    assert status == 200 and got["marker"] == 1
    [update] = got["updates"]
    assert update["update_type"] == "bot_started"
    assert update["payload"] == "invite-42" and update["chat_id"] == CHAT
    assert update["user"]["user_id"] == USER
    status, sent = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"text": "**Привет**", "format": "markdown"},
    )
    assert status == 200
    assert sent["message"]["body"]["text"] == "Привет"
    assert sent["message"]["recipient"] == {"chat_id": CHAT, "chat_type": "dialog", "user_id": USER}
    status, _ = await api.call(
        "POST",
        "messages",
        params={"chat_id": CHAT},
        json={"text": "<b>x</b> &amp; y", "format": "html"},
    )
    assert status == 200
    assert [m.text for m in server.bot_messages(USER)] == ["Привет", "x & y"]


async def test_send_errors(server: FakeMax, api: Api) -> None:
    status, body = await api.call("POST", "messages", params={"user_id": 555}, json={"text": "a"})
    assert (status, body["code"]) == (404, "not.found")
    status, body = await api.call("POST", "messages", params={"chat_id": 77}, json={"text": "a"})
    assert status == 404 and "Chat 77" in body["message"]
    server.user_starts(USER)
    ok, _ = await api.call("POST", "messages", params={"user_id": USER}, json={"text": "x" * 4000})
    assert ok == 200
    status, body = await api.call(
        "POST", "messages", params={"user_id": USER}, json={"text": "x" * 4001}
    )
    assert (status, body["code"]) == (400, "proto.payload") and "4000" in body["message"]
    status, _ = await api.call(
        "POST", "messages", params={"user_id": USER}, json={"text": "a", "format": "markdownv2"}
    )
    assert status == 400
    status, _ = await api.call("POST", "messages", params={"user_id": USER}, json={})
    assert status == 400
    status, _ = await api.call("POST", "messages", json={"text": "a"})
    assert status == 400


@pytest.mark.parametrize(
    ("rows", "ok"),
    [
        ([[cb(f"b{i}", str(i)) for i in range(7)] for _ in range(30)], True),  # 210
        ([[cb("b", "p")] for _ in range(31)], False),  # 31 rows
        ([[cb(f"b{i}", str(i)) for i in range(8)]], False),  # 8 in a row
        ([[cb("b", "p") for _ in range(7)] for _ in range(30)] + [[cb("x", "y")]], False),
        ([[{"type": "link", "text": "site"}]], False),  # link without url
        ([[{"type": "teleport", "text": "?"}]], False),
        ([[cb("b", "p" * 1025)]], False),
    ],
)
async def test_keyboard_limits(server: FakeMax, api: Api, rows: Any, ok: bool) -> None:
    server.user_starts(USER)
    status, body = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"text": "k", "attachments": [keyboard(rows)]},
    )
    assert (status == 200) is ok, body


async def test_edit_delete_get(server: FakeMax, api: Api) -> None:
    server.user_starts(USER)
    _, sent = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"text": "one", "attachments": [keyboard([[cb("A", "a")]])]},
    )
    mid = sent["message"]["body"]["mid"]
    status, body = await api.call(
        "PUT", "messages", params={"message_id": mid}, json={"text": "two"}
    )
    assert (status, body) == (200, {"success": True})
    message = server.last_bot_message(USER)
    assert message.text == "two" and message.button_labels == ["A"]  # attachments kept
    await api.call("PUT", "messages", params={"message_id": mid}, json={"attachments": []})
    assert message.buttons == [] and message.history == ["one", "two"]
    status, got = await api.call("GET", "messages", params={"chat_id": CHAT})
    assert status == 200 and [m["body"]["mid"] for m in got["messages"]] == [mid]
    status, one = await api.call("GET", f"messages/{mid}")
    assert status == 200 and one["body"]["text"] == "two"
    status, got = await api.call("GET", "messages", params={"message_ids": mid})
    assert len(got["messages"]) == 1
    assert (await api.call("DELETE", "messages", params={"message_id": mid}))[0] == 200
    assert server.bot_messages(USER) == []
    for method in ("PUT", "DELETE"):
        status, body = await api.call(method, "messages", params={"message_id": mid}, json={})
        assert (status, body["code"]) == (404, "not.found")
    status, _ = await api.call(
        "PUT", "messages", params={"message_id": "mid.nope"}, json={"text": "x" * 4001}
    )
    assert status == 404


async def test_callback_and_answer(server: FakeMax, api: Api) -> None:
    server.user_starts(USER)
    await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"text": "menu", "attachments": [keyboard([[cb("Оценки", "grades")]])]},
    )
    callback_id = server.user_presses(USER, "Оцен")
    _, got = await api.call(
        "GET", "updates", params={"marker": 1, "timeout": 0, "types": "message_callback"}
    )
    [update] = got["updates"]
    assert update["update_type"] == "message_callback"
    assert update["callback"]["payload"] == "grades"
    assert update["callback"]["callback_id"] == callback_id
    assert update["message"]["body"]["text"] == "menu"
    status, body = await api.call(
        "POST",
        "answers",
        params={"callback_id": callback_id},
        json={"notification": "Готово", "message": {"text": "Оценки: 5"}},
    )
    assert (status, body) == (200, {"success": True})
    assert server.last_bot_message(USER).text == "Оценки: 5"
    assert server.callback_answers(callback_id)[0]["notification"] == "Готово"
    status, _ = await api.call("POST", "answers", params={"callback_id": callback_id}, json={})
    assert status == 400
    status, _ = await api.call(
        "POST", "answers", params={"callback_id": "nope"}, json={"notification": "x"}
    )
    assert status == 400
    with pytest.raises(LookupError):
        server.user_presses(USER, "Нет такой")


async def test_updates_marker_limit_types_and_long_poll(server: FakeMax, api: Api) -> None:
    for i in range(3):
        server.user_sends_text(USER, f"m{i}")
    _, got = await api.call("GET", "updates", params={"limit": 2, "timeout": 0})
    assert [u["message"]["body"]["text"] for u in got["updates"]] == ["m0", "m1"]
    _, got = await api.call("GET", "updates", params={"marker": got["marker"], "timeout": 0})
    assert [u["message"]["body"]["text"] for u in got["updates"]] == ["m2"]
    _, got = await api.call(
        "GET", "updates", params={"marker": 3, "timeout": 0, "types": "bot_started"}
    )
    assert got == {"updates": [], "marker": 3}
    poll = asyncio.create_task(api.call("GET", "updates", params={"marker": 3, "timeout": 5}))
    await asyncio.sleep(0.1)
    assert not poll.done()
    server.user_sends_text(USER, "/start")
    status, got = await asyncio.wait_for(poll, 2)
    assert status == 200 and got["updates"][0]["message"]["body"]["text"] == "/start"
    await server.wait_confirmed(2)
    for params in ({"limit": 0}, {"limit": 1001}, {"timeout": 91}, {"marker": "x"}):
        assert (await api.call("GET", "updates", params=params))[0] == 400


async def test_rate_limit_429(server: FakeMax, api: Api) -> None:
    results = await asyncio.gather(*(api.call("GET", "me") for _ in range(40)))
    statuses = [status for status, _ in results]
    assert statuses.count(200) == 30 and statuses.count(429) == 10
    assert {body["code"] for status, body in results if status == 429} == {"too.many.requests"}
    await asyncio.sleep(1.05)
    assert (await api.call("GET", "me"))[0] == 200


async def test_subscriptions_and_webhook_secret(server: FakeMax, api: Api) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        status, _ = await api.call("POST", "subscriptions", json={"url": url})
        assert status == 400  # plain HTTP is refused, as documented
        server.allow_http_webhooks = True
        status, body = await api.call(
            "POST",
            "subscriptions",
            json={"url": url, "secret": "s3cret-value", "update_types": ["message_created"]},
        )
        assert (status, body) == (200, {"success": True})
        _, subs = await api.call("GET", "subscriptions")
        assert [s["url"] for s in subs["subscriptions"]] == [url]
        server.user_starts(USER)  # filtered out by update_types
        server.user_sends_text(USER, "hello")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        [(secret, update)] = received
        assert secret == "s3cret-value" and update["update_type"] == "message_created"
        _, got = await api.call("GET", "updates", params={"timeout": 5})
        assert got["updates"] == []  # long polling is off while subscribed
        status, body = await api.call("DELETE", "subscriptions", params={"url": url})
        assert (status, body) == (200, {"success": True})
        _, body = await api.call("DELETE", "subscriptions", params={"url": url})
        assert body["success"] is False
    finally:
        await runner.cleanup()


async def upload(api: Api, kind: str, data: bytes, name: str) -> str:
    status, endpoint = await api.call("POST", "uploads", params={"type": kind})
    assert status == 200
    form = aiohttp.FormData()
    form.add_field("data", data, filename=name)
    async with api.session.post(endpoint["url"], data=form) as response:
        assert response.status == 200
        if kind in ("video", "audio"):
            return str(endpoint["token"])
        body = await response.json()
    if kind == "image":
        return str(next(iter(body["photos"].values()))["token"])
    return str(body["token"])


async def test_upload_file_and_image(server: FakeMax, api: Api) -> None:
    server.user_starts(USER)
    token = await upload(api, "file", b"%PDF-1.4 report", "report.pdf")
    photo = await upload(api, "image", b"\x89PNG fake", "chart.png")
    status, sent = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={
            "text": "Отчёт",
            "attachments": [
                {"type": "file", "payload": {"token": token}},
                {"type": "image", "payload": {"token": photo}},
            ],
        },
    )
    assert status == 200
    file_att, image_att = sent["message"]["body"]["attachments"]
    assert file_att["filename"] == "report.pdf" and file_att["size"] == 15
    assert "photo_id" in image_att["payload"]
    assert server.file(file_att).data == b"%PDF-1.4 report"
    async with api.session.get(file_att["payload"]["url"]) as response:
        assert await response.read() == b"%PDF-1.4 report"
    assert (await api.call("POST", "uploads", params={"type": "photo"}))[0] == 400


async def test_attachment_token_errors(server: FakeMax, api: Api) -> None:
    server.user_starts(USER)
    _, endpoint = await api.call("POST", "uploads", params={"type": "video"})
    status, body = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"attachments": [{"type": "video", "payload": {"token": endpoint["token"]}}]},
    )
    assert (status, body["code"]) == (400, "attachment.not.ready")  # not uploaded yet
    status, _ = await api.call(
        "POST",
        "messages",
        params={"user_id": USER},
        json={"attachments": [{"type": "file", "payload": {"token": "forged"}}]},
    )
    assert status == 400
