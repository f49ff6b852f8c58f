"""Terminal and HTML previews of posted messages: readable, and safe for hostile content."""

from __future__ import annotations

from bot.cli.render import render_calls
from bot.config import Settings
from local.preview import mrkdwn_html, to_html, to_terminal
from tests.support.fixtures import load_event


def message(name: str) -> dict[str, object]:
    return render_calls(load_event(name), Settings(), offline=True)[0]["payload"]  # type: ignore[no-any-return]


def test_terminal_shows_header_text_and_buttons_without_markup() -> None:
    text = to_terminal(message("sns_alarm_lambda_errors.json"), "#alerts")
    assert "🔴 orders-api-errors · OK → ALARM" in text
    assert "Errors (Sum) > 3 for 2 of 3 × 1 min" in text  # entities undone, *bold* markers gone
    assert "[ Open alarm ]" in text and "&gt;" not in text


def test_html_escapes_hostile_text() -> None:
    page = to_html([("#alerts", message("sns_alarm_hostile_text.json"))])
    assert "<!channel>" not in page and "&lt;!channel&gt;" in page
    assert "<https://evil.example" not in page
    assert "<script" not in mrkdwn_html("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_mrkdwn_html() -> None:
    assert mrkdwn_html("*X-Ray* — `a`") == "<b>X-Ray</b> — <code>a</code>"
    assert mrkdwn_html("t\n```a &lt; b```\nafter") == "t<pre>a &lt; b</pre>after"
    assert (
        mrkdwn_html("<https://x.example/?a=1&amp;b=2|open>") == "<a href='https://x.example/?a=1&amp;b=2'>open</a>"
    )
    assert mrkdwn_html("> quoted") == "<blockquote>quoted</blockquote>"
