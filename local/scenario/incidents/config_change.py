"""2 · A configuration change: someone edits ``inventory-api``'s environment (``UpdateFunctionConfiguration``) and
points ``TABLE_NAME`` at a table that does not exist. Every read then fails with DynamoDB's
``ResourceNotFoundException``, unhandled.

Must name: the function, the error, and the configuration change with who made it. (CloudTrail never shows an
environment's values, so the change can be named, not the variable.)
"""

from __future__ import annotations

from local.scenario.incidents import log_lines
from local.scenario.incidents.model import Alarm, Change, Expect, Scenario
from local.scenario.incidents.paths import Api, DynamoDB, Log, Path, Raises

FUNCTION = "inventory-api"
TABLE, WRONG_TABLE = "inventory", "inventory-v2"
WHO = "alice"
NOT_FOUND = f"Requested resource not found: Table: {WRONG_TABLE} not found"
GET_ITEM = ("/var/task/app.py", 22, "lambda_handler", 'item = table.get_item(Key={"sku": sku})["Item"]')

SCENARIO = Scenario(
    key="config-change",
    title="A configuration change",
    cause=f"user/{WHO} changed {FUNCTION}'s environment (UpdateFunctionConfiguration): TABLE_NAME now names"
    f" {WRONG_TABLE}, which does not exist, and every read fails with ResourceNotFoundException",
    function=FUNCTION,
    memory_mb=256,
    timeout_s=10,
    entry=Api(stage="inventory-api/prod", path="/prod/stock"),
    ok=Path(
        used_mb=78,
        starts=0.015,
        calls=(DynamoDB(TABLE, "GetItem", took=(0.004, 0.01)),),
        then=0.003,
        logs=(Log(lambda n: f"stock sku-{n % 97:03d}: 14", when="called"),),
    ),
    failing=Path(
        used_mb=79,
        starts=0.015,
        calls=(
            DynamoDB(
                WRONG_TABLE,
                "GetItem",
                took=(0.004, 0.01),
                status=400,
                error=("ResourceNotFoundException", NOT_FOUND),
            ),
        ),
        then=0.003,
        ends=Raises(
            "ResourceNotFoundException",
            log_lines.botocore_message("ResourceNotFoundException", "GetItem", NOT_FOUND),
            (GET_ITEM, log_lines.BOTO3_ACTION, log_lines.BOTOCORE_RAISE),
        ),
    ),
    failing_share=1.0,
    # the console edit of the environment a minute before the failures: CloudTrail records that the environment
    # was set, never its variables
    changes=(
        Change(
            "UpdateFunctionConfiguration",
            minutes=1,
            by=WHO,
            code_sha256="Zk4m9QwB1xT7cE2rV5yH8uJ3nL6pA0sD4fG7hK1qWe8=",
            user_agent="console.amazonaws.com",
        ),
    ),
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\binventory-api\b"),
        Expect("the error: ResourceNotFoundException", r"ResourceNotFoundException|Requested resource not found"),
        Expect(
            "the configuration change (UpdateFunctionConfiguration)",
            r"configuration|UpdateFunctionConfiguration|environment",
            needs_changes=True,
        ),
        Expect(f"who changed it: {WHO}", rf"\b{WHO}\b", needs_changes=True),
    ),
)
