"""Lambda's changes, from CloudTrail: a function's code (``UpdateFunctionCode``), configuration
(``UpdateFunctionConfiguration``), a published version (``PublishVersion``), an alias moved (``UpdateAlias``),
its reserved concurrency (``PutFunctionConcurrency``). CloudTrail names them with the API version
(``UpdateFunctionCode20150331v2``); ``bot.changes.cloudtrail`` strips it. The request says what was set, the
response the function's whole configuration after it — never its environment's values, which CloudTrail omits
(Lambda Developer Guide, "Logging Lambda API calls using CloudTrail")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import dig, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change

SOURCE = "lambda.amazonaws.com"

SETTING_NAMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("memorySize",), "memory"),
    (("timeout",), "timeout"),
    (("runtime",), "runtime"),
    (("handler",), "handler"),
    (("codeSha256",), "code sha256"),
    (("layers",), "layers"),
    (("architectures",), "architecture"),
    (("ephemeralStorage", "size"), "ephemeral storage"),
    (("tracingConfig", "mode"), "tracing"),
    (("snapStart", "applyOn"), "SnapStart"),
    (("role",), "role"),
)
"""Where a function's settings sit in a ``FunctionConfiguration`` (the answer of every call here but
``UpdateAlias`` and ``PutFunctionConcurrency``), and the name a diff gives each."""
REQUEST_NAMES: dict[str, str] = {
    "memorySize": "memory",
    "timeout": "timeout",
    "runtime": "runtime",
    "handler": "handler",
    "layers": "layers",
    "role": "role",
    "description": "description",
    "vpcConfig": "VPC",
    "deadLetterConfig": "dead-letter queue",
    "kMSKeyArn": "KMS key",
    "fileSystemConfigs": "file systems",
    "imageConfig": "image config",
    "loggingConfig": "logging",
}
"""``UpdateFunctionConfiguration``'s request fields and their names; nested ones below."""
NESTED_REQUEST: dict[str, tuple[str, str]] = {
    "tracingConfig": ("mode", "tracing"),
    "ephemeralStorage": ("size", "ephemeral storage"),
    "snapStart": ("applyOn", "SnapStart"),
}


def function_name(raw: object) -> tuple[str, str]:
    """(name, qualifier) of a ``FunctionName`` in any of its forms: ``my-function``, ``my-function:v1``, an ARN
    with or without a version or alias, or a partial ARN ``123456789012:function:my-function``."""
    text = coerce.text(raw)
    if "function:" in text:
        text = text.split("function:", 1)[1]
    name, _, qualifier = text.partition(":")
    return name, qualifier


def read(call: Call) -> Change:
    name, qualifier = function_name(call.response.get("functionName") or call.request.get("functionName"))
    if not name:
        name, qualifier = function_name(call.request.get("functionName"))
    if not name:
        raise UnknownChange(f"{call.name} names no function (requestParameters.functionName)")
    return READERS[call.action](call, name, qualifier)


def _settings(configuration: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for path, label in SETTING_NAMES:
        raw = dig(configuration, *path)
        shown = value(_layer_names(raw) if label == "layers" else raw)
        if shown is not None:
            found.append((label, shown))
    return tuple(found)


def _layer_names(raw: object) -> list[str]:
    """Layers by ``name:version``: the request lists ARNs, the answer objects with an ``arn``."""
    arns = [coerce.text(item.get("arn") if isinstance(item, dict) else item) for item in raw or []]  # type: ignore[attr-defined]
    return [arn.rsplit(":layer:", 1)[-1] for arn in arns if arn]


def _change(
    call: Call, name: str, diffs: list[Diff], *, resource: str = "", settings: Iterable[tuple[str, str]] = ()
) -> Change:
    return call.change(
        service=resources.LAMBDA,
        resource=resource or name,
        resources=(resources.key(resources.LAMBDA, name),),
        diffs=diffs,
        link=links.lambda_function(call.region, name),
        settings=settings,
    )


def _code(call: Call, name: str, qualifier: str) -> Change:
    diffs = [Diff("code sha256", value(call.response.get("codeSha256")))]
    image = value(call.request.get("imageUri"))
    if image:
        diffs.append(Diff("image", image))
    version = coerce.text(call.response.get("version"))
    if version and version != "$LATEST":
        diffs.append(Diff("published version", version))
    return _change(call, name, [d for d in diffs if d.new], settings=_settings(call.response))


def _configuration(call: Call, name: str, qualifier: str) -> Change:
    diffs: list[Diff] = []
    for field, label in REQUEST_NAMES.items():
        if field in call.request:
            raw = call.request[field]
            diffs.append(Diff(label, value(_layer_names(raw) if field == "layers" else raw) or "none"))
    for field, (inner, label) in NESTED_REQUEST.items():
        raw = dig(call.request, field, inner)
        if raw is not None:
            diffs.append(Diff(label, value(raw)))
    environment = call.request.get("environment")
    if isinstance(environment, dict) and environment:  # CloudTrail omits the values (and usually the field)
        diffs.append(Diff("environment variables (values not logged)", None))
    return _change(call, name, diffs, settings=_settings(call.response))


def _version(call: Call, name: str, qualifier: str) -> Change:
    diffs = [
        Diff("version", value(call.response.get("version"))),
        Diff("code sha256", value(call.response.get("codeSha256"))),
    ]
    description = value(call.request.get("description"))
    if description:
        diffs.append(Diff("description", description))
    return _change(call, name, [d for d in diffs if d.new], settings=_settings(call.response))


def _alias(call: Call, name: str, qualifier: str) -> Change:
    alias = coerce.text(call.response.get("name") or call.request.get("name"))
    version = value(call.response.get("functionVersion") or call.request.get("functionVersion"))
    label = f"alias {alias}"
    diffs = [Diff(label, version)] if version else []
    weights = dig(call.response, "routingConfig", "additionalVersionWeights") or dig(
        call.request, "routingConfig", "additionalVersionWeights"
    )
    if isinstance(weights, dict) and weights:
        shares = [f"{v}: {coerce.number(w) or 0:.0%}" for v, w in sorted(weights.items())]
        diffs.append(Diff(f"{label} routing", value(shares)))
    settings = ((label, version),) if version else ()
    return _change(call, name, diffs, resource=f"{name}:{alias}" if alias else name, settings=settings)


def _concurrency(call: Call, name: str, qualifier: str) -> Change:
    reserved = value(
        call.response.get("reservedConcurrentExecutions", call.request.get("reservedConcurrentExecutions"))
    )
    label = "reserved concurrency"
    return _change(call, name, [Diff(label, reserved)], settings=((label, reserved),) if reserved else ())


READERS: dict[str, Callable[[Call, str, str], Change]] = {
    "UpdateFunctionCode": _code,
    "UpdateFunctionConfiguration": _configuration,
    "PublishVersion": _version,
    "UpdateAlias": _alias,
    "PutFunctionConcurrency": _concurrency,
}
EVENT_NAMES = tuple(READERS)
"""The actions the ledger's rule matches (by prefix: CloudTrail appends the API version)."""
