# mypy: disable-error-code="import-not-found"
"""Hand check that the real maxo client works against fakemax (not collected by pytest).

maxo needs Python 3.12, the project runs 3.11, so run it from a scratch venv outside the repo:

    ~/.pyenv/versions/3.12.1/bin/python -m venv /work/scratch-maxo
    /work/scratch-maxo/bin/pip install maxo aiohttp
    PYTHONPATH=. /work/scratch-maxo/bin/python fakemax/smoke_maxo.py

maxo's ``Bot`` has no base-URL option: ``Bot.start`` builds ``MaxApiClient(...)`` without
``base_url``, so the script rebinds ``maxo.bot.bot.MaxApiClient`` to a partial with the fake's.
"""

from __future__ import annotations

import asyncio
import functools

import maxo.bot.bot as maxo_bot
from maxo import Bot
from maxo.bot.api_client import MaxApiClient
from maxo.enums import UploadType
from maxo.errors import MaxBotBadRequestError
from maxo.types import (
    CallbackButton,
    InlineKeyboardAttachmentRequest,
    InlineKeyboardAttachmentRequestPayload,
    LinkButton,
    MessageCallback,
    NewMessageBody,
)
from unihttp.http import UploadFile

from fakemax import FakeMax

TOKEN = "maxo-smoke-token"
USER = 4242


async def main() -> None:
    async with FakeMax() as server:
        server.add_bot(TOKEN, name="Smoke Bot", username="smoke_bot")
        maxo_bot.MaxApiClient = functools.partial(MaxApiClient, base_url=server.api_url)
        bot = Bot(TOKEN)
        async with bot.context():
            me = await bot.get_my_info()
            print("me:", me.user_id, me.first_name, me.username)

            server.user_starts(USER, "from-deeplink")
            started = await bot.get_updates(timeout=1)
            print("update:", started.updates[0].type, started.updates[0].payload)

            keyboard = InlineKeyboardAttachmentRequest(
                payload=InlineKeyboardAttachmentRequestPayload(
                    buttons=[
                        [CallbackButton(text="Оценки", payload="grades")],
                        [LinkButton(text="Сайт", url="https://example.com")],
                    ]
                )
            )
            sent = await bot.send_message(user_id=USER, text="Привет", attachments=[keyboard])
            print("sent:", sent.message.body.mid, sent.message.body.text)
            print("buttons seen by the user:", server.last_bot_message(USER).button_labels)

            server.user_presses(USER, "Оценки")
            polled = await bot.get_updates(marker=started.marker, timeout=1)
            update = polled.updates[0]
            assert isinstance(update, MessageCallback)
            print("update:", update.type, update.callback.payload, update.callback.callback_id)

            answer = await bot.answer_on_callback(
                callback_id=update.callback.callback_id,
                notification="Готово",
                message=NewMessageBody(text="Оценки: 5, 4"),
            )
            print("answer:", answer.success, "->", server.last_bot_message(USER).text)

            endpoint = await bot.get_upload_url(type=UploadType.FILE)
            uploaded = await bot.upload_media(
                upload_url=endpoint.url,
                file=UploadFile(file=b"report body\n", filename="report.txt"),
            )
            token = uploaded.last_token
            print("upload:", endpoint.url, "token", token)
            with_file = await bot.send_message(
                user_id=USER, text="Отчёт", attachments=[file_attachment(token)]
            )
            attachment = server.last_bot_message(USER).attachments[0]
            print("file:", attachment["filename"], server.file(attachment).data)
            got = await bot.download(with_file.message.body.file.payload.url)
            print("downloaded by maxo:", got.read())

            try:
                await bot.send_message(user_id=USER, text="x" * 4001)
            except MaxBotBadRequestError as error:
                print("too long:", error)


def file_attachment(token: str) -> object:
    from maxo.types import FileAttachmentRequest

    return FileAttachmentRequest.factory(token)


if __name__ == "__main__":
    asyncio.run(main())
