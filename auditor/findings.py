"""Findings and severities: what a rule reports and what the reporters and exit code consume."""

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum

from auditor.core.model import Location


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; use one of {', '.join(s.label for s in cls)}") from None


@dataclass(slots=True)
class Resource:
    """Which AWS object a finding is about; also the basis of its fingerprint."""

    account: str | None = None
    region: str | None = None
    api_id: str | None = None
    route_key: str | None = None
    integration_id: str | None = None
    function_arn: str | None = None
    stage: str | None = None
    authorizer_id: str | None = None
    statement_id: str | None = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


@dataclass(slots=True)
class Fix:
    """A machine-readable fix, so each input kind can render it in its own syntax.

    action is "set" (properties on the finding's object), "add-permission", "remove-statement",
    "create-stage", "create-route" or "review"; details carries the values.
    """

    action: str
    details: dict = field(default_factory=dict)


@dataclass(slots=True)
class Finding:
    """One problem a rule found: what, where, how bad, and the exact fix."""

    rule_id: str
    rule: str
    severity: Severity
    message: str
    resource: Resource
    location: Location | None
    remediation: str
    fix: Fix | None = None

    @property
    def fingerprint(self) -> str:
        """Stable across runs and message rewording: rule id plus the resource's identity."""
        identity = "|".join([self.rule_id] + [f"{k}={v}" for k, v in self.resource.as_dict().items()])
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple:
        r = self.resource
        return (r.account or "", r.region or "", r.api_id or "~", -self.severity, self.rule_id,
                r.route_key or "", r.integration_id or "", r.function_arn or "", r.stage or "", r.statement_id or "")
