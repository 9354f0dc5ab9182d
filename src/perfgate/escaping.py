"""What user text and secrets may look like when perfgate prints them: one module, so that every
error line, every address and every name goes through the same few functions.

- :func:`printable`: control characters (escape sequences, line breaks, bidi marks) shown as
  their escapes, so a name cannot act on a terminal or reorder a line.
- :func:`keep_secret`: a token or password that must never appear in anything perfgate prints
  or sends off its origin; :func:`redact` masks every kept secret in a text.
- :func:`database_url_shown`: a PostgreSQL address with its password masked, whatever form
  the password takes (``user:pass@``, ``?password=``, characters libpq splits on), and each
  part of that password kept secret so that libpq's own messages lose it too.
- :func:`error_line`: the line ``perfgate: error:`` prints, redacted and printable.
"""

from __future__ import annotations

import os
import re

# C0 and C1 controls (escape sequences, newlines), the marks that reorder a line (bidi) and
# lone surrogates (no encoding can write them: JSON input may hold "\ud800")
# (and the invisible ones: zero-width spaces and joiners, line and paragraph separators, the
# Arabic letter mark, the byte-order mark)
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
MASK = "***"
# a piece of a password shorter than this is not masked on its own: masking every "a" would
# make messages unreadable, and such a piece says little of the password
_SHORTEST_PIECE = 3
_SECRETS: set[str] = set()
# the keys of a libpq address whose values are secrets
_SECRET_KEYS = re.compile(r"(?i)((?:^|[?&])(?:password|sslpassword)=)([^&#]*)")
_MASKED_VALUE = rf"\1{MASK}"
# a URL's user:password@ (a password with "/" or "@" is the database address's to handle)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@?#]*):[^\s@/]*@")
# the addresses of a PostgreSQL history (perfgate.history.location reads them too)
DATABASE_SCHEMES = ("postgresql://", "postgres://")


def printable(text: str) -> str:
    """User text that cannot act on a terminal or reorder a line: each control character
    shown as its escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text
    )


def keep_secret(secret: str) -> None:
    """Remember ``secret`` (and its line-free form) so that :func:`redact` masks it."""
    for value in (secret, secret.strip()):
        if len(value) >= _SHORTEST_PIECE:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every kept secret masked and every URL's password masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    return _SECRET_KEYS.sub(_MASKED_VALUE, text)


def error_line(text: str) -> str:
    """One line of an error message as perfgate prints it."""
    return printable(redact(text))


def database_url_shown(url: str) -> str:
    """A ``postgresql://`` address as messages show it: the password masked in the user part
    and the query, and every piece of it kept secret (libpq quotes pieces of a malformed
    address in its messages, e.g. a password with ``/`` read as a port)."""
    if not url.startswith(DATABASE_SCHEMES):
        return redact(url)
    scheme, rest = url.split("://", 1)
    # the user part ends at the last "@" that is not inside the query (a password may hold
    # "/", "@" and "?" that its writer forgot to percent-encode)
    at, question_at = rest.rfind("@"), rest.find("?")
    password = ""
    if at >= 0 and (question_at < 0 or question_at > at or "=" not in rest[question_at:at]):
        user, colon, password = rest[:at].partition(":")
        rest = f"{user}:{MASK}@{rest[at + 1 :]}" if colon else f"{user}@{rest[at + 1 :]}"
    elif at >= 0:  # "?...=...@": a query holding "@", or a password holding "?" and "=":
        _keep_password(rest[:at].partition(":")[2])  # kept secret both ways (hypothesis: "0?=")
    address, question, query = rest.partition("?")
    for match in _SECRET_KEYS.finditer("?" + query):
        _keep_password(match.group(2))
    _keep_password(password)
    query = _SECRET_KEYS.sub(_MASKED_VALUE, query)
    return redact(f"{scheme}://{address}{question}{query}")


def _keep_password(password: str) -> None:
    if not password:
        return
    from urllib.parse import unquote  # noqa: PLC0415

    for form in {password, unquote(password)}:
        keep_secret(form)
        for piece in re.split(r"[/@:?&=#]", form):
            keep_secret(piece)


def keep_environment_secrets() -> None:
    """The secrets perfgate may be handed through the environment."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "PERFGATE_GITHUB_TOKEN", "PGPASSWORD"):
        value = os.environ.get(name)
        if value:
            keep_secret(value)


def html_text(text: str, *, quote: bool = True) -> str:
    """User text for HTML: control and bidi characters shown as escapes (inert on a page, but
    not clean), then markup escaped."""
    import html  # noqa: PLC0415

    return html.escape(printable(text), quote=quote)
