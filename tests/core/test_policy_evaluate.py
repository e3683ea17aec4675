"""policy.evaluate is the one IAM evaluator: the same statements give the answer the caller's request context
decides (API Gateway's own call of Lambda: CALL_CONTEXT; an anonymous REST client: nothing known)."""

from auditor.core import policy

FN = "arn:aws:lambda:us-east-1:123456789012:function:f"
ALLOW = {"Effect": "Allow", "Principal": {"Service": policy.APIGATEWAY}, "Action": "lambda:InvokeFunction",
         "Resource": FN}
DENY_SERVICES = {"Sid": "noservices", "Effect": "Deny", "Principal": "*", "Action": "lambda:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}}}


def test_a_context_key_api_gateway_carries_decides_the_deny():
    result = policy.evaluate([ALLOW, DENY_SERVICES], "lambda:InvokeFunction", FN, policy.APIGATEWAY)
    assert result.decision == "denied" and result.statement["Sid"] == "noservices"
    assert policy.evaluate([ALLOW], "lambda:InvokeFunction", FN, policy.APIGATEWAY).decision == "allowed"


def test_with_an_unknown_context_the_same_deny_is_only_possible():
    result = policy.evaluate([ALLOW, DENY_SERVICES], "lambda:InvokeFunction", FN, policy.APIGATEWAY,
                             policy.unknown_context)
    assert result.decision == "conditional"


def test_not_principal_not_action_not_resource():
    everyone_but_ops = {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/ops"},
                        "Action": "lambda:InvokeFunction", "Resource": FN}
    assert policy.evaluate([ALLOW, everyone_but_ops], "lambda:InvokeFunction", FN,
                           policy.APIGATEWAY).decision == "denied"
    not_invoke = dict(ALLOW, NotAction="lambda:InvokeFunction")
    del not_invoke["Action"]
    assert policy.evaluate([not_invoke], "lambda:InvokeFunction", FN, policy.APIGATEWAY).decision == "implicit"
    elsewhere = dict(ALLOW, NotResource=FN)
    del elsewhere["Resource"]
    assert policy.evaluate([elsewhere], "lambda:InvokeFunction", FN, policy.APIGATEWAY).decision == "implicit"
    assert policy.evaluate([elsewhere], "lambda:InvokeFunction", FN + ":live", policy.APIGATEWAY).decision == "allowed"
