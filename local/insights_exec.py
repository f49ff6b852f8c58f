"""Run a parsed Logs Insights query over log events: field discovery (system fields, JSON paths, Lambda
``START``/``END``/``REPORT`` and tab-separated lines), then each command in order."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from local.insights_lang import Command, Expr, MalformedQuery, Months
from local.insights_sort import sort_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_LIMIT = 10_000
"""Insights returns at most 10,000 rows unless ``limit`` says otherwise (up to 100,000)."""
_REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms\s+Billed Duration: (?P<billed>[\d.]+) ms"
    r"\s+Memory Size: (?P<size>\d+) MB\s+Max Memory Used: (?P<used>\d+) MB"
)
_START_END = re.compile(r"(?P<type>START|END) RequestId: (?P<id>\S+)")
_TAB_LINE = re.compile(r"^\S+Z\t(?P<id>[0-9a-f-]{8,})\t(?:(?P<level>[A-Z]+)\t(?P<rest>.*))?", re.S)
_XRAY = re.compile(r"XRAY TraceId: (?P<trace>\S+)\s+SegmentId: (?P<segment>\S+)")
_VPC_V2 = re.compile(
    r"^2 (?P<accountId>\S+) (?P<interfaceId>\S+) (?P<srcAddr>\S+) (?P<dstAddr>\S+) (?P<srcPort>\S+) "
    r"(?P<dstPort>\S+) (?P<protocol>\S+) (?P<packets>\S+) (?P<bytes>\S+) (?P<start>\d+) (?P<end>\d+) "
    r"(?P<action>ACCEPT|REJECT|-) (?P<logStatus>OK|NODATA|SKIPDATA)$"
)
_ROUTE53 = re.compile(
    r"^1\.0 (?P<timestamp>\S+Z) (?P<hostZoneId>\S+) (?P<queryName>\S+) (?P<queryType>\S+) "
    r"(?P<responseCode>\S+) (?P<protocol>UDP|TCP) (?P<edgeLocation>\S+) (?P<resolverIp>\S+) "
    r"(?P<ednsClientSubnet>\S+)$"
)
SYSTEM_FIELDS = ("@timestamp", "@ingestionTime", "@message", "@logStream", "@log", "@ptr")


class Stamp(int):
    """Epoch milliseconds that print as an Insights timestamp."""

    def __str__(self) -> str:
        return datetime.fromtimestamp(self / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{self % 1000:03d}"


def discover(event: dict[str, Any], group: str, account: str) -> dict[str, Any]:
    """The fields Insights discovers in one log event."""
    message = str(event.get("message", ""))
    record: dict[str, Any] = {
        "@timestamp": Stamp(int(event.get("timestamp", 0))),
        "@ingestionTime": Stamp(int(event.get("ingestionTime", event.get("timestamp", 0)))),
        "@message": message,
        "@logStream": event.get("logStreamName", ""),
        "@log": f"{account}:{group}",
        "@ptr": base64.b64encode(f"{group}|{event.get('eventId', '')}".encode()).decode(),
    }
    stripped = message.strip()
    line = _TAB_LINE.match(message)
    if line is not None and line["rest"] and line["rest"].lstrip().startswith("{"):
        stripped = line["rest"].strip()  # Lambda's runtime prefix: ts \t requestId \t LEVEL \t {json}
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError:
            document = None
        if isinstance(document, dict):
            found: dict[str, Any] = {}
            _flatten(document, "", found)
            for key, value in found.items():  # a JSON "@timestamp" becomes "@@timestamp": ours stays
                record["@" + key if key in SYSTEM_FIELDS else key] = value
    for pattern, numeric in (
        (_VPC_V2, ("srcPort", "dstPort", "protocol", "packets", "bytes", "start", "end")),
        (_ROUTE53, ()),
    ):
        known = pattern.match(stripped)
        if known:
            record["version"] = "2" if pattern is _VPC_V2 else "1.0"
            for name, value in known.groupdict().items():
                record[name] = int(value) if name in numeric and value.isdigit() else value
    xray = _XRAY.search(message)
    if xray:
        record.update({"@xrayTraceId": xray["trace"], "@xraySegmentId": xray["segment"]})
    report = _REPORT.search(message)
    if report:
        record.update(
            {
                "@type": "REPORT",
                "@requestId": report["id"],
                "@duration": float(report["duration"]),
                "@billedDuration": float(report["billed"]),
                "@memorySize": int(report["size"]) * 1_000_000,
                "@maxMemoryUsed": int(report["used"]) * 1_000_000,
            }
        )
        init = re.search(r"Init Duration: ([\d.]+) ms", message)
        if init:
            record["@initDuration"] = float(init.group(1))
    elif (marker := _START_END.match(message)) is not None:
        record.update({"@type": marker["type"], "@requestId": marker["id"]})
    elif line is not None:
        record["@requestId"] = line["id"]
    return record


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    """JSON fields as Insights names them: ``data.clientKey``, ``tags.0``."""
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        into[prefix] = value
        return
    for key, item in items:
        _flatten(item, f"{prefix}.{key}" if prefix else str(key), into)


def run(
    commands: list[Command], records: list[dict[str, Any]], limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]], int]:
    """(columns, rows, records matched) for ``commands`` over ``records`` (oldest first)."""
    rows = [dict(r) for r in records]
    shown: list[str] = []
    display: list[str] | None = None
    aggregated = False
    matched: int | None = None
    row_limit = limit or DEFAULT_LIMIT
    ordered = False
    for command in commands:
        if command.name in ("fields", "display"):
            for row in rows:
                for expr, name in command.exprs:
                    if expr.kind != "field" or name != expr.value:
                        row[name] = evaluate(expr, row)
            names = [name for _, name in command.exprs]
            if command.name == "display":
                display = names
            else:
                shown += [n for n in names if n not in shown]
        elif command.name == "filter":
            rows = [row for row in rows if truthy(evaluate(command.exprs[0][0], row))]
        elif command.name == "parse":
            for row in rows:
                found = command.pattern.search(str(row.get(command.source, "")))
                if found:
                    values = (
                        found.groupdict()
                        if found.re.groupindex
                        else dict(zip(command.names, found.groups(), strict=False))
                    )
                    row.update({k: v for k, v in values.items() if v is not None})
        elif command.name == "stats":
            matched = len(rows)
            rows, shown = _stats(command, rows), [n for _, n in command.by] + [n for _, n in command.exprs]
            aggregated, display = True, None
        elif command.name == "sort":
            for name, descending in reversed(command.order):
                rows = sort_rows(rows, name, descending)
            ordered = True
        elif command.name == "limit":
            row_limit = min(row_limit, command.count) if limit else command.count
            rows = rows[: command.count]
        elif command.name == "dedup":
            rows = _dedup(rows, command.names, ordered)
    columns = display or shown or ["@timestamp", "@message"]
    if not aggregated and "@ptr" not in columns:
        columns = [*columns, "@ptr"]
    return columns, rows[:row_limit], matched if matched is not None else len(rows)


def _dedup(rows: list[dict[str, Any]], names: list[str], ordered: bool) -> list[dict[str, Any]]:
    """The first row per value of ``names`` — the newest when no ``sort`` came before — and every row that
    lacks one of the fields (Insights does not deduplicate missing values)."""
    seen: set[tuple[str, ...]] = set()
    keep: set[int] = set()
    candidates = list(enumerate(rows))
    if not ordered:
        candidates.sort(key=lambda item: int(item[1].get("@timestamp") or 0), reverse=True)
    for index, row in candidates:
        values = [row.get(n) for n in names]
        if any(v is None for v in values):
            keep.add(index)
            continue
        key = tuple(str(v) for v in values)
        if key not in seen:
            seen.add(key)
            keep.add(index)
    return [row for index, row in enumerate(rows) if index in keep]


def _stats(command: Command, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = tuple(evaluate(expr, row) for expr, _ in command.by)
        if command.by and all(value is None for value in key):
            continue  # a record without any of the by-fields is in no group
        groups.setdefault(key, []).append(row)
    if not command.by and not groups:
        groups[()] = []
    out = []
    for key, members in groups.items():
        result = {name: value for (_, name), value in zip(command.by, key, strict=True)}
        for expr, name in command.exprs:
            result[name] = _aggregate_expr(expr, members, result)
        out.append(result)
    return out


def _aggregate_expr(expr: Expr, rows: list[dict[str, Any]], so_far: dict[str, Any]) -> Any:
    """An aggregate, or arithmetic on aggregates and on the names of earlier ones (``max(a) / 1000``,
    ``provisioned - used``)."""
    if expr.kind == "call":
        return _aggregate(expr, rows)
    if expr.kind == "field":
        return so_far.get(expr.value)
    if expr.kind == "literal":
        return expr.value
    left, right = (_aggregate_expr(arg, rows, so_far) for arg in expr.args)
    return _arithmetic(expr.value, left, right)


def _aggregate(expr: Expr, rows: list[dict[str, Any]]) -> Any:
    function = expr.value
    if function in ("earliest", "latest"):
        stamped = [(int(r.get("@timestamp") or 0), evaluate(expr.args[0], r)) for r in rows]
        stamped = [(t, v) for t, v in stamped if v is not None]
        if not stamped:
            return None
        return (min if function == "earliest" else max)(stamped, key=lambda item: item[0])[1]
    if function == "count":
        if not expr.args or (expr.args[0].kind == "literal" and expr.args[0].value == "*"):
            return len(rows)
        return sum(1 for r in rows if evaluate(expr.args[0], r) is not None)
    values = [evaluate(expr.args[0], r) for r in rows] if expr.args else []
    values = [v for v in values if v is not None]
    if function == "count_distinct":
        return len({str(v) for v in values})
    if function in ("min", "max"):
        if not values:
            return None
        numbers = [v for v in values if _number(v) is not None]
        if len(numbers) == len(values):
            chosen = (min if function == "min" else max)(numbers, key=lambda v: float(_number(v) or 0))
            return chosen
        return (min if function == "min" else max)(str(v) for v in values)
    numbers = [n for n in (_number(v) for v in values) if n is not None]
    if function == "sum":
        return sum(numbers) if numbers else None
    if function == "avg":
        return sum(numbers) / len(numbers) if numbers else None
    if function == "stddev":
        if len(numbers) < 2:
            return 0.0 if numbers else None
        mean = sum(numbers) / len(numbers)
        return math.sqrt(sum((n - mean) ** 2 for n in numbers) / (len(numbers) - 1))  # sample deviation
    if function in ("pct", "percentile"):
        if len(expr.args) != 2 or not numbers:
            return None
        share = float(evaluate(expr.args[1], {}))
        ordered = sorted(numbers)
        return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]
    raise MalformedQuery(f"unsupported aggregate: {function}()")


def evaluate(expr: Expr, row: dict[str, Any]) -> Any:
    kind = expr.kind
    if kind == "field":
        return row.get(expr.value)
    if kind in ("literal", "regex"):
        return expr.value
    if kind == "list":
        return [evaluate(a, row) for a in expr.args]
    if kind == "unary":
        return not truthy(evaluate(expr.args[0], row))
    if kind == "call":
        return _call(expr, row)
    op = expr.value
    if op == "and":
        return truthy(evaluate(expr.args[0], row)) and truthy(evaluate(expr.args[1], row))
    if op == "or":
        return truthy(evaluate(expr.args[0], row)) or truthy(evaluate(expr.args[1], row))
    left, right = evaluate(expr.args[0], row), evaluate(expr.args[1], row)
    if op in ("like", "=~"):
        if left is None:
            return False
        if isinstance(right, re.Pattern):
            return right.search(str(left)) is not None
        return str(right) in str(left)
    if op == "in":
        return left is not None and any(_equal(left, item) for item in (right or []))
    if op in ("+", "-", "*", "/", "%", "^"):
        return _arithmetic(op, left, right)
    if left is None or right is None:
        return False
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    a, b = _number(left), _number(right)
    pair: tuple[Any, Any] = (a, b) if a is not None and b is not None else (str(left), str(right))
    return {"<": pair[0] < pair[1], "<=": pair[0] <= pair[1], ">": pair[0] > pair[1], ">=": pair[0] >= pair[1]}[op]


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    a, b = _number(left), _number(right)
    if a is None or b is None or (op in ("/", "%") and b == 0):
        return None
    if op == "^":
        return a**b
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "%": math.fmod(a, b)}[op]


def _call(expr: Expr, row: dict[str, Any]) -> Any:
    function, args = expr.value, [evaluate(a, row) for a in expr.args]
    if function == "bin":
        stamp = row.get("@timestamp")
        if args and isinstance(args[0], Months) and stamp is not None:
            return _month_floor(int(stamp), args[0].count)
        period = _number(args[0]) if args else None
        if not period or stamp is None:
            raise MalformedQuery("bin() needs a period such as 5m")
        size = int(period * 1000)
        return Stamp(int(stamp) // size * size)
    if function == "ispresent":
        return args[0] is not None
    if function == "isempty":
        return args[0] is None or args[0] == ""
    if function == "coalesce":
        return next((a for a in args if a is not None and a != ""), None)
    if function == "concat":
        return "".join(str(a) for a in args if a is not None)
    if function in ("tolower", "toupper"):
        return (
            None if args[0] is None else (str(args[0]).lower() if function == "tolower" else str(args[0]).upper())
        )
    if function == "strlen":
        return None if args[0] is None else len(str(args[0]))
    if function in _STRING_FUNCTIONS:
        return None if not args or args[0] is None else _STRING_FUNCTIONS[function](str(args[0]), *args[1:])
    if function in ("datefloor", "dateceil") and len(args) > 1 and isinstance(args[1], Months):
        stamp = _number(args[0])
        if stamp is None:
            return None
        floor = _month_floor(int(stamp), args[1].count)
        if function == "datefloor" or floor == int(stamp):
            return floor
        return _month_floor(_add_months(floor, args[1].count), args[1].count)
    if function in ("datefloor", "dateceil"):
        period = _number(args[1]) if len(args) > 1 else None
        stamp = _number(args[0])
        if not period or stamp is None:
            return None
        size = int(period * 1000)
        start = int(stamp) // size * size
        return Stamp(start if function == "datefloor" or start == int(stamp) else start + size)
    if function == "tomillis":
        return None if _number(args[0]) is None else int(_number(args[0]) or 0)
    if function == "frommillis":
        return None if _number(args[0]) is None else Stamp(int(_number(args[0]) or 0))
    if function == "isipv4insubnet":
        return _in_subnet(args[0], args[1] if len(args) > 1 else None)
    number = _number(args[0]) if args else None
    if number is None:
        return None
    return {"abs": abs(number), "floor": math.floor(number), "ceil": math.ceil(number)}.get(function)


def _month_floor(stamp_ms: int, months: int) -> Stamp:
    """The first instant (UTC) of the ``months``-long calendar period that holds ``stamp_ms``."""
    moment = datetime.fromtimestamp(stamp_ms / 1000, tz=UTC)
    index = (moment.year * 12 + moment.month - 1) // months * months
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return Stamp(int(start.timestamp() * 1000))


def _add_months(stamp_ms: int, months: int) -> int:
    moment = datetime.fromtimestamp(stamp_ms / 1000, tz=UTC)
    index = moment.year * 12 + moment.month - 1 + months
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp() * 1000)


def _substr(text: str, start: Any, length: Any = None) -> str:
    begin = int(_number(start) or 0)
    return text[begin:] if length is None else text[begin : begin + int(_number(length) or 0)]


def _in_subnet(address: Any, subnet: Any) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(subnet), strict=False)
    except ValueError:
        return False


_STRING_FUNCTIONS: dict[str, Any] = {
    "strcontains": lambda text, part=None: int(part is not None and str(part) in text),  # 1 or 0, as Insights
    "substr": _substr,
    "replace": lambda text, old="", new="": text.replace(str(old), str(new)),
    "trim": lambda text, *_: text.strip(),
    "ltrim": lambda text, *_: text.lstrip(),
    "rtrim": lambda text, *_: text.rstrip(),
}


def truthy(value: Any) -> bool:
    return bool(value) and value != "false"


def _equal(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return a == b
    return str(left) == str(right)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Stamp):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def result_rows(columns: Iterable[str], rows: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
    """Rows in GetQueryResults' shape; a field a row lacks is left out, as Insights does."""
    return [[{"field": c, "value": render(row[c])} for c in columns if row.get(c) is not None] for row in rows]
