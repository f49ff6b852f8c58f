"""Show a Slack message the way Slack would: in the terminal (text) and as an HTML page (for a browser).

Reads the Block Kit JSON the bot posted: header, section (mrkdwn), table, context and actions blocks. In the
terminal every line fits the frame's width (long lines wrap); thread replies follow their message.
"""

from __future__ import annotations

import html
import re
from typing import Any

_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>|<([^<>|]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_ANSI = re.compile(r"\033\[[0-9;]*m")
_ANCHOR = "\x00"
"""Marks a link's place while the text around it is formatted (no mrkdwn or HTML escape touches it)."""


def slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- terminal --------------------------------------------------------------------------------------------


def to_terminal(message: dict[str, Any], channel: str, width: int = 100, bold: bool = False) -> str:
    """The message as text no wider than ``width``; ``bold`` uses ANSI bold for *bold* spans (for a terminal)."""
    lines = [f"┌─ {channel} · Lookout APP " + "─" * max(0, width - len(channel) - 18)]
    for block in message.get("blocks") or []:
        for line in _narrow_tables(_block_text(block), width - 2):
            lines.extend(f"│ {part}" for part in wrap(_emphasis(line, bold), width - 2))
        lines.append("│")
    lines[-1] = "└" + "─" * (width - 1)
    return "\n".join(lines)


def reply_lines(replies: list[dict[str, Any]], width: int = 100) -> list[str]:
    """A thread's replies as text lines under their message, each within ``width``."""
    out = []
    for reply in replies:
        first, *rest = wrap(slack_unescape(reply.get("text", "")).replace("\n", " "), width - 5)
        out += [f"   └ {first}", *(f"     {line}" for line in rest)]
    return out


def wrap(line: str, width: int) -> list[str]:
    """``line`` in pieces of at most ``width`` visible characters (ANSI codes take no room), broken at spaces
    where it can; continuation pieces keep the line's indent and two more spaces."""
    if _visible(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
    pieces, current = [], ""
    for word in re.split(r"(?<= )", line):
        while _visible(word) > width - len(indent):  # one word longer than a line: cut it
            room = width - _visible(current)
            current, word = current + word[:room], word[room:]
            pieces.append(current)
            current = indent
        if current.strip() and _visible(current + word.rstrip()) > width:
            pieces.append(current.rstrip())
            current = indent
        current += word
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _narrow_tables(lines: list[str], width: int) -> list[str]:
    """Tables (runs of lines with a ──── rule) wider than ``width`` lose one space of each gutter, in every row
    at once, so their columns stay aligned and nothing is cut; other lines are left to wrap."""
    out, run = [], []
    for line in [*lines, None]:
        if line is not None and line.strip() and "  " in line:
            run.append(line)
            continue
        if run and any(set(r.strip()) <= {"─", " "} for r in run) and max(map(len, run)) > width:
            run = _squeeze(run, width)
        out += run
        run = []
        if line is not None:
            out.append(line)
    return out


def _squeeze(rows: list[str], width: int) -> list[str]:
    size = max(map(len, rows))
    grid = [r.ljust(size) for r in rows]
    indent = min(len(r) - len(r.lstrip(" ")) for r in rows)
    # gutter columns: blank in every row, after another blank column (so each gutter keeps one space)
    blank = [c for c in range(indent + 1, size) if all(g[c] == " " and g[c - 1] == " " for g in grid)]
    runs: list[list[int]] = []
    for c in blank:
        if runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    drop: set[int] = set()
    while len(drop) < size - width and any(runs):  # one column from each gutter in turn, right to left
        for run in reversed(runs):
            if run and len(drop) < size - width:
                drop.add(run.pop())
    return ["".join(ch for c, ch in enumerate(g) if c not in drop).rstrip() for g in grid]


def _visible(text: str) -> int:
    return len(_ANSI.sub("", text))


def _emphasis(line: str, bold: bool) -> str:
    if line.startswith("    "):  # code block lines keep their characters
        return line
    line = _ITALIC.sub(r"\1", line)
    return _BOLD.sub("\033[1m\\1\033[0m" if bold else r"\1", line)


def _block_text(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        text = slack_unescape(block["text"]["text"])
        return [text, "═" * min(len(text) + 2, 80)]
    if kind == "section":
        return _mrkdwn_text(block["text"]["text"])
    if kind == "context":
        return ["  ".join(_mrkdwn_text(e.get("text", ""))[0] for e in block.get("elements", []))]
    if kind == "table":
        rows = [[slack_unescape(cell.get("text", "")) for cell in row] for row in block.get("rows", [])]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
        out = []
        for n, row in enumerate(rows):
            out.append(
                "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
            if n == 0:
                out.append("  ".join("─" * w for w in widths))
        return out
    if kind == "actions":
        return ["  ".join(f"[ {e['text']['text']} ]" for e in block.get("elements", []))]
    return [f"({kind} block)"]


def _mrkdwn_text(text: str) -> list[str]:
    text = _LINK.sub(lambda m: m.group(2) or m.group(3), text)
    out: list[str] = []
    in_code = False
    for raw in text.split("\n"):
        parts = raw.split("```")
        for i, part in enumerate(parts):
            if i:
                in_code = not in_code
            if not part and i:
                continue
            shown = slack_unescape(part)
            if in_code:
                out.append(f"    {shown}")
            elif out and i:
                out[-1] += shown
            else:
                out.append(shown)
    return out


# --- HTML ------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Lato, Helvetica, Arial, sans-serif; background: #f8f8f8;
       margin: 0; }
.msg { display: flex; gap: 10px; background: #fff; max-width: 860px; margin: 24px auto; padding: 16px 20px;
       border: 1px solid #e2e2e2; border-radius: 8px; color: #1d1c1d; font-size: 15px; line-height: 1.46; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #1264a3; color: #fff; font-weight: 700;
          display: flex; align-items: center; justify-content: center; flex: none; }
.who b { font-weight: 900; }
.badge { background: #e8e8e8; color: #616061; font-size: 10px; padding: 1px 4px; border-radius: 3px;
         margin-left: 4px; font-weight: 700; }
.when { color: #616061; font-size: 12px; margin-left: 6px; }
h1 { font-size: 18px; font-weight: 900; margin: 4px 0 8px; }
.section { margin: 6px 0; white-space: pre-wrap; }
pre { background: #f8f8f8; border: 1px solid #e2e2e2; border-radius: 4px; padding: 8px; margin: 4px 0;
      font: 12px/1.5 Monaco, Menlo, Consolas, monospace; white-space: pre-wrap; }
code { font: 12px Monaco, Menlo, Consolas, monospace; color: #e01e5a; background: #f6f6f6;
       border: 1px solid #e2e2e2; border-radius: 3px; padding: 0 3px; }
blockquote { border-left: 4px solid #ddd; margin: 4px 0; padding-left: 10px; color: #454245; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #e2e2e2; padding: 4px 8px; } th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.context { color: #616061; font-size: 12px; margin: 6px 0; }
.thread { border-left: 3px solid #e2e2e2; margin-top: 10px; padding-left: 8px; }
.thread .msg { margin: 8px 0; border: none; padding: 4px 0; max-width: none; }
.actions a { display: inline-block; border: 1px solid #c8c8c8; border-radius: 4px; padding: 3px 12px;
             margin: 6px 6px 0 0; color: #1d1c1d; text-decoration: none; font-weight: 700; font-size: 13px; }
"""


Posted = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], list[dict[str, Any]]]
"""A message as posted: its channel, its payload, and (optionally) its thread's replies."""


def to_html(messages: list[Posted], title: str = "Lookout — message preview") -> str:
    cards = "\n".join(_card(*posted) for posted in messages)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{cards}</body></html>\n"
    )


def _card(channel: str, message: dict[str, Any], replies: list[dict[str, Any]] | None = None) -> str:
    body = "".join(_block_html(block) for block in message.get("blocks") or []) or mrkdwn_html(
        message.get("text", "")
    )
    thread = ""
    if replies:
        thread = (
            f"<div class='thread'><div class='context'>{len(replies)} repl{'y' if len(replies) == 1 else 'ies'}"
        )
        thread += "</div>" + "".join(_card(channel, reply) for reply in replies) + "</div>"
    return (
        "<div class='msg'><div class='avatar'>L</div><div><div class='who'><b>Lookout</b>"
        f"<span class='badge'>APP</span><span class='when'>{html.escape(channel)}</span></div>{body}{thread}"
        "</div></div>"
    )


def _block_html(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f"<h1>{html.escape(slack_unescape(block['text']['text']))}</h1>"
    if kind == "section":
        return f"<div class='section'>{mrkdwn_html(block['text']['text'])}</div>"
    if kind == "context":
        return (
            "<div class='context'>"
            + " ".join(mrkdwn_html(e.get("text", "")) for e in block["elements"])
            + "</div>"
        )
    if kind == "table":
        rows = block.get("rows") or []
        settings = block.get("column_settings") or []
        right = {i for i, s in enumerate(settings) if (s or {}).get("align") == "right"}
        head = "".join(f"<th>{html.escape(c.get('text', ''))}</th>" for c in rows[0]) if rows else ""
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{' class=num' if i in right else ''}>{html.escape(c.get('text', ''))}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in rows[1:]
        )
        return f"<table><tr>{head}</tr>{body}</table>"
    if kind == "actions":
        return (
            "<div class='actions'>"
            + "".join(
                f"<a href='{html.escape(e.get('url', '#'))}'>{html.escape(e['text']['text'])}</a>"
                for e in block["elements"]
            )
            + "</div>"
        )
    return ""


def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn (already entity-escaped by the bot) → safe HTML."""
    out = []
    for i, chunk in enumerate(text.split("```")):
        if i % 2:
            out.append(f"<pre>{html.escape(slack_unescape(chunk.strip(chr(10))))}</pre>")
        else:
            out.append(_inline_html(chunk.strip("\n") if i else chunk.rstrip("\n")))
    return "".join(out)


def _inline_html(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        quote = line.startswith("> ")
        rendered = _line_html(line[2:] if quote else line)
        lines.append(f"<blockquote>{rendered}</blockquote>" if quote else rendered)
    return "\n".join(lines)


def _line_html(line: str) -> str:
    """One line: its links set aside while it is formatted, so that emphasis around one (``*<url|name>*``) applies
    to it."""
    anchors: list[str] = []

    def aside(match: re.Match[str]) -> str:
        url, label = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(3))
        anchors.append(f"<a href='{html.escape(slack_unescape(url))}'>{_format(label)}</a>")
        return f"{_ANCHOR}{len(anchors) - 1}{_ANCHOR}"

    rendered = _format(_LINK.sub(aside, line))
    return re.sub(f"{_ANCHOR}(\\d+){_ANCHOR}", lambda m: anchors[int(m.group(1))], rendered)


def _format(text: str) -> str:
    escaped = html.escape(slack_unescape(text))
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _ITALIC.sub(r"<i>\1</i>", escaped)
