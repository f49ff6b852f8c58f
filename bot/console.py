"""Deep links into the AWS console (alarm, metric, Logs Insights, X-Ray) for the alarm's partition.

The CloudWatch console keeps its state in the URL fragment as JSURL (``~(key~'value)``); ``jsurl`` below is
the small encoder for it (no maintained Python package exists).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.regions import console_domain

if TYPE_CHECKING:
    from datetime import datetime

    from bot.alarms import Alarm

_TERM = re.compile(r'([?-]?)("(?:[^"\\]|\\.)*"|\S+)')
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]")


def alarm_url(alarm: Alarm) -> str:
    return f"{_base(alarm)}#alarmsV2:alarm/{quote(alarm.name, safe='')}"


def metric_url(alarm: Alarm) -> str | None:
    primary = alarm.primary
    if primary is None or primary.metric is None:
        return None
    m = primary.metric
    metric = [m.namespace, m.name]
    for key, value in m.dimensions:
        metric += [key, value]
    graph = {
        "metrics": [metric],
        "region": alarm.region,
        "stat": primary.stat or "Average",
        "period": primary.period or alarm.period or 60,
    }
    return f"{_base(alarm)}#metricsV2?graph={jsurl(graph)}"


def insights_url(
    region: str, partition: str, groups: tuple[str, ...], query: str, start: datetime, end: datetime
) -> str:
    """Logs Insights with the query, log groups and absolute window filled in."""
    detail = {
        "end": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "start": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "timeType": "ABSOLUTE",
        "tz": "UTC",
        "editorString": query,
        "source": list(groups),
    }
    fragment = quote("?queryDetail=" + jsurl(detail), safe="").replace("%", "$")
    return f"{_console(region, partition)}#logsV2:logs-insights{fragment}"


def athena_url(region: str, partition: str, query_id: str) -> str:
    base = f"https://{console_domain(partition)}/athena/home?region={region}"
    return f"{base}#/query-editor/history/{quote(query_id, safe='')}"


def xray_map_url(alarm: Alarm) -> str:
    return f"{_base(alarm)}#xray:service-map/map"


def trace_url(alarm: Alarm, trace_id: str) -> str:
    return f"{_base(alarm)}#xray:traces/{quote(trace_id, safe='')}"


def insights_query(filter_pattern: str) -> str:
    """A Logs Insights query for the same lines as the message, newest first."""
    lines = ["fields @timestamp, @message, @logStream, @log"]
    condition = insights_filter(filter_pattern)
    if condition:
        lines.append(f"| filter {condition}")
    return "\n".join([*lines, "| sort @timestamp desc", "| limit 100"])


def insights_filter(filter_pattern: str) -> str | None:
    """A CloudWatch Logs term pattern (``?a ?b``, ``"phrase"``, ``-c``) as an Insights condition.

    JSON and space-delimited patterns have no simple Insights equivalent: the query then lists every line.
    """
    pattern = filter_pattern.strip()
    if not pattern or pattern.startswith(("{", "[")):
        return None
    any_of: list[str] = []
    all_of: list[str] = []
    none_of: list[str] = []
    for sign, term in _TERM.findall(pattern):
        text = term[1:-1] if len(term) >= 2 and term[0] == term[-1] == '"' else term
        literal = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        {"?": any_of, "-": none_of}.get(sign, all_of).append(literal)
    parts = [f"(@message like {' or @message like '.join(any_of)})"] if any_of else []
    parts += [f"@message like {literal}" for literal in all_of]
    parts += [f"@message not like {literal}" for literal in none_of]
    return " and ".join(parts) or None


def jsurl(value: object) -> str:
    """Encode ``value`` as JSURL, the format the CloudWatch console reads from its URL fragment."""
    if value is None:
        return "~null"
    if value is True:
        return "~true"
    if value is False:
        return "~false"
    if isinstance(value, int | float):
        return "~" + (str(int(value)) if float(value).is_integer() else repr(value)).replace("+", "")
    if isinstance(value, str):
        return "~'" + _jsurl_string(value)
    if isinstance(value, list | tuple):
        return "~(" + ("".join(jsurl(v) for v in value) or "~") + ")"
    if isinstance(value, dict):
        return "~(" + "~".join(_jsurl_string(str(k)) + jsurl(v) for k, v in value.items()) + ")"
    return jsurl(str(value))


def _jsurl_string(text: str) -> str:
    out = []
    for char in text:
        if _PLAIN.match(char):
            out.append(char)
        elif char == " ":
            out.append("*20")
        elif char == "$":
            out.append("!")
        elif ord(char) < 256:
            out.append(f"*{ord(char):02x}")
        else:
            out.append(f"**{ord(char):04x}")
    return "".join(out)


def _base(alarm: Alarm) -> str:
    return _console(alarm.region, alarm.partition)


def _console(region: str, partition: str) -> str:
    return f"https://{console_domain(partition)}/cloudwatch/home?region={region}"
