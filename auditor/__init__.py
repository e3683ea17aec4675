"""apigw-auditor: find why an API Gateway HTTP API wired to Lambda answers 404 or 500, before users do."""

__version__ = "0.1.0"
