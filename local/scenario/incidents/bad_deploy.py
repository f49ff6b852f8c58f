"""1 · A bad deploy: CI deploys new code to ``cart-api`` (``UpdateFunctionCode``), and the new code reads a field
the clients do not send — an unhandled ``KeyError`` on most requests, a 502 at the API.

Must name: the function, the error the new code raises, and the deploy with who made it.
"""

from __future__ import annotations

from local.scenario.incidents.model import Alarm, Change, Expect, Scenario
from local.scenario.incidents.paths import Api, DynamoDB, Log, Path, Raises

FUNCTION = "cart-api"
TABLE = "carts"
ROLE, SESSION = "github-actions-deploy", "gha-cart-api-4812"

SCENARIO = Scenario(
    key="bad-deploy",
    title="A bad deploy",
    cause=f"{ROLE}/{SESSION} deployed new code to {FUNCTION} (UpdateFunctionCode); it raises KeyError"
    " 'customer_id' on most requests",
    function=FUNCTION,
    memory_mb=512,
    timeout_s=15,
    entry=Api(stage="cart-api/prod", path="/prod/cart"),
    ok=Path(
        used_mb=87,
        starts=0.02,
        calls=(
            DynamoDB(TABLE, "GetItem", took=(0.004, 0.012)),
            DynamoDB(TABLE, "PutItem", took=(0.006, 0.015), gap=0.001),
        ),
        then=0.004,
        logs=(Log(lambda n: f"cart updated: {n % 7 + 1} items", when="called"),),
    ),
    # the new code fails before any call: the field it reads is not there
    failing=Path(
        used_mb=88,
        then=(0.02, 0.05),
        ends=Raises(
            "KeyError",
            "'customer_id'",
            (("/var/task/app.py", 31, "lambda_handler", 'customer = body["customer_id"]'),),
        ),
    ),
    failing_share=0.7,
    # CI's deploy: new code from S3, two minutes before the failures start
    changes=(
        Change(
            "UpdateFunctionCode",
            minutes=2,
            by=ROLE,
            session=SESSION,
            code_sha256="q3Lr0dB4yKj2cW9vY8uZ6mE1tN5sH7aX0fQpVgR2iTk=",
            user_agent="aws-sdk-js/3.637.0 ua/2.0 os/linux lang/js md/nodejs#20.17.0 api/lambda#3.637.0",
        ),
    ),
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\bcart-api\b"),
        Expect("the error the new code raises: KeyError", r"\bKeyError\b"),
        Expect("the deploy (UpdateFunctionCode)", r"deploy|UpdateFunctionCode|new code", needs_changes=True),
        Expect(f"who deployed: {ROLE}", rf"{ROLE}|{SESSION}", needs_changes=True),
    ),
)
