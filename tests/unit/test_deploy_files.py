"""What a person deploys with: samconfig.example.toml answers what the guided deploy asks (SAM CLI's
samconfig format: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html),
every template parameter it sets exists and takes the value it is given, and none that the template requires
is missing; the README's guided-deploy table names every parameter, in the template's order."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def template_parameters() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # CloudFormation's short tags
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader
    parameters: dict[str, Any] = template["Parameters"]
    return parameters


def test_the_example_samconfig_deploys_with_the_guided_answers() -> None:
    config = tomllib.loads((ROOT / "samconfig.example.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM" and deploy["resolve_s3"] is True
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,57}", deploy["stack_name"])  # the README's stack-name rule
    parameters = template_parameters()
    given = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
    assert given.keys() <= parameters.keys()
    required = {name for name, p in parameters.items() if "Default" not in p}
    assert required <= given.keys(), f"the example must set {required - given.keys()}"
    for name, value in given.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)
        if "AllowedValues" in spec:
            assert value in spec["AllowedValues"], (name, value)


def test_the_guided_deploy_table_names_every_parameter_in_order() -> None:
    page = (ROOT / "docs" / "deployment.md").read_text()
    asked = re.findall(r"^\| Parameter (\w+)", page, flags=re.M)
    assert asked == list(template_parameters())  # SAM CLI asks them in the template's order
    assert "Function Url has no authentication. Is this okay? [y/N]** | **`y`**" in page


def test_the_public_slack_function_writes_only_its_own_key_families() -> None:
    # GIVEN the Slack function's policy (its URL is public: whatever it can write, a bug there could write)
    from bot.lifecycle.store import _incident_key
    from bot.slack.edge.seen_signatures import SeenSignatures

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader
    statements = [
        statement
        for policy in template["Resources"]["SlackFunction"]["Properties"]["Policies"]
        for statement in policy["Statement"]
        if any(str(action).startswith("dynamodb:") for action in statement["Action"])
    ]
    # THEN every DynamoDB statement is limited to the leading keys of the buttons' incidents and the replay
    # memory (never an idempotency claim, a storm, a check or a ledger)
    assert statements
    families = {"incident#*", "signature#*"}
    for statement in statements:
        assert set(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]) == families

    # AND those are the families the code writes
    class Keys:
        written: list[str] = []

        def put_item(self, **kwargs: Any) -> None:
            self.written.append(kwargs["Item"]["pk"]["S"])

    keys = Keys()
    SeenSignatures("t", keys).first_time("v0=abc")
    written = [*keys.written, _incident_key("arn:aws:cloudwatch:us-east-1:1:alarm:a")]
    assert all(any(re.fullmatch(f.replace("*", ".*"), key) for f in families) for key in written)


def test_every_function_sam_builds_with_make_has_its_target() -> None:
    # SAM's makefile build method runs `make build-<LogicalId>` (SAM Developer Guide, "Building custom runtimes"):
    # a function without its target fails `sam build` for the whole stack
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader
    built = {
        name
        for name, resource in template["Resources"].items()
        if (resource.get("Metadata") or {}).get("BuildMethod") == "makefile"
    }
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^build-(\w+):", makefile, re.MULTILINE))
    phony = set(
        re.findall(r"build-(\w+)", next(line for line in makefile.splitlines() if line.startswith(".PHONY")))
    )
    assert built and built <= targets, f"no Makefile target for {built - targets}"
    assert built <= phony, f"not .PHONY: {built - phony}"
