"""Hypothesis strategies for malformed input of every shape: SNS records, EventBridge events and alarm actions
with values of any type, and arbitrary objects (``events``, used by the tests and by ``bench/reliability.py``)."""

from __future__ import annotations

import json

from hypothesis import strategies as st

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.text(min_size=5000, max_size=6000),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
alarm_keys = st.sampled_from(
    [
        "AlarmName",
        "NewStateValue",
        "OldStateValue",
        "NewStateReason",
        "StateChangeTime",
        "Region",
        "AlarmArn",
        "Trigger",
        "AlarmRule",
        "TriggeringChildren",
        "AlarmDescription",
        "AWSAccountId",
    ]
)
sns_message = st.one_of(
    st.text(max_size=200), st.dictionaries(alarm_keys, values, max_size=12).map(json.dumps), values.map(json.dumps)
)
sns_record = st.fixed_dictionaries(
    {
        "EventSource": st.just("aws:sns"),
        "Sns": st.fixed_dictionaries(
            {"Message": sns_message}, optional={"Subject": values, "MessageId": values, "Timestamp": values}
        ),
    }
)
eventbridge = st.fixed_dictionaries(
    {"detail-type": st.just("CloudWatch Alarm State Change"), "detail": values},
    optional={"resources": values, "region": values, "account": values, "time": values},
)
action = st.fixed_dictionaries(
    {
        "alarmData": st.dictionaries(
            st.sampled_from(["alarmName", "state", "previousState", "configuration"]), values
        )
    },
    optional={"alarmArn": values, "region": values},
)
events = st.one_of(
    st.fixed_dictionaries({"Records": st.lists(st.one_of(sns_record, values), min_size=1, max_size=3)}),
    eventbridge,
    action,
    st.dictionaries(st.text(max_size=10), values, max_size=5),
)
