"""Resolve the few CloudFormation intrinsic functions a template test needs (Ref, Fn::Sub, Fn::Select,
Fn::Split, Fn::Join, Fn::If and the condition functions) for given parameter values, as the CloudFormation
Template Reference defines them, so a test can assert the values a stack would really get — an IAM ARN per
prefix, say — instead of the shape of the functions that build them."""

from __future__ import annotations

import re
from typing import Any

PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "123456789012", "AWS::Region": "us-east-1"}
NO_VALUE = object()


def resolve(node: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """``node`` with every supported function evaluated; a ``!Ref AWS::NoValue`` list item disappears."""
    values = {**PSEUDO, **_defaults(template), **parameters}

    def value(n: Any) -> Any:
        if isinstance(n, list):
            return [v for v in (value(x) for x in n) if v is not NO_VALUE]
        if not isinstance(n, dict) or len(n) != 1:
            return {k: value(v) for k, v in n.items()} if isinstance(n, dict) else n
        ((name, arg),) = n.items()
        if name == "Ref":
            return NO_VALUE if arg == "AWS::NoValue" else values[arg]
        if name == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], {k: value(v) for k, v in arg[1].items()})
            return re.sub(r"\$\{([^!}][^}]*)\}", lambda m: str({**values, **extra}[m.group(1)]), text)
        if name == "Fn::Select":
            return value(arg[1])[int(value(arg[0]))]
        if name == "Fn::Split":
            return value(arg[1]).split(arg[0])
        if name == "Fn::Join":
            assert isinstance(arg[0], str), f"Fn::Join's delimiter must be a plain string, got {arg[0]!r}"
            return arg[0].join(value(arg[1]))
        if name == "Fn::If":
            return value(arg[1] if condition(arg[0]) else arg[2])
        return {name: value(arg)}

    def condition(name: str) -> bool:
        return truth(template["Conditions"][name])

    def truth(n: Any) -> bool:
        ((name, arg),) = n.items()
        if name == "Fn::Equals":
            return bool(value(arg[0]) == value(arg[1]))
        if name == "Fn::Not":
            return not truth(arg[0])
        if name == "Fn::And":
            return all(truth(a) for a in arg)
        if name == "Fn::Or":
            return any(truth(a) for a in arg)
        if name == "Condition":
            return condition(arg)
        raise ValueError(f"not a condition function: {name}")

    return value(node)


def _defaults(template: dict[str, Any]) -> dict[str, str]:
    return {k: str(p["Default"]) for k, p in template.get("Parameters", {}).items() if "Default" in p}
