"""A SAM template is expanded without loading boto3 (half of a small template's run), with the same results,
and boto3 stays fully usable afterwards in the same process (--live, moto).

Each check runs in a fresh interpreter: this test process has imported boto3 long ago (moto, tests/live).
"""

import json
import subprocess
import sys
import textwrap

import pytest

from tests.iac.conftest import FIXTURES, ROOT

# Modules whose presence means boto3's, botocore's, jsonschema's or pydantic's code ran, or the translator's
# pydantic models of SAM's schema were built (botocore.exceptions alone is cheap and allowed; jsonschema would check
# SAM's own policy templates against SAM's own schema, which an audit skips; the models validate only a few
# resource types, see GRAPHQL).
LOADED = ("boto3.session", "botocore.session", "botocore.client", "s3transfer", "jsonschema.validators", "pydantic",
          "samtranslator.internal.schema_source.aws_serverless_function")

POLICY_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: ./worker
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: ./api
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref Worker
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /items
            Method: GET
"""

APPLICATION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Nested:
    Type: AWS::Serverless::Application
    Properties:
      Location:
        ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/hello-world
        SemanticVersion: 1.0.4
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: ./src
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: GET
"""

# Resources the translator validates with its pydantic models of SAM's schema (imported then, not before).
GRAPHQL = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Graph:
    Type: AWS::Serverless::GraphQLApi
    Properties:
      SchemaInline: |
        type Query { hello: String }
      Auth:
        Type: AWS_IAM
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: ./src
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider/x
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: GET
"""

# Credentials and a region that would let a stray AWS call go out (and fail): none must be made.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAFAKEKEYFORTESTS1", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_DEFAULT_REGION":
           "us-east-1", "AWS_CONFIG_FILE": "/nonexistent/c", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/s"}


def _python(code: str, tmp_path) -> dict:
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | AWS_ENV
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _audit_in_fresh_process(path, tmp_path, boto3_first: bool) -> tuple[dict, list[str]]:
    report = tmp_path / f"report-{boto3_first}.json"
    out = _python(f"""
        import json, sys
        {"import boto3" if boto3_first else ""}
        from auditor.cli import main
        code = main(["audit", "--format", "json", "--fail-on", "never", "--output", {str(report)!r}, {str(path)!r}])
        loaded = sorted(m for m in sys.modules if m.startswith({LOADED!r}))
        print(json.dumps({{"code": code, "loaded": loaded}}))
    """, tmp_path)
    assert out["code"] == 0
    return json.loads(report.read_text()), out["loaded"]


@pytest.mark.parametrize("template", ["seed-correct", "authorizer", "policy-template", "application"])
def test_sam_audit_loads_no_boto3_and_reports_the_same(template, tmp_path):
    path = {"seed-correct": ROOT / "examples" / "iac" / "seed-correct.sam.yaml",
            "authorizer": FIXTURES / "followup" / "sam_http_lambda_authorizer.yaml"}.get(template)
    if path is None:
        path = tmp_path / f"{template}.yaml"
        path.write_text(POLICY_TEMPLATE if template == "policy-template" else APPLICATION)
    without, loaded = _audit_in_fresh_process(path, tmp_path, boto3_first=False)
    assert loaded == []
    with_boto3, _ = _audit_in_fresh_process(path, tmp_path, boto3_first=True)
    assert without == with_boto3
    assert without["summary"]["apis"] == 1


def test_policy_templates_are_still_expanded(tmp_path):
    """SAM's policy templates are read only when a function's Policies may name one; then the function's role
    gets the template's statement, as aws-sam-translator writes it."""
    from auditor.iac.resolve import Settings
    from auditor.iac.sam import prepare, translate
    from auditor.iac.yamlload import load_template_text
    template = load_template_text(POLICY_TEMPLATE, "t.yaml")
    translated = translate(prepare(template, str(tmp_path), "t.yaml"), Settings("us-east-1", "123456789012", {}),
                           "t.yaml")
    policies = translated["Resources"]["ApiRole"]["Properties"]["Policies"]
    statement = policies[0]["PolicyDocument"]["Statement"][0]
    assert statement["Action"] == ["lambda:InvokeFunction"]
    assert "Worker" in json.dumps(statement["Resource"])


def test_boto3_works_after_a_sam_audit_in_the_same_process(tmp_path):
    """--live after a template in one process (and moto in tests): the real boto3, and the translator's own
    boto3 reaches it too; should anything check policy templates (the processor's constructor), it is with the real
    jsonschema, and a failed check is the ValueError the translator raises."""
    out = _python(f"""
        import json
        from auditor.cli import main
        main(["audit", "--format", "json", "--fail-on", "never", "--output", {str(tmp_path / 'r.json')!r},
              {str(ROOT / 'examples' / 'iac' / 'seed-correct.sam.yaml')!r}])
        import boto3
        from moto import mock_aws
        from samtranslator.translator import arn_generator
        from tests.live.conftest import build_seed
        from auditor.live import LiveOptions, collect
        with mock_aws():
            build_seed(prefix=False)
            document, _ = collect(LiveOptions(regions=["us-east-1"]))
        import jsonschema.exceptions
        from samtranslator.policy_template_processor import processor
        from auditor.iac.sam import _policy_templates
        _policy_templates()
        stand_in = processor.ValidationError is not jsonschema.exceptions.ValidationError
        cls = processor.PolicyTemplatesProcessor
        def contents(templates):
            return {{name: (t.name, t.parameters, t.definition) for name, t in templates.policy_templates.items()}}
        checked = contents(cls(cls.get_default_policy_templates_json())) == contents(_policy_templates())
        try:
            cls({{"Version": "0.0.1", "Templates": {{"Bad": {{"Parameters": {{}}}}}}}})
            rejected = None
        except ValueError as exc:
            rejected = type(exc.__cause__).__name__
        print(json.dumps({{
            "stand_in_until_checked": stand_in, "checked": checked, "rejected": rejected,
            "validation_error_real": processor.ValidationError is jsonschema.exceptions.ValidationError,
            "session": type(boto3.session.Session(region_name="eu-west-1")).__module__,
            "translator_sees_real": arn_generator.boto3.session.Session is boto3.session.Session,
            "routes": [r["RouteKey"] for s in document["Scopes"] for a in s["Apis"] for r in a["Routes"]],
        }}))
    """, tmp_path)
    assert out["session"] == "boto3.session"
    assert out["stand_in_until_checked"] is True
    assert out["checked"] is True
    assert out["rejected"] == "ValidationError"
    assert out["validation_error_real"] is True
    assert out["translator_sees_real"] is True
    assert "GET /items" in out["routes"]


def test_a_translator_that_names_more_of_boto3_gets_the_real_one(tmp_path):
    """Should a translator version import a boto3 name not stood in for, it is imported the ordinary way."""
    path = ROOT / "examples" / "iac" / "seed-correct.sam.yaml"
    expected, _ = _audit_in_fresh_process(path, tmp_path, boto3_first=True)
    report = tmp_path / "fallback.json"
    out = _python(f"""
        import json, sys
        from auditor.iac import sam
        sam._NAMED_AT_IMPORT = {{"boto3": (), "botocore.client": ("BaseClient",), "botocore.config": ("Config",)}}
        from auditor.cli import main
        code = main(["audit", "--format", "json", "--fail-on", "never", "--output", {str(report)!r}, {str(path)!r}])
        print(json.dumps({{"code": code, "real": "boto3.session" in sys.modules}}))
    """, tmp_path)
    assert out == {"code": 0, "real": True}
    assert json.loads(report.read_text()) == expected


@pytest.mark.parametrize("valid", [True, False])
def test_schema_models_are_built_when_a_resource_needs_them(valid, tmp_path):
    """A GraphQLApi (and a function's CapacityProviderConfig) is validated with the translator's pydantic models,
    imported when first used: the same report, or the same rejection, as with the translator imported the
    ordinary way first."""
    path = tmp_path / "graphql.yaml"
    path.write_text(GRAPHQL if valid else GRAPHQL.replace("        Type: AWS_IAM", "        Type: 5"))
    outcomes = []
    for ordinary in (False, True):
        report = tmp_path / f"report-{ordinary}.json"
        outcomes.append(_python(f"""
            import contextlib, io, json, sys
            {"import samtranslator.translator.translator" if ordinary else ""}
            from auditor.cli import main
            error = io.StringIO()
            with contextlib.redirect_stderr(error):
                code = main(["audit", "--format", "json", "--fail-on", "never", "--output", {str(report)!r},
                             {str(path)!r}])
            print(json.dumps({{"code": code, "error": error.getvalue(), "pydantic": "pydantic" in sys.modules,
                              "report": json.loads(open({str(report)!r}).read()) if code == 0 else None}}))
        """, tmp_path))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]["pydantic"] is True
    if valid:
        assert outcomes[0]["code"] == 0 and outcomes[0]["report"]["summary"]["apis"] == 1
    else:
        assert outcomes[0]["code"] == 2 and "Property 'Auth.Type' is invalid" in outcomes[0]["error"]


def test_a_translator_that_reads_more_of_its_schema_models_keeps_boto3_away(tmp_path):
    """Should a translator version read one of its schema models when its modules load (1.105 does, in a class
    body), its own modules are imported as usual and boto3 and jsonschema still are not."""
    path = ROOT / "examples" / "iac" / "seed-correct.sam.yaml"
    expected, _ = _audit_in_fresh_process(path, tmp_path, boto3_first=True)
    report = tmp_path / "schema.json"
    out = _python(f"""
        import json, sys
        from auditor.iac import sam
        sam._NAMED_AT_IMPORT[sam._SCHEMA + "aws_serverless_graphqlapi"] = ()
        from auditor.cli import main
        code = main(["audit", "--format", "json", "--fail-on", "never", "--output", {str(report)!r}, {str(path)!r}])
        loaded = sorted(m for m in sys.modules if m.startswith({LOADED!r}))
        print(json.dumps({{"code": code, "loaded": loaded}}))
    """, tmp_path)
    assert out["code"] == 0
    assert "samtranslator.internal.schema_source.aws_serverless_function" in out["loaded"]  # imported as usual
    assert [m for m in out["loaded"] if not m.startswith(("pydantic", "samtranslator."))] == []  # no boto3, jsonschema
    assert json.loads(report.read_text()) == expected
