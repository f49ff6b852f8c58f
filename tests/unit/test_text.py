"""Escaping and redaction of outside text."""

from __future__ import annotations

import pytest

from bot.text import escape, redact, safe, truncate
from tests.support.hostile import SECRETS


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


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        ("DB_PASSWORD=Sup3rS3cret! connecting", "Sup3rS3cret!", "DB_PASSWORD="),
        ("PGPASSWORD=hunter22 psql -h db", "hunter22", "psql -h db"),
        ('{"dbPassword": "pa55word", "user": "app"}', "pa55word", '"user": "app"'),
        ("apiSecret=0123abcdXYZ next", "0123abcdXYZ", "next"),
        ("x-api-key: k3y-v4lue-123 sent", "k3y-v4lue-123", "sent"),
        ("connect postgres://app:pw-1234@10.0.3.17:5432/orders failed", "pw-1234", "10.0.3.17:5432/orders"),
        ("redis://:r3d1spw@redis:6379 refused", "r3d1spw", "redis:6379 refused"),
        ("amqp://guest:gu3st@rabbitmq/ down", "gu3st", "rabbitmq/ down"),
        (
            "token ghp_1234567890abcdefghijABCDEFGHIJ123456 used",
            "ghp_1234567890abcdefghijABCDEFGHIJ123456",
            "used",
        ),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789", ""),
        ("charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc failed", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "failed"),
        ("maps key AIzaSyA1234567890abcdefghijklmnopqrstuv ok", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "ok"),
    ],
)
def test_secrets_the_review_found(line: str, secret: str, kept: str) -> None:
    out = redact(line)
    assert secret not in out and "[REDACTED" in out and kept in out


def test_look_alikes_are_kept() -> None:
    for line in ("password_reset_url=https://example.com/reset", "secretary=bob", "tokenizer=bpe", "passenger=3"):
        assert redact(line) == line


def test_invisible_characters_can_neither_spoof_nor_hide_a_secret() -> None:
    spoofed = "deploy \u202eOK\u202c finished\u200b \u2066x\u2069 \ufeff"
    assert safe(spoofed) == "deploy OK finished x "
    hidden = "key AKIA\u200bIOSFODNN7EXAMPLE in the log"
    assert "IOSFODNN7EXAMPLE" not in redact(hidden)


def test_a_notification_card_redacts_its_title_and_body() -> None:
    import json

    from bot.alarms import Notification
    from bot.slack.blocks.notice import render_notification

    note = Notification(
        title="Deploy of orders with PGPASSWORD=hunter22", body="DB_PASSWORD=s3cret\u202e!", source="sns"
    )
    message = render_notification(note)
    shown = json.dumps([b.to_dict() for b in message.blocks]) + message.text
    assert "hunter22" not in shown and "s3cret" not in shown and "\\u202e" not in shown


@pytest.mark.parametrize(
    "secret", ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ghp_" + "a1B2" * 9]
)
@pytest.mark.parametrize("at", [250, 285, 295, 299])
def test_a_secret_straddling_the_cut_of_a_huge_line_is_never_half_shown(secret: str, at: int) -> None:
    from bot.enrich.logs import LINE_CHARS, trim

    # GIVEN a 256 KB event whose shown part ends inside a secret
    line = "E" * at + " " + secret + " " + "x" * (256 * 1024)
    shown = trim(line)
    # THEN no piece of the secret is shown, and the line is cut to what is shown
    assert len(shown) <= LINE_CHARS
    assert not any(secret[i : i + 6] in shown for i in range(len(secret) - 5))


def test_a_secret_inside_a_harmless_keys_quoted_value_is_redacted() -> None:
    """JSON log lines put ``k=v`` text inside a quoted value; the scan goes on inside it."""
    from bot.text import redact

    assert "hunter2" not in redact('{"message": "connect failed password=hunter2", "user": "bob"}')
    assert redact('{"user": "bob"}') == '{"user": "bob"}'
