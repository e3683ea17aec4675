"""Every expansion of Terraform source is bounded (issue 20): modules that call each other in a cycle
are refused naming the modules (Terraform's `init` cannot load them either), `count` around `count`
stops at the configuration's budget with an AGW000 saying so, and a 10 MB heredoc, block comment or
quoted string is lexed in memory proportional to its size, not 2 GB.

Each runs the real command in a child process with a generous timeout (a hang fails, a slow
machine does not) and asserts what the user sees; memory is the child's own peak (wait4)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
API = 'resource "aws_apigatewayv2_api" "x" {\n  name          = "x"\n  protocol_type = "HTTP"\n}\n'


def run(folder, timeout=120):
    """(exit code, stdout, stderr) of `apigw-auditor audit folder --format json`; a hang fails the test."""
    try:
        proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(folder), "--format", "json",
                               "--fail-on", "never"], capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"audit of {folder} still running after {timeout} s")
    return proc.returncode, proc.stdout, proc.stderr


def write(folder: Path, files: dict) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def messages(out: str, rule="AGW000") -> list[str]:
    return [f["message"] for f in json.loads(out)["findings"] if f["rule_id"] == rule]


def test_modules_calling_each_other_in_a_cycle_are_refused_naming_them(tmp_path):
    # Two calls per level: before, 2^16 module instances (78 s, 65,536 findings).
    write(tmp_path, {"main.tf": 'module "a" {\n  source = "./a"\n}\n',
                     "a/main.tf": 'module "b" {\n  source = "../b"\n}\nmodule "b2" {\n  source = "../b"\n}\n' + API,
                     "b/main.tf": 'module "a" {\n  source = "../a"\n}\nmodule "a2" {\n  source = "../a"\n}\n'})
    code, out, err = run(tmp_path)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{tmp_path / 'b' / 'main.tf'}:1" in err
    assert "cycle" in err and "module.a -> module.a.module.b -> module.a.module.b.module.a" in err
    assert out == ""


def test_a_module_that_calls_itself_is_refused_whatever_its_count(tmp_path):
    # `terraform init` loops on it too (hashicorp/terraform#31557), count = 0 or not.
    write(tmp_path, {"main.tf": 'module "me" {\n  source = "./"\n  count  = 0\n}\n'
                                'module "again" {\n  source = "./"\n}\n' + API})
    code, out, err = run(tmp_path)
    assert code == 2, err
    assert f"{tmp_path / 'main.tf'}:1" in err and "module.me calls './'" in err and "the root module" in err


def test_a_module_used_twice_without_a_cycle_is_still_read(tmp_path):
    """Not a cycle: the same folder called from two places (the check looks at ancestors only)."""
    write(tmp_path, {"main.tf": 'module "one" {\n  source = "./m"\n}\nmodule "two" {\n  source = "./m"\n}\n',
                     "m/main.tf": API})
    code, out, err = run(tmp_path)
    assert code == 0, err
    assert json.loads(out)["summary"]["apis"] == 2


def test_count_around_count_stops_at_the_budget_with_agw000(tmp_path):
    # 100 module instances x 10,000 routes each: 10^6 resource instances (before: minutes and GBs).
    write(tmp_path, {"main.tf": API + 'module "m" {\n  source = "./m"\n  count  = 100\n'
                                '  api_id = aws_apigatewayv2_api.x.id\n}\n',
                     "m/main.tf": 'variable "api_id" {}\nresource "aws_apigatewayv2_route" "r" {\n  count     = 10000\n'
                                  '  api_id    = var.api_id\n  route_key = "GET /r${count.index}"\n}\n'})
    code, out, err = run(tmp_path)
    assert code == 0, err
    refused = [m for m in messages(out) if "over 100,000 resource instances" in m]
    # the API and nine module instances fit (1 + 9 x 10,000); each of the other 91 is refused by name
    assert len(refused) == 91 and all("not expanded: its 10,000 instance(s)" in m for m in refused)
    assert any("module.m[9].aws_apigatewayv2_route.r " in m for m in refused)
    assert not any("module.m[8].aws_apigatewayv2_route.r " in m for m in refused)


def test_module_count_past_the_budget_is_not_expanded(tmp_path):
    write(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n  count  = 10000\n}\n',
                     "m/main.tf": 'resource "aws_apigatewayv2_api" "x" {\n  count         = 10000\n'
                                  '  name          = "x"\n  protocol_type = "HTTP"\n}\n'})
    code, out, err = run(tmp_path)
    assert code == 0, err
    assert any("module.m" in m and "over 2,000 module instances" in m for m in messages(out))
    assert json.loads(out)["summary"]["apis"] == 0


HUGE = ("x" * 99 + "\n") * 100_000  # 10 MB


@pytest.mark.parametrize("case", ["heredoc", "indented-heredoc-with-interpolation", "block-comment", "quoted-string"])
def test_a_10_mb_value_is_lexed_in_memory_proportional_to_it(tmp_path, case):
    """Before: 2.2 GB for a 10 MB heredoc (the lexer's regular expressions kept a record per character)."""
    body = {"heredoc": API.replace("}\n", f"  body = <<EOT\n{HUGE}EOT\n}}\n"),
            "indented-heredoc-with-interpolation": 'variable "a" {\n  default = "v"\n}\n' + API.replace(
                "}\n", "  description = <<-EOT\n" + HUGE.replace("\n", " ${var.a}\n") + "  EOT\n}\n"),
            "block-comment": "/*" + HUGE + "*/\n" + API,
            "quoted-string": API.replace('name          = "x"', 'name = "' + "$a%b\\n" * 2_000_000 + '"')}[case]
    (tmp_path / "main.tf").write_text(body)
    script = ("import os, subprocess, sys\n"
              "proc = subprocess.Popen([sys.executable, '-m', 'auditor', 'audit', sys.argv[1], '--format', 'json',"
              " '--fail-on', 'never', '--output', os.devnull], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
              "err = proc.stderr.read().decode()\n"
              "_, status, usage = os.wait4(proc.pid, 0)\n"
              "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024, repr(err[-300:]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    code, peak, err = done.stdout.split(" ", 2)
    assert code == "0", err
    assert int(peak) < 500, f"peak RSS {peak} MB for a 10 MB file"


def test_the_linear_terminals_lex_as_python_hcl2_does():
    """The rewritten terminals (auditor.iac.hcl.parse._LINEAR_TERMINALS) read every text as the original grammar."""
    import hcl2
    from lark import Lark
    from hcl2.postlexer import PostLexer

    from auditor.iac.hcl import parse
    original = Lark.open("hcl2.lark", parser="lalr", rel_to=hcl2.__file__, propagate_positions=False,
                         postlex=PostLexer()).parse
    linear = parse._parser()
    patterns = {t.name: t.pattern.value for t in linear.__self__.terminals}
    assert "[\\s\\S]*?" in patterns["HEREDOC_TEMPLATE"] and patterns["STRING_CHARS"].endswith("++")
    texts = ['x = "a$b%c${var.x}$${y}%%{z}\\n\\"q\\" $ % $$ %% ${"{"}"\n',
             'x = "%{ if true }yes%{ else }no%{ endif }"\n',
             "x = <<EOT\nplain $ and % and ${var.y}\n  indented\nEOT\n",
             "x = <<-EOT\n    trimmed\n      more\n    EOT\n",
             "x = <<EOT\r\nwindows\r\nEOT\r\n",
             "x = <<EOT\nEOT\n",
             "/* a\n * b ** / c */\nx = 1 /* inline */\n",
             'x = "\\\\" # trailing\ny = "$"\nz = "%"\nw = "$${"\n',
             'x = "a\\u00e9\\t" // slash comment\n']
    def outcome(parse, text):
        try:
            return parse(text)
        except Exception as exc:  # noqa: BLE001 - both must reject the same texts alike
            return type(exc).__name__, getattr(exc, "line", None), getattr(exc, "column", None)

    for text in texts:
        assert outcome(linear, text) == outcome(original, text), text


def test_modules_nested_past_the_depth_limit_are_reported_not_read(tmp_path):
    files = {"main.tf": 'module "m0" {\n  source = "./m0"\n}\n'}
    for level in range(20):  # twenty distinct folders, each calling the next: no cycle, just deep
        files[f"{'/'.join(f'm{i}' for i in range(level + 1))}/main.tf"] = (
            f'module "m{level + 1}" {{\n  source = "./m{level + 1}"\n}}\n' + (API if level == 3 else ""))
    write(tmp_path, files)
    code, out, err = run(tmp_path)
    assert code == 0, err
    assert any("nest more than 16 deep" in m for m in messages(out))
    assert json.loads(out)["summary"]["apis"] == 1  # what sits above the limit is still read
