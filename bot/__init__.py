"""The Telegram adapter (aiogram 3 + aiogram-dialog): routers, dialogs, keyboards, middlewares."""
