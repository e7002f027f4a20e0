# The journal for a production install: the bot, its clock and its sender in one image.
FROM python:3.12-slim
# DejaVu fonts ship in reports/fonts; nothing else is needed from the system.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app app
COPY bot bot
COPY domain domain
COPY storage storage
COPY scheduler scheduler
COPY importer importer
COPY locales locales
COPY reports reports
COPY fakegram fakegram
COPY examples examples
RUN pip install . && useradd --create-home journal
USER journal
CMD ["sh", "-c", "journal db upgrade && exec journal bot run"]
