"""Hostile Terraform source: a clear error (exit 2, file and line) or an unresolved value, never a
traceback, a hang or a guess."""

from tests.iac.conftest import run_cli


def audit(tmp_path, text: str, name: str = "main.tf"):
    (tmp_path / name).write_text(text)
    return run_cli("audit", tmp_path, "--fail-on", "never", "--format", "json")


def test_values_that_double_at_each_step_are_read_as_unknown(tmp_path):
    nested = "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}]\n" for i in range(30))
    strings = "".join(f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"\n' for i in range(40))
    code, out, err = audit(tmp_path, "locals {\n" + nested + '  l30 = 1\n  s0 = "x"\n' + strings + "}\n"
                           'resource "aws_apigatewayv2_api" "x" {\n  name = jsonencode(local.l0)\n'
                           "  description = local.s40\n  body = length(flatten(local.l0))\n}\n")
    assert code == 0, err
    assert "Traceback" not in err


def test_cycles_and_huge_counts_do_not_hang(tmp_path):
    code, out, err = audit(tmp_path, 'locals {\n  a = local.b\n  b = local.a\n}\n'
                           'resource "aws_apigatewayv2_api" "x" {\n  name = local.a\n}\n'
                           'resource "aws_apigatewayv2_route" "r" {\n  count = 1000000000\n'
                           '  api_id = aws_apigatewayv2_api.x.id\n  route_key = aws_apigatewayv2_route.r[0].route_key\n}\n')
    assert code == 0, err
    assert "count 1000000000" in out


def test_unparsable_values_name_the_file(tmp_path):
    code, out, err = audit(tmp_path, 'resource "aws_apigatewayv2_api" "x" {\n  tags = "not a map"\n}\n')
    assert code == 2 and "main.tf:1" in err and "tags" in err and "Traceback" not in err


def test_bad_var_file_and_var_flag(tmp_path):
    (tmp_path / "main.tf").write_text('variable "x" {\n  type = list(string)\n}\n')
    (tmp_path / "bad.tfvars").write_text("x = [\n")
    code, out, err = run_cli("audit", tmp_path, "--var-file", tmp_path / "bad.tfvars")
    assert code == 2 and "bad.tfvars" in err
    code, out, err = run_cli("audit", tmp_path, "--var", "novalue")
    assert code == 2 and "--var" in err


def test_hostile_tfvars_json_is_read_by_the_one_json_reader(tmp_path):
    """*.tfvars.json gets the same limits and one-line messages as every other JSON input (auditor.files)."""
    (tmp_path / "main.tf").write_text('variable "x" {\n  default = 1\n}\n')
    deep = tmp_path / "deep.tfvars.json"
    deep.write_text('{"x": ' + "[" * 300 + "]" * 300 + "}")
    code, out, err = run_cli("audit", tmp_path, "--var-file", deep)
    assert code == 2 and "deep.tfvars.json" in err and "nested more than" in err and len(err.splitlines()) == 1
    huge = tmp_path / "huge.tfvars.json"
    huge.write_text('{"x": ' + "9" * 5000 + "}")
    code, out, err = run_cli("audit", tmp_path, "--var-file", huge)
    assert code == 2 and "huge.tfvars.json" in err and "digits" in err and len(err.splitlines()) == 1
