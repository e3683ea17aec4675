"""The built-in rule catalogue, in id order; plugins add theirs through entry points."""

from auditor.rules.exposure import (FunctionPublic, PermissionBroadSourceArn, PermissionNoSourceArn,
                                    RouteNoAuthorization, StageNoAccessLogs)
from auditor.rules.hygiene import AuthorizerUnused, IntegrationUnused, PermissionStale
from auditor.rules.integration import (FunctionMissing, IntegrationTimeout, IntegrationType, IntegrationUriInvalid,
                                       PayloadFormatV1)
from auditor.rules.meta import AuditIncomplete
from auditor.rules.permission import (AuthorizerPermissionMissing, FunctionOutOfReach, PermissionApiMismatch,
                                      PermissionMissing, PermissionQualifierMismatch, PermissionRouteUncovered)
from auditor.rules.rest import (ApiKeyWithoutUsagePlan, DeploymentStale, IntegrationResponseMissing,
                                LambdaIntegrationMethod, PrivateWithoutPolicy, ResourcePolicyDenies)
from auditor.rules.rest_iac import DeploymentBeforeMethods, DeploymentWithoutTriggers
from auditor.rules.roles import CredentialsRoleUntrusted
from auditor.rules.websocket import (AuthorizerNotOnConnect, ConnectUnreachable, RouteKeyUnselectable,
                                     TwoWayRouteWithoutResponse)
from auditor.rules.truth import FunctionUrlBesideApi, IdentitySourceUndefinedStageVariable
from auditor.rules.wiring import (ApiNotServed, RouteKeyInvalid, RouteTargetPrefix, RouteTargetUnknown,
                                 RouteThrottledToZero, RouteWithoutTarget)

BUILTIN_RULES = (
    AuditIncomplete,
    RouteTargetPrefix, RouteTargetUnknown, RouteWithoutTarget, RouteKeyInvalid, ApiNotServed, RouteThrottledToZero,
    TwoWayRouteWithoutResponse, RouteKeyUnselectable,
    PayloadFormatV1, IntegrationType, IntegrationUriInvalid, FunctionMissing, IntegrationTimeout,
    LambdaIntegrationMethod, IntegrationResponseMissing, ApiKeyWithoutUsagePlan, DeploymentStale,
    DeploymentBeforeMethods, DeploymentWithoutTriggers,
    PermissionMissing, PermissionApiMismatch, PermissionRouteUncovered, PermissionQualifierMismatch,
    AuthorizerPermissionMissing, FunctionOutOfReach, CredentialsRoleUntrusted, PrivateWithoutPolicy, ResourcePolicyDenies,
    ConnectUnreachable, AuthorizerNotOnConnect,
    PermissionNoSourceArn, PermissionBroadSourceArn, FunctionPublic, RouteNoAuthorization, StageNoAccessLogs,
    IntegrationUnused, PermissionStale, AuthorizerUnused,
    FunctionUrlBesideApi, IdentitySourceUndefinedStageVariable,
)
