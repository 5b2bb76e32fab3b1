"""Free text from outside: NFC normalisation and refusal of characters that are invisible or unsafe.

Refused everywhere: control characters (C0/C1, except tab, line feed and carriage return in multi-line
text), unassigned code points and surrogates (they print as tofu), private-use characters, non-characters,
and the bidirectional overrides that can make text read differently from what it stores (CVE-2021-42574).
Values that may reach an HTTP header or a URL (query strings, `next`, file names) admit no control
character at all.
"""

from __future__ import annotations

import unicodedata

from repair.errors import UnsafeInput

MULTILINE_ALLOWED = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
REFUSED_CATEGORIES = frozenset({"Cc", "Cn", "Cs", "Co"})


def first_unsafe(value: str, *, multiline: bool = False) -> str | None:
    """The first refused character of `value` (None when every character is acceptable)."""
    if value.isascii():
        # Fast path: printable ASCII plus the allowed white space.
        for char in value:
            if (char < " " or char == "\x7f") and not (multiline and char in MULTILINE_ALLOWED):
                return char
        return None
    for char in value:
        if char in MULTILINE_ALLOWED:
            if multiline:
                continue
            return char
        if char in BIDI_CONTROLS or unicodedata.category(char) in REFUSED_CATEGORIES or _noncharacter(char):
            return char
    return None


def describe(char: str) -> str:
    """A readable name of a refused character, e.g. U+0009 or U+E000."""
    return f"U+{ord(char):04X}"


def clean_text(value: str, *, field: str, multiline: bool = False) -> str:
    """`value` in NFC; raises UnsafeInput naming `field` and the first refused character."""
    normalised = unicodedata.normalize("NFC", value)
    bad = first_unsafe(normalised, multiline=multiline)
    if bad is not None:
        raise UnsafeInput(f"{field} 含有不允许的字符 {describe(bad)} / {field} contains a refused character "
                          f"{describe(bad)}", field=field)
    return normalised


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
