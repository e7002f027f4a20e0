"""Hand check that the real maxo client works against fakemax (not collected by pytest).

Run it with the project's venv: ``.venv/bin/python fakemax/smoke_maxo.py``. maxo's ``Bot`` has
no base-URL option, so it uses the adapter's ``bot.max.client.MaxBot``, which has one.
"""

from __future__ import annotations

import asyncio

from maxo.enums import UploadType
from maxo.errors import MaxBotBadRequestError
from maxo.types import (
    BotStarted,
    CallbackButton,
    FileAttachmentRequest,
    InlineKeyboardAttachmentRequest,
    InlineKeyboardAttachmentRequestPayload,
    LinkButton,
    MessageCallback,
    NewMessageBody,
)
from unihttp.http import UploadFile

from bot.max.client import MaxBot
from fakemax import FakeMax

TOKEN = "maxo-smoke-token"
USER = 4242


async def main() -> None:
    async with FakeMax() as server:
        server.add_bot(TOKEN, name="Smoke Bot", username="smoke_bot")
        bot = MaxBot(TOKEN, server.api_url)
        async with bot.context():
            me = await bot.get_my_info()
            print("me:", me.user_id, me.first_name, me.username)

            server.user_starts(USER, "from-deeplink")
            started = await bot.get_updates(timeout=1)
            first = started.updates[0]
            assert isinstance(first, BotStarted)
            print("update:", first.type, first.payload)

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
            sent_file = with_file.message.body.file
            assert sent_file is not None
            got = await bot.download(sent_file.payload.url)
            assert got is not None
            print("downloaded by maxo:", got.read())

            try:
                await bot.send_message(user_id=USER, text="x" * 4001)
            except MaxBotBadRequestError as error:
                print("too long:", error)


def file_attachment(token: str) -> FileAttachmentRequest:
    return FileAttachmentRequest.factory(token)


if __name__ == "__main__":
    asyncio.run(main())
