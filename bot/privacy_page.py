"""The privacy notice as a web page (`/privacy?lang=el|en`), the same text the chat shows: the
consent step links to it when PUBLIC_BASE_URL is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from aiohttp import web

from dialogs.privacy import privacy_notice
from domain.model import Configuration
from locales.texts import Texts

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 1.1rem/1.6 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.2rem; margin-top: 2.5rem; }}
nav {{ margin-bottom: 1.5rem; }}
</style>
</head>
<body>
<nav><a href="?lang={other}" hreflang="{other}">{other_name}</a></nav>
{sections}
</body>
</html>
"""
LANGUAGE_NAMES = {"el": "Ελληνικά", "en": "English"}


def privacy_page(
    configuration: Configuration,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def show(request: web.Request) -> web.StreamResponse:
        language = request.query.get("lang", "el")
        if language not in LANGUAGE_NAMES:
            language = "el"
        texts = Texts(language)
        sections = []
        for municipality in configuration.municipalities:
            title, _, body = privacy_notice(texts, municipality).partition("\n\n")
            heading = f"{title} — {municipality.name.in_language(language)}"
            paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in body.split("\n\n"))
            sections.append(f"<h1>{escape(heading)}</h1>\n{paragraphs}")
        other = "en" if language == "el" else "el"
        html = PAGE.format(
            lang=language,
            title=escape(texts("privacy.title")),
            other=other,
            other_name=LANGUAGE_NAMES[other],
            sections="\n".join(sections),
        )
        return web.Response(
            text=html, content_type="text/html", headers={"Content-Language": language}
        )

    return show
