"""Rules for text people send: names without hidden characters, free text of bounded size."""

from __future__ import annotations

import unicodedata

from mpr.domain.errors import ValidationError

# Control, format (bidi overrides, zero-width...), surrogate and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Free text may hold line breaks and tabs, nothing else from those categories but format chars.
_FREE_TEXT_ALLOWED = frozenset("\t\n\r")
_FREE_TEXT_REFUSED = frozenset({"Cc", "Cs"})


def utf8_size(text: str) -> int:
    """Bytes the text takes in UTF-8 (lone surrogates count as the 3 bytes they would take)."""
    return len(text.encode("utf-8", "surrogatepass"))


def hidden_character(text: str) -> str | None:
    """The first control, bidi/format or surrogate character of the text, if any."""
    return next((c for c in text if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)


def check_name(text: str, what: str, max_bytes: int) -> None:
    """Refuse a name with hidden characters or longer than max_bytes in UTF-8."""
    hidden = hidden_character(text)
    if hidden is not None:
        raise ValidationError(f"{what} must not contain control or bidi characters "
                              f"(found U+{ord(hidden):04X})")
    if utf8_size(text) > max_bytes:
        raise ValidationError(f"{what}: at most {max_bytes} bytes in UTF-8 "
                              f"({utf8_size(text)} given)")


def check_free_text(text: str, what: str, max_chars: int) -> None:
    """Refuse free text longer than max_chars characters or holding control characters."""
    if len(text) > max_chars:
        raise ValidationError(f"{what}: at most {max_chars} characters ({len(text)} given)")
    bad = next((c for c in text if c not in _FREE_TEXT_ALLOWED
                and unicodedata.category(c) in _FREE_TEXT_REFUSED), None)
    if bad is not None:
        raise ValidationError(f"{what} must not contain control characters "
                              f"(found U+{ord(bad):04X})")


def without_hidden_characters(text: str) -> str:
    """The text with every hidden character removed (for names MPR derives itself)."""
    return "".join(c for c in text if unicodedata.category(c) not in _HIDDEN_CATEGORIES)


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of the text that fits in max_bytes of UTF-8, cut between characters."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")
