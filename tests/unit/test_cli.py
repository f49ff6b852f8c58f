"""`lookout render`: exit codes, valid Block Kit for every fixture and for alarms it has never seen; `lookout
slash` and `lookout query` offline: the plan, the user's mistakes, help, the version and the configuration."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.cli.render import render_calls
from bot.config import Settings
from bot.regions import REGION_BY_DISPLAY_NAME
from tests.support.fixtures import EVENTS, event_names
from tests.support.messages import assert_valid_message

if TYPE_CHECKING:
    from pathlib import Path

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<@U024BE7LH>",
    "<https://evil.example|click>",
    "```",
    "&",
    "*bold*",
    "\u202e",
    "x" * 5000,
]


@pytest.mark.parametrize("name", event_names())
def test_every_fixture_renders_valid_block_kit(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(EVENTS / name), "--offline"]) == 0
    calls = json.loads(capsys.readouterr().out)
    assert calls and all(c["method"] == "chat.postMessage" for c in calls)
    for call in calls:
        assert_valid_message(call["payload"])


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json at all", "not JSON"), ("[1, 2, 3]", "JSON object"), ('"a string"', "JSON object")],
)
def test_not_a_lambda_event_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "event.json"
    path.write_text(content)
    assert main(["render", str(path), "--offline"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "/nonexistent/event.json", "--offline"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_unknown_json_object_is_a_generic_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"anything": ["goes", 1]}')
    assert main(["render", str(path), "--offline"]) == 0
    (call,) = json.loads(capsys.readouterr().out)
    blocks = call["payload"]["blocks"]
    assert blocks[0]["text"]["text"] == "📣 Anything goes, 1"  # no source to name: its one fact is the headline
    assert "*Anything:* goes, 1" in json.dumps(blocks, ensure_ascii=False)  # a fact, not a dump


# --- alarms of kinds, partitions and text never seen before ------------------------------------------

text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(HOSTILE),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=50)),
)
regions = st.sampled_from(
    [
        "us-east-1",
        "eu-central-1",
        "cn-north-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-gov-east-1",
        "ap-southeast-7",
        "mx-central-1",
    ]
)
partitions = {"cn": "aws-cn", "us-gov": "aws-us-gov"}
states = st.sampled_from(["ALARM", "OK", "INSUFFICIENT_DATA", "alarm", "", "WEIRD"])
numbers = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20), st.text(max_size=5)
)


def arn(region: str, name: str) -> str:
    partition = next((p for prefix, p in partitions.items() if region.startswith(prefix)), "aws")
    return f"arn:{partition}:cloudwatch:{region}:111122223333:alarm:{name}"


def metric_stat(name: str, dims: dict[str, str]) -> dict[str, Any]:
    return {
        "Metric": {
            "Namespace": "App/Test",
            "MetricName": name,
            "Dimensions": [{"name": k, "value": v} for k, v in dims.items()],
        },
        "Period": 60,
        "Stat": "p99",
    }


@st.composite
def sns_alarm(draw: st.DrawFn) -> dict[str, Any]:
    region = draw(regions)
    name = draw(text)
    kind = draw(st.sampled_from(["metric", "math", "anomaly", "composite", "garbage"]))
    dims = draw(st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=3))
    trigger: Any
    if kind == "metric":
        trigger = {
            "MetricName": draw(text) or "m",
            "Namespace": "App/Test",
            "Statistic": draw(st.sampled_from(["SUM", "AVERAGE", "SAMPLE_COUNT", "x"])),
            "Dimensions": [{"name": k, "value": v} for k, v in dims.items()],
            "Period": draw(numbers),
            "Threshold": draw(numbers),
            "ComparisonOperator": draw(st.sampled_from(["GreaterThanThreshold", "LessThanThreshold", "Nope"])),
        }
    elif kind == "math":
        trigger = {
            "Metrics": [
                {"Id": "e1", "Expression": draw(text), "Label": draw(text), "ReturnData": True},
                {"Id": "m1", "MetricStat": metric_stat("a", dims), "ReturnData": False},
            ],
            "Threshold": draw(numbers),
        }
    elif kind == "anomaly":
        trigger = {
            "ThresholdMetricId": "ad1",
            "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
            "Metrics": [
                {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
                {"Id": "m1", "MetricStat": metric_stat("lat", dims), "ReturnData": True},
            ],
        }
    elif kind == "composite":
        trigger = None
    else:
        trigger = draw(st.one_of(st.none(), st.text(max_size=20), st.lists(st.integers(), max_size=3)))
    message: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": draw(st.one_of(st.none(), text)),
        "NewStateValue": draw(states),
        "OldStateValue": draw(states),
        "NewStateReason": draw(text),
        "StateChangeTime": draw(st.one_of(st.just("2026-11-20T14:03:11.470+0000"), st.text(max_size=30))),
        "Region": draw(st.one_of(st.sampled_from(sorted(REGION_BY_DISPLAY_NAME)), st.text(max_size=30))),
        "AWSAccountId": draw(st.one_of(st.just("111122223333"), text)),
    }
    if draw(st.booleans()):
        message["AlarmArn"] = arn(region, name)
    if trigger is not None:
        message["Trigger"] = trigger
    if kind == "composite":
        message["AlarmRule"] = draw(text)
        message["TriggeringChildren"] = [
            {"Arn": arn(region, draw(text)), "State": {"Value": draw(states), "Timestamp": "x"}}
            for _ in range(draw(st.integers(0, 15)))
        ]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "MessageId": "m",
                    "Subject": draw(st.one_of(st.none(), text)),
                    "Message": json.dumps(message),
                    "Timestamp": "2026-11-20T14:03:11.512Z",
                },
            }
        ]
    }


@st.composite
def eventbridge_or_action(draw: st.DrawFn) -> dict[str, Any]:
    region = draw(regions)
    name = draw(text)
    detail = {
        "alarmName": name,
        "state": {
            "value": draw(states),
            "reason": draw(text),
            "reasonData": draw(
                st.one_of(st.just('{"threshold": 5, "recentDatapoints": [1, "x"]}'), st.text(max_size=40))
            ),
            "timestamp": "2026-11-20T14:03:11.462+0000",
        },
        "previousState": {"value": draw(states)},
        "configuration": draw(
            st.one_of(
                st.just(
                    {
                        "metrics": [
                            {
                                "id": "m1",
                                "metricStat": {
                                    "metric": {
                                        "namespace": "AWS/Lambda",
                                        "name": "Errors",
                                        "dimensions": {"FunctionName": name},
                                    },
                                    "period": 60,
                                    "stat": "Sum",
                                },
                            }
                        ]
                    }
                ),
                st.just({"alarmRule": "ALARM(a)"}),
                st.just({}),
            )
        ),
    }
    if draw(st.booleans()):
        return {
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "account": "111122223333",
            "region": region,
            "resources": [arn(region, name)],
            "detail": detail,
        }
    return {
        "source": "aws.cloudwatch",
        "alarmArn": arn(region, name),
        "accountId": "111122223333",
        "region": region,
        "alarmData": detail,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=st.one_of(sns_alarm(), eventbridge_or_action()))
def test_unseen_alarms_render_valid_safe_messages(event: dict[str, Any]) -> None:
    calls = render_calls(event, Settings(), offline=True)
    assert len(calls) == 1
    payload = calls[0]["payload"]
    assert_valid_message(payload)
    dumped = json.dumps(payload, ensure_ascii=False)
    for hostile in ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://evil.example|click>"):
        assert hostile not in dumped


# --- lookout slash / query ------------------------------------------------------------------------------


def test_slash_dry_run_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slash", "/traffic 24h by status", "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"engine", "query", "parameters", "table", "start", "end"}
    assert printed["engine"] == "athena" and printed["table"] == "access_events"
    assert "CAST(status AS varchar) AS status" in printed["query"] and len(printed["parameters"]) == 4


def test_slash_dry_run_insights_names_log_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slash", "/query trace key=ord-42", "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["log_groups"] == ["/aws/lambda/orders-api"] and 'like "ord-42"' in printed["query"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/errors nope", "unknown service 'nope'"),
        ("/query trace", "trace needs key"),
        ("/errors 30d", "too wide a range"),
    ],
)
def test_slash_invalid_input_exits_2_with_the_users_message(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["slash", text, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("⚠️ ")


def test_help_and_the_catalog_print_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slash", "/query list", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "/query rare-mappings tenant=<name> [since=<duration ≤ 90 d>, default 30 d]" in out
    assert "One tenant's field mappings" in out and "&lt;" not in out and "`" not in out
    assert main(["slash", "/lookout help"]) == 0
    out = capsys.readouterr().out
    assert "/errors [service] [since]" in out and "/traffic [since] [by customer|endpoint|status|hour]" in out
    assert main(["query", "list"]) == 0 and "/query popular-fields" in capsys.readouterr().out


def test_version_and_where_the_configuration_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("lookout ")
    monkeypatch.chdir(tmp_path)
    assert main(["query", "list"]) == 2
    assert "set LOOKOUT_CONFIG" in capsys.readouterr().err
