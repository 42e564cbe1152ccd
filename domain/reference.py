"""Booking references a citizen can read out on the phone: `XAN-7K3QM`.

The alphabet leaves out characters that are easily confused (0/O, 1/I/L, 8/B, S, U/V), and
Greek capitals that look like Latin ones are read as those, so `ΧΑΝ-7Κ3QΜ` typed on a Greek
keyboard finds the same booking.
"""

from __future__ import annotations

import secrets

ALPHABET = "2345679ACDEFGHJKMNPQRTWXYZ"
CODE_LENGTH = 5

_GREEK_LOOKALIKES = str.maketrans("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")


def new_reference(prefix: str) -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix}-{code}"


def normalize_reference(typed: str) -> str:
    """What a citizen typed or said, in the canonical form (`xan 7k3qm` → `XAN-7K3QM`)."""
    compact = "".join(ch for ch in typed.upper().translate(_GREEK_LOOKALIKES) if ch.isalnum())
    if len(compact) <= CODE_LENGTH:
        return compact
    return f"{compact[:-CODE_LENGTH]}-{compact[-CODE_LENGTH:]}"
