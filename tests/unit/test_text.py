"""Escaping and redaction of outside text."""

from __future__ import annotations

import pytest

from bot.text import escape, redact, safe, truncate

SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAY34FZKBOKMUTVV7A",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "xoxp-1234-5678-abcdef123456",
    "xapp-1-A0123-4567-abcdef",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
    "jane.doe@example.com",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_secret_never_survives(secret: str) -> None:
    line = f"2026-11-20T14:02:01Z ERROR login failed value {secret} end"
    assert secret not in redact(line)
    assert "login failed" in redact(line)


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('{"user": "bob", "password": "s3cr3t!"}', '"user": "bob"'),
        ("db password=hunter2 host=db1", "host=db1"),
        ("Authorization: Bearer abc.def.ghijklmnop", "Authorization:"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"),
        ("api_key: 'AbC123xyz' retrying", "retrying"),
    ],
)
def test_key_value_secrets(line: str, kept: str) -> None:
    out = redact(line)
    assert "[REDACTED" in out and kept in out
    for value in ("s3cr3t!", "hunter2", "abc.def.ghijklmnop", "AbC123xyz"):
        assert value not in out


def test_sha1_and_uuids_are_not_secrets() -> None:
    line = "commit 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 request 0b2fd6d1-6d4f-4fd9-9c13-2f1b8c7bcd56"
    assert redact(line) == line


@pytest.mark.parametrize(
    "hostile",
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U024BE7LH>",
        "<#C0123>",
        "<!subteam^S1|x>",
        "<https://evil|click>",
    ],
)
def test_control_sequences_are_escaped(hostile: str) -> None:
    out = safe(f"hi {hostile} there")
    assert "<" not in out and ">" not in out


def test_escape_ampersand_first() -> None:
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"


def test_safe_truncation_never_splits_an_entity() -> None:
    out = safe("x" * 8 + "<<<<", limit=11)
    assert out.endswith("…") and "&l…" not in out and "&lt…" not in out
    assert len(out) <= 11


def test_truncate() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"
