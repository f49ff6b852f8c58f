"""Redaction rules against real shapes (issue #26): credentials that leaked in full are gone; identifiers of who
acted and what was touched (a principal ARN, an approval token, an ETag) are shown unchanged. Each probe names
its public source; token shapes follow the rules in gitleaks' config/gitleaks.toml (rule id named)."""

from __future__ import annotations

import json

import pytest

from bot.text import redact

# Amazon S3 API reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example URL
S3_PRESIGNED_V4 = (
    "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
    "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)
# Amazon S3 developer guide, "Using Query String Authentication" (Signature Version 2), example URL
S3_PRESIGNED_V2 = (
    "http://quotes.s3.amazonaws.com/nelson?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1177363698"
    "&Signature=vjSAMPLENmGa%2ByT272YEAiv4%3D"
)
# Microsoft Learn, "Identify URI and SAS parameters" (Azure Storage), example service SAS URI
AZURE_SAS = (
    "https://myaccount.blob.core.windows.net/?restype=service&comp=properties&sv=2015-04-05&ss=bf"
    "&st=2015-04-29T22%3A18%3A26Z&se=2015-04-30T02%3A23%3A26Z&sr=b&sp=rw&sip=168.1.5.60-168.1.5.70&spr=https"
    "&sig=F%6GRVAZ5Cdj2Pw4tgU7IlSTkWgn7bUkkAg8P6HESXwmf%4B"
)
# An STS session token as a presigned URL made with temporary credentials carries it (URL-encoded, and longer
# than 1 KB once encoded: the whole of it must go, not its first kilobyte).
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQ" + "Dx9EXAMPLEsess%2Bion" * 64
)


@pytest.mark.parametrize(
    ("line", "secrets", "kept"),
    [
        (
            f"GET {S3_PRESIGNED_V4} 403",
            ["aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "AKIAIOSFODNN7EXAMPLE"],
            ["https://examplebucket.s3.amazonaws.com/test.txt?", "X-Amz-Expires=86400", " 403"],
        ),
        (
            f"GET {S3_PRESIGNED_V2} 403",
            ["vjSAMPLENmGa%2ByT272YEAiv4%3D", "AKIAIOSFODNN7EXAMPLE"],
            ["http://quotes.s3.amazonaws.com/nelson?", "Expires=1177363698", " 403"],
        ),
        (
            f"{S3_PRESIGNED_V4}&X-Amz-Security-Token={SESSION_TOKEN} expired",
            ["IQoJb3JpZ2luX2Vj", "EXAMPLEsess"],
            ["X-Amz-Expires=86400", " expired"],
        ),
        (
            f"copy from {AZURE_SAS} failed",
            ["F%6GRVAZ5Cdj2Pw4tgU7IlSTkWgn7bUkkAg8P6HESXwmf%4B"],
            ["sv=2015-04-05", "sp=rw", " failed"],
        ),
    ],
    ids=["s3-sigv4-presigned", "s3-sigv2-presigned", "s3-session-token", "azure-sas-sig"],
)
def test_presigned_urls_lose_their_signature_and_credential(
    line: str, secrets: list[str], kept: list[str]
) -> None:
    out = redact(line)
    for secret in secrets:
        assert secret not in out
    for part in kept:
        assert part in out


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # Django settings / twelve-factor style environment, as printed by a crashing task
        (
            "SECRET_KEY=django-insecure-7x!b9q$2k#p0w@e3r5t partition_key=user1",
            "django-insecure-7x!b9q$2k#p0w@e3r5t",
        ),
        ('{"aws_secret_key": "Zm9vYmFyYmF6cXV4MTIzNDU2", "partition_key": "user1"}', "Zm9vYmFyYmF6cXV4MTIzNDU2"),
        # ssh-keygen / openssl style
        ("loading key with passphrase=correct-horse-battery partition_key=user1", "correct-horse-battery"),
        ('{"KEY_PASSPHRASE": "correct horse battery", "partition_key": "user1"}', "correct horse battery"),
    ],
)
def test_secret_key_and_passphrase_values_are_redacted(line: str, secret: str) -> None:
    out = redact(line)
    assert secret not in out
    assert "partition_key" in out and "user1" in out  # a key that merely ends in "key" is not secret


@pytest.mark.parametrize(
    "token",
    [
        # gitleaks rule openai-api-key: the rule's own true-positive samples (project and service-account keys)
        "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",
        "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",
        # gitleaks rule openai-api-key, legacy form: sk- + 20 + "T3BlbkFJ" + 20
        "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",
        # gitleaks rule gitlab-pat (glpat- + 20) and gitlab-pat-routable (glpat- + 27..300 + "." + 2 + 7)
        "glpat-Xz9kQ2mV7bN4cR8tY1wP",
        "glpat-Xz9kQ2mV7bN4cR8tY1wPq3sL5dF.01a2b3c4d",
        # gitleaks rule npm-access-token: npm_ + 36 alphanumerics
        "npm_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8",
        # gitleaks rule gcp-api-key "text boundary end" sample: AIza + 35 and more; gitleaks and the old rule skip it
        "AIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDqabcd123",
    ],
    ids=["openai-proj", "openai-svcacct", "openai-legacy", "gitlab-pat", "gitlab-pat-routable", "npm", "gcp-long"],
)
def test_vendor_tokens_are_redacted(token: str) -> None:
    for line in (f"export TOKEN_VALUE {token} done", f'{{"value": "{token}"}}', f"x={token}"):
        out = redact(line)
        assert token not in out and token[:12] not in out and token[-8:] not in out


@pytest.mark.parametrize(
    ("line", "secrets", "kept"),
    [
        # MDN, "Cookie" header, example
        (
            "Cookie: PHPSESSID=298zf09hf012fh2; csrftoken=u32t4o3tb3gg43; _gat=1",
            ["298zf09hf012fh2", "u32t4o3tb3gg43"],
            ["Cookie:"],
        ),
        # MDN, "Set-Cookie" header, example
        (
            "Set-Cookie: id=a3fWa; Expires=Thu, 21 Oct 2021 07:28:00 GMT; Secure; HttpOnly",
            ["a3fWa"],
            ["Set-Cookie:"],
        ),
        # the same headers as an ALB / API Gateway event or a logged request shows them
        (
            '{"headers": {"cookie": "sessionid=abc123def456; theme=dark", "host": "example.com"}}',
            ["abc123def456"],
            ['"host": "example.com"'],
        ),
    ],
    ids=["cookie", "set-cookie", "cookie-json"],
)
def test_cookie_header_values_are_redacted(line: str, secrets: list[str], kept: list[str]) -> None:
    out = redact(line)
    for secret in secrets:
        assert secret not in out
    for part in kept:
        assert part in out


# CloudTrail User Guide, "CloudTrail userIdentity element", AssumedRole example, as an IAM Identity Center (SSO)
# user's session shows it: the role is AWSReservedSSO_<permission set>_<id>, the session name the user's name.
SSO_ARN = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_abc123/jane@example.com"
IAM_USER_ARN = "arn:aws:iam::123456789012:user/jane@example.com"


def test_an_email_as_principal_name_inside_an_arn_is_shown() -> None:
    event = json.dumps(
        {
            "userIdentity": {"type": "AssumedRole", "arn": SSO_ARN, "accountId": "123456789012"},
            "eventName": "PutBucketPolicy",
        }
    )
    assert SSO_ARN in redact(event)
    assert IAM_USER_ARN in redact(f"Config: {IAM_USER_ARN} changed AWS::IAM::Policy")
    assert redact(f"principal {SSO_ARN}") == f"principal {SSO_ARN}"


def test_an_email_elsewhere_is_still_redacted() -> None:
    out = redact(f'{{"arn": "{SSO_ARN}", "contact": "jane@example.com"}} mailed bob@example.org')
    assert SSO_ARN in out
    assert '"contact": "jane@example.com"' not in out and "bob@example.org" not in out
    # an e-mail in an object's ARN is personal data in a name, not who acted
    assert "jane@example.com" not in redact("arn:aws:s3:::uploads/jane@example.com/cv.pdf")


# CodePipeline User Guide, "JSON data format for manual approval notifications"; its sample token
# "1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN" is a placeholder: the real one is a UUID (PutApprovalResult's token
# pattern in the CodePipeline API reference: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}).
APPROVAL_TOKEN = "1a2b3c4d-573f-4ea7-a67e-0123456789ab"
APPROVAL = {
    "region": "us-east-2",
    "consoleLink": "https://console.aws.amazon.com/codepipeline/home?region=us-east-2#/view/MyFirstPipeline",
    "approval": {
        "pipelineName": "MyFirstPipeline",
        "stageName": "MyApprovalStage",
        "actionName": "MyApprovalAction",
        "token": APPROVAL_TOKEN,
        "expires": "2016-07-07T20:22Z",
        "externalEntityLink": "http://example.com",
        "approvalReviewLink": "https://console.aws.amazon.com/codepipeline/home?region=us-east-2#/view/"
        f"MyFirstPipeline/MyApprovalStage/MyApprovalAction/approve/{APPROVAL_TOKEN}",
        "customData": "Review the latest changes and approve or reject within seven days.",
    },
}


def test_a_codepipeline_approval_token_is_shown() -> None:
    text = json.dumps(APPROVAL)
    assert redact(text) == text
    assert f'"token": "{APPROVAL_TOKEN}"' in redact(json.dumps(APPROVAL, indent=4))


@pytest.mark.parametrize(
    "line",
    [
        '{"token": "8f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e"}',
        '{"token": "1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN"}',
        "token=Zm9vYmFyLWJhei1xdXV4",
        '{"auth_token": "0b2fd6d1-6d4f-4fd9-9c13-2f1b8c7bcd56"}',  # only a key named token is an approval's
    ],
)
def test_an_opaque_token_is_still_redacted(line: str) -> None:
    out = redact(line)
    assert "[REDACTED" in out
    assert not any(value in out for value in ("8f2c1e9a7b6d", "XAMPLETOKEN", "Zm9vYmFy", "0b2fd6d1"))


@pytest.mark.parametrize(
    "text",
    [
        # Lambda Developer Guide, S3 trigger tutorial: the S3 event notification's object
        '"object": {"key": "test/key", "size": 1024, "eTag": "0123456789abcdef0123456789abcdef", "sequencer": "0A1B2C3D4E5F678901"}',
        # S3 HeadObject / ListObjectsV2 output: quoted, and a multipart upload's "-<parts>" suffix
        '"ETag": "\\"d41d8cd98f00b204e9800998ecf8427e\\""',
        '"ETag": "\\"3858f62230ac3c915f300c664312c11f-9\\""',
        'ETag: "D41D8CD98F00B204E9800998ECF8427E"',
        "s3://logs-bucket/2026/12/04/9b2cf535f27731c974343645a3985328-12 etag=9b2cf535f27731c974343645a3985328",
    ],
    ids=["s3-event", "quoted", "multipart", "upper-case", "in-a-path"],
)
def test_an_s3_etag_is_shown(text: str) -> None:
    assert redact(text) == text
