"""CloudTrail's "AWS API Call via CloudTrail" events as EventBridge delivers them: the envelope around the record,
the ``userIdentity`` of an IAM user and of an assumed role, and the ``FunctionConfiguration`` Lambda answers with.
``SOURCES.md`` names where each comes from.

Not for: which changes a scenario makes (each scenario's ``Change``, ``local.scenario.incidents.world``) or
delivering them (``local.scenario.incidents.ledger``).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from local.scenario.incident import hex_id
from local.stack import ACCOUNT, REGION

if TYPE_CHECKING:
    from local.scenario.incidents.seeded_ids import Ids


def assumed_role(role: str, session: str) -> dict[str, Any]:
    """``userIdentity`` of a call made with an assumed role's session (a CI pipeline's deploy role)."""
    principal = f"AROA{hex_id(random.Random(role), 17).upper()}"
    return {
        "type": "AssumedRole",
        "principalId": f"{principal}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": principal,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"creationDate": "2024-01-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def iam_user(name: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": f"AIDA{hex_id(random.Random(name), 16).upper()}",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": name,
    }


def api_call_event(
    ids: Ids,
    *,
    at: datetime,
    source: str,
    event_source: str,
    event_name: str,
    identity: dict[str, Any],
    request: dict[str, Any],
    response: dict[str, Any] | None,
    user_agent: str,
) -> dict[str, Any]:
    """An "AWS API Call via CloudTrail" event on the default bus: EventBridge's envelope around the CloudTrail
    record (``detail``), as the ledger's rule receives it."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event_id = ids.uuid()
    return {
        "version": "0",
        "id": ids.uuid(),
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": ACCOUNT,
        "time": stamp,
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": identity,
            "eventTime": stamp,
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": REGION,
            "sourceIPAddress": "203.0.113.24",
            "userAgent": user_agent,
            "requestParameters": request,
            "responseElements": response,
            "requestID": ids.uuid(),
            "eventID": event_id,
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"{event_source.split('.')[0]}.{REGION}.amazonaws.com",
            },
        },
    }


def function_configuration(
    function: str,
    *,
    memory_mb: int,
    timeout_s: int,
    runtime: str,
    code_sha256: str,
    last_modified: datetime,
    handler: str = "app.lambda_handler",
) -> dict[str, Any]:
    """A ``FunctionConfiguration`` as CloudTrail records Lambda's answer (``responseElements``): the environment's
    variables are never shown."""
    return {
        "functionName": function,
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        "runtime": runtime,
        "role": f"arn:aws:iam::{ACCOUNT}:role/{function}-role",
        "handler": handler,
        "codeSize": 48213,
        "description": "",
        "timeout": timeout_s,
        "memorySize": memory_mb,
        "lastModified": last_modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "codeSha256": code_sha256,
        "version": "$LATEST",
        "environment": {},
        "tracingConfig": {"mode": "Active"},
        "revisionId": str(uuid.UUID(int=random.Random(code_sha256 + function).getrandbits(128), version=4)),
        "state": "Active",
        "lastUpdateStatus": "InProgress",
        "packageType": "Zip",
        "architectures": ["arm64"],
        "ephemeralStorage": {"size": 512},
        "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{function}"},
    }
