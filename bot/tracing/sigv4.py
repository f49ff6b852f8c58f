"""Signature Version 4 for the requests the OpenTelemetry OTLP/HTTP exporter sends: a ``requests`` auth hook
that signs each prepared request with botocore's own signer (``SigV4Auth``), as boto3 signs its calls — X-Ray's
OTLP endpoint takes no other credentials from a Lambda function.

Not for: AWS API calls (``bot.aws`` builds boto3 clients, which sign themselves)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from requests.auth import AuthBase

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.credentials import Credentials
    from requests import PreparedRequest


def session_credentials() -> Credentials | None:
    """The credentials boto3 would use (in Lambda, the function role's, from its environment)."""
    import botocore.session

    return botocore.session.get_session().get_credentials()


SIGNED = ("content-type", "content-encoding")
"""The headers signed besides the host and the date: the exporter's own; the ones requests adds are not."""


class SigV4(AuthBase):
    """Signs for ``service`` in ``region``; credentials are read on the first request, never at init (a SnapStart
    snapshot's init must not hold them), and refreshed by botocore when they are refreshable."""

    def __init__(
        self,
        *,
        region: str,
        service: str = "xray",
        credentials: Callable[[], Credentials | None] = session_credentials,
    ):
        self.region = region
        self.service = service
        self._credentials = credentials
        self._found: Credentials | None = None

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        if self._found is None:
            self._found = self._credentials()
        if self._found is None:
            raise RuntimeError("no AWS credentials to sign the trace export with")
        signed = AWSRequest(
            method=request.method,
            url=request.url,
            data=request.body,
            headers={k: v for k, v in request.headers.items() if k.lower() in SIGNED},
        )
        SigV4Auth(self._found.get_frozen_credentials(), self.service, self.region).add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        return request
