"""Every DynamoDB operation the alarm paths call is one their functions may call. moto does not enforce IAM,
so a call the template does not grant passes every other test and fails in AWS with AccessDenied — as the
storm flush's BatchGetItem did in the alarm and log-error functions. The operations are read from the source
(boto3 client methods, and Powertools Idempotency's DynamoDB persistence layer for ``bot.lifecycle.once``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(
    r"\.(get_item|put_item|update_item|delete_item|batch_get_item|batch_write_item|query|scan"
    r"|transact_write_items|transact_get_items)\("
)
POWERTOOLS_IDEMPOTENCY = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}
"""What ``DynamoDBPersistenceLayer`` calls (aws_lambda_powertools/utilities/idempotency/persistence/dynamodb.py)."""
PATHS = {
    "AlarmFunction": ("bot/lifecycle", "bot/changes"),
    "LogErrorsFunction": ("bot/lifecycle", "bot/logerrors", "bot/changes"),
    "ChecksFunction": ("bot/lifecycle", "bot/checks", "bot/changes"),
}
"""The packages each function runs that talk to the incidents table (the alert lifecycle, storms included, and
the change ledger the enrichment reads, ``bot.enrich.changes``)."""


def template() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader


def granted(function: str) -> set[str]:
    actions: set[str] = set()
    for policy in template()["Resources"][function]["Properties"].get("Policies") or []:
        for statement in (policy or {}).get("Statement", []) if isinstance(policy, dict) else []:
            listed = statement.get("Action", [])
            for action in [listed] if isinstance(listed, str) else listed:
                if action.startswith("dynamodb:"):
                    actions.add(action.split(":", 1)[1])
    return actions


def called(packages: tuple[str, ...]) -> set[str]:
    operations: set[str] = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            operations |= {"".join(p.capitalize() for p in m.split("_")) for m in CALL.findall(text)}
            if "DynamoDBPersistenceLayer" in text:
                operations |= POWERTOOLS_IDEMPOTENCY
    return operations


@pytest.mark.parametrize("function", sorted(PATHS))
def test_the_function_may_call_every_dynamodb_operation_its_code_calls(function: str) -> None:
    needed = called(PATHS[function])
    assert needed, "no DynamoDB call found: the pattern no longer matches the code"
    assert needed - granted(function) == set()
