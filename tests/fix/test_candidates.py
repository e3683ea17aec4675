"""Which integration a route without a working target gets: only what every piece of evidence agrees on.

The measured defect: a refund route whose integration was deleted was re-pointed at the API's only
remaining integration, the ledger function's, though the refunds function's own permission names exactly
that route; at `--fail-on low` the refunds integration (unused meanwhile) was deleted first and the route
then re-pointed at the ledger: "0 left", exit 0, refunds landing on the ledger.
"""

import json

from auditor.cli import main

ACCOUNT, REGION, API = "123456789012", "us-east-1", "pay0000001"
EXECUTE = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}"


def _arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def _function(name, *source_arns):
    statements = [{"Sid": f"{name}-{n}", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                   "Action": "lambda:InvokeFunction", "Resource": _arn(name),
                   "Condition": {"ArnLike": {"AWS:SourceArn": arn}}} for n, arn in enumerate(source_arns)]
    return {"FunctionName": name, "FunctionArn": _arn(name), "Runtime": "python3.12", "Handler": "app.handler",
            "Timeout": 3, "Policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}


def _integration(integration_id, name):
    return {"IntegrationId": integration_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": _arn(name),
            "PayloadFormatVersion": "2.0", "TimeoutInMillis": 30000}


def estate(*, refunds_integration: bool, refunds_grant: str = f"{EXECUTE}/*/POST/refunds",
           ledger_grant: str = f"{EXECUTE}/*/GET/ledger", names=("ledger", "refunds")) -> dict:
    ledger, refunds = names
    integrations = [_integration("led001", ledger)]
    if refunds_integration:
        integrations.append(_integration("ref001", refunds))
    api = {"ApiId": API, "Name": "payments", "ProtocolType": "HTTP",
           "RouteSelectionExpression": "$request.method $request.path",
           "Routes": [{"RouteId": "r1", "RouteKey": "GET /ledger", "Target": "integrations/led001",
                       "AuthorizationType": "NONE"},
                      {"RouteId": "r2", "RouteKey": "POST /refunds", "Target": "integrations/gone01",
                       "AuthorizationType": "NONE"}],
           "Integrations": integrations, "Stages": [{"StageName": "$default", "AutoDeploy": True}], "Authorizers": []}
    return {"SnapshotVersion": 1, "Scopes": [{"AccountId": ACCOUNT, "Region": REGION, "Complete": True, "Apis": [api],
                                              "Functions": [_function(ledger, ledger_grant),
                                                            _function(refunds, refunds_grant)]}]}


def fix(tmp_path, capsys, doc, *args):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    code = main(["fix", str(path), *args])
    out, err = capsys.readouterr()
    steps = "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    return code, steps, err


def test_a_route_is_not_re_pointed_at_another_functions_only_integration(tmp_path, capsys):
    code, steps, err = fix(tmp_path, capsys, estate(refunds_integration=False))
    assert "integrations/led001" not in steps  # never at the ledger's integration
    assert "ledger" not in steps  # and the ledger gets no grant for refunds
    assert "Left for a person" in err and "POST /refunds" in err and "refunds, whose own permission names" in err
    assert code == 1


def test_the_function_whose_permission_names_the_route_wins_over_the_other(tmp_path, capsys):
    """Both integrations exist, refunds' unused: its function's permission names the route, so the route gets it."""
    code, steps, err = fix(tmp_path, capsys, estate(refunds_integration=True), "--fail-on", "low")
    assert "--route-id r2 --target integrations/ref001" in steps
    assert "delete-integration" not in steps and "led001" not in steps
    assert code == 0, err


def test_cleanup_never_deletes_a_candidate_of_an_open_choice(tmp_path, capsys):
    """No permission names the route (both cover the whole API) and the names say nothing: a person chooses,
    and the unused integration, one of the candidates, is kept until then."""
    doc = estate(refunds_integration=True, refunds_grant=f"{EXECUTE}/*", ledger_grant=f"{EXECUTE}/*",
                 names=("fn-a", "fn-b"))
    code, steps, err = fix(tmp_path, capsys, doc, "--fail-on", "low")
    assert "delete-integration" not in steps and "update-route" not in steps
    assert "which integration should it target?" in err and "delete it only once that choice is made" in err
    assert code == 1


def test_an_only_integration_scoped_to_other_routes_is_not_guessed(tmp_path, capsys):
    """The ledger's permission names GET /ledger only: pointing POST /refunds at it is a guess."""
    doc = estate(refunds_integration=False, refunds_grant=f"{EXECUTE}/*", names=("fn-a", "fn-b"))
    code, steps, err = fix(tmp_path, capsys, doc)
    assert "update-route" not in steps and "Left for a person" in err
    assert code == 1


def test_the_only_integration_is_still_chosen_when_nothing_disagrees(tmp_path, capsys):
    doc = estate(refunds_integration=False, refunds_grant=f"{EXECUTE}/*", ledger_grant=f"{EXECUTE}/*",
                 names=("fn-a", "fn-b"))
    code, steps, err = fix(tmp_path, capsys, doc)
    assert "--route-id r2 --target integrations/led001" in steps
    assert code == 0, err
