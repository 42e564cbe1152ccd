"""How much of what citizens type the dialog understands: every phrase of the table in
tests/understanding.py, sent at its step to the transport-free dialog on a SQLite file.

Understood: the meaning the table gives (asked back, where the table says it must be).
Misread: a meaning other than the table's, taken without asking; must be 0.
Not understood: asked back where the table gives a meaning.

Run: .venv/bin/python -m bench.understanding
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from dialogs.engine import Dialog
from integrations.db.conversations import SqlConversationStore
from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from tests.integration.test_dialog import CHANIA, NOW
from tests.understanding import ASKED, CASES, try_case


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'understanding.sqlite3'}")
        await upgrade(engine)
        storage = SqlStorage(engine)
        dialog = Dialog(CHANIA, storage, SqlConversationStore(engine), clock=lambda: NOW)
        outcomes: Counter[str] = Counter()
        by_language: Counter[tuple[str, str]] = Counter()
        for case in CASES:
            meant = await try_case(dialog, storage, case)
            if meant == case.means:
                outcome = "understood"
            elif meant == ASKED:
                outcome = "not_understood"
                print(f"NOT UNDERSTOOD {case.language} {case.step}: {case.typed!r}")
            else:
                outcome = "misread"
                print(f"MISREAD {case.language} {case.step}: {case.typed!r} -> {meant!r}")
            outcomes[outcome] += 1
            by_language[(case.language, outcome)] += 1
        await engine.dispose()
    total = len(CASES)
    for language in ("el", "en"):
        cases = sum(n for (lang, _), n in by_language.items() if lang == language)
        print(f"{language}: {by_language[(language, 'understood')]}/{cases} understood")
    share = outcomes["understood"] / total
    print(
        f"phrases={total} understood={outcomes['understood']} "
        f"not_understood={outcomes['not_understood']} misread={outcomes['misread']} "
        f"understood_share={share:.3f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
