"""Keep status-link tokens and search terms out of every log line.

A status token is the key to a patient's page, and query strings carry what
people typed (the admin's ?q= search holds patient names). The filter below
rewrites a record's message, and its traceback, before any handler writes it:
Django's loggers use it through LOGGING, gunicorn's error and access logs
through portal/gunicorn.conf.py.
"""

import logging
import re

REDACTED = "[redacted]"
# Paths whose next segment is a token: /status/<token>/...
_TOKEN_PATH = re.compile(r"(/status/)[^/?#\s\"']+")
# A query string runs from "?" to the end of the URL (space, quote or fragment).
_QUERY = re.compile(r"\?([^\s\"'#]+)")


def _redact_query(match: re.Match) -> str:
    names = (part.split("=", 1)[0] if "=" in part else "" for part in match.group(1).split("&"))
    return "?" + "&".join(f"{name}={REDACTED}" if name else REDACTED for name in names)


def redact(text: str) -> str:
    """The text with every status token and query-string value replaced."""
    return _QUERY.sub(_redact_query, _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text))


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
