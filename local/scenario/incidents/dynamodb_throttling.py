"""7 · DynamoDB throttling: a burst of ledger writes exceeds table ``ledger-entries``' provisioned write capacity;
``ledger-writer``'s ``PutItem`` calls are throttled (``ProvisionedThroughputExceededException``, HTTP 400) until
boto3's retries give up, and the exception goes unhandled.

Must name: the throttled table and DynamoDB's throttling error.
"""

from __future__ import annotations

from local.scenario.incidents import log_lines
from local.scenario.incidents.model import Alarm, Expect, Scenario
from local.scenario.incidents.paths import DynamoDB, Log, Path, Raises, Triggered

FUNCTION = "ledger-writer"
TABLE = "ledger-entries"
EXCEEDED = (
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your"
    " provisioning level with the UpdateTable API."
)
RETRIES = 9
"""boto3's legacy retry mode gives DynamoDB 10 attempts."""
PUT_ITEM = ("/var/task/ledger.py", 57, "lambda_handler", "table.put_item(Item=entry)")
DIMENSIONS = (("TableName", TABLE),)

SCENARIO = Scenario(
    key="dynamodb-throttling",
    title="DynamoDB throttling",
    cause=f"a burst of writes exceeds the provisioned write capacity of {TABLE}; {FUNCTION}'s PutItem calls fail"
    " with ProvisionedThroughputExceededException after boto3's retries",
    function=FUNCTION,
    memory_mb=512,
    timeout_s=30,
    entry=Triggered(),  # a Kinesis-triggered batch writer
    ok=Path(
        used_mb=102,
        starts=0.015,
        calls=(DynamoDB(TABLE, "PutItem", took=(0.006, 0.02)),),
        then=0.004,
        logs=(Log("batch of 25 entries written"),),
        metrics=(("AWS/DynamoDB", "ConsumedWriteCapacityUnits", DIMENSIONS, 25.0),),
    ),
    failing=Path(
        used_mb=104,
        starts=0.015,
        calls=(
            DynamoDB(
                TABLE,
                "PutItem",
                took=(2.5, 4.5),  # ten attempts with backoff
                status=400,
                error=("ProvisionedThroughputExceededException", EXCEEDED),
                throttled=True,
                retries=RETRIES,
            ),
        ),
        then=0.004,
        ends=Raises(
            "ProvisionedThroughputExceededException",
            log_lines.botocore_message("ProvisionedThroughputExceededException", "PutItem", EXCEEDED, RETRIES),
            (PUT_ITEM, log_lines.BOTO3_ACTION, log_lines.BOTOCORE_RAISE),
        ),
        metrics=(("AWS/DynamoDB", "WriteThrottleEvents", DIMENSIONS, float(RETRIES + 1)),),
    ),
    failing_share=0.6,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the throttled table {TABLE}", r"\bledger-entries\b"),
        Expect(
            "DynamoDB's throttling: ProvisionedThroughputExceededException",
            r"ProvisionedThroughputExceeded|throttl",
        ),
    ),
)
