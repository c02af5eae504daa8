import logging
import sys

import pytest

from portal.log_redaction import RedactFilter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /status/.eJx:1tZ:sig/ HTTP/1.1" 200', '"GET /status/[redacted]/ HTTP/1.1" 200'),
        ("Not Found: /status/.eJx:1tZ:sig", "Not Found: /status/[redacted]"),
        ("link https://intake.example/status/abc:def/", "link https://intake.example/status/[redacted]/"),
        ("GET /admin/intake/case/?q=Alice+Example&o=2", "GET /admin/intake/case/?q=[redacted]&o=[redacted]"),
        ("GET /?Alice HTTP/1.1", "GET /?[redacted] HTTP/1.1"),
        ("Is it ready? yes", "Is it ready? yes"),
        ("GET /static/css/portal.css HTTP/1.1", "GET /static/css/portal.css HTTP/1.1"),
    ],
)
def test_it_redacts_tokens_and_query_values(line, expected):
    assert redact(line) == expected
    assert redact(expected) == expected


def test_it_redacts_the_arguments_and_the_traceback_of_a_record():
    try:
        raise ValueError("bad link /status/abc:def/")
    except ValueError:
        record = logging.makeLogRecord({"msg": "Error at %s", "args": ("/x/?q=Bob",)})
        record.exc_info = sys.exc_info()
    assert RedactFilter().filter(record)
    assert record.getMessage() == "Error at /x/?q=[redacted]"
    assert "/status/[redacted]/" in record.exc_text and "abc:def" not in record.exc_text
