"""Parameter Store's changes, from CloudTrail: ``PutParameter``. A parameter's value is never kept — a
SecureString's is a secret, and CloudTrail hides every value anyway (``HIDDEN_DUE_TO_SECURITY_REASONS``) — only
its name, type, tier and version. Each write of a value makes the next version: "when you change the value of
the parameter, Parameter Store automatically increments the version number by one" (Systems Manager User Guide,
"Working with parameter versions"), so version N replaced N − 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change

SOURCE = "ssm.amazonaws.com"
EVENT_NAMES = ("PutParameter",)


def read(call: Call) -> Change:
    name = coerce.text(call.request.get("name"))
    if not name:
        raise UnknownChange(f"{call.name} names no parameter (requestParameters.name)")
    version = coerce.whole(call.response.get("version"))
    diffs = []
    if version is not None:
        diffs.append(Diff("version", str(version), str(version - 1) if version > 1 else None))
    for field, label in (("type", "type"), ("tier", "tier")):
        shown = value(call.request.get(field) or (call.response.get(field) if field == "tier" else None))
        if shown:
            diffs.append(Diff(label, shown))
    return call.change(
        service=resources.SSM,
        resource=name,
        resources=resources.with_account((resources.key(resources.SSM, name),), call.account),
        diffs=diffs,
        link=links.ssm_parameter(call.region, name),
    )
