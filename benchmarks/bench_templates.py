"""Many small templates, as a repository of services holds them: apigw-auditor against cfn-lint.

Writes a corpus of small HTTP API + Lambda templates into a temporary folder (--sam SAM templates,
--cfn plain CloudFormation ones in YAML and JSON, --cdk cdk.out folders as `cdk synth` leaves them;
about 1 in 5 with a wiring or permission mistake), or takes the templates of a folder (--corpus DIR:
its *.yaml, *.yml, *.json and *.template files and cdk.out folders, e.g. public templates), then times,
as the commands a user types (fresh processes, minimum of --repeat, interleaved):

- all templates in one process: `apigw-auditor audit <all>` against `cfn-lint <all>`;
- one small template per process, per kind (the cost is mostly imports), against the 0.3 s target;
and shows, with `-X importtime`, which heavy modules one small CloudFormation or SAM template loads.

Targets (issue 26): the whole corpus at least 12x faster than cfn-lint (CPU, min of --repeat, with the
median of the per-round ratios beside it); a single small template under 0.3 s. Also reported:
interpreter start-up and what one SAM template imports before its first rule runs (-X importtime).
--before DIR runs another checkout of the tool beside this one, interleaved. cfn-lint comes from the
`bench` extra: pip install -e '.[bench]'.

    python benchmarks/bench_templates.py [--sam 30] [--cfn 30] [--cdk 20] [--repeat 5] [--keep DIR]
                                         [--before DIR]
    python benchmarks/bench_templates.py --corpus DIR [--repeat 5] [--before DIR]
"""

import argparse
import compileall
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import Runs, add_load_option, background_load, loaded, machine  # noqa: E402

PATHS = ["/items", "/items/{id}", "/orders", "/orders/{id}", "/users/{user}/prefs", "/health", "/{proxy+}"]
METHODS = ["GET", "POST", "PUT", "DELETE", "ANY"]


def _routes(rng: random.Random) -> list[tuple[str, str]]:
    return [(rng.choice(METHODS), path) for path in rng.sample(PATHS, rng.randint(1, 5))]


def sam_template(n: int, rng: random.Random) -> str:
    broken = n % 5 == 4
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Transform: AWS::Serverless-2016-10-31",
             f"Description: service {n}", "Globals:", "  Function:", "    Runtime: python3.12", "    Timeout: 10",
             "Resources:", "  Api:", "    Type: AWS::Serverless::HttpApi", "    Properties:",
             "      StageName: $default" if n % 2 else "      StageName: prod"]
    for f in range(rng.randint(1, 3)):
        lines += [f"  Handler{f}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  f"      CodeUri: ./src/handler{f}", "      Handler: app.handler", "      Events:"]
        for e, (method, path) in enumerate(_routes(rng)):
            lines += [f"        E{e}:", "          Type: HttpApi", "          Properties:",
                      "            ApiId: !Ref Api", f"            Path: {path}/f{f}", f"            Method: {method}"]
            if broken and e == 0:
                lines += ["            PayloadFormatVersion: \"1.0\""]
    return "\n".join(lines) + "\n"


def cfn_resources(n: int, rng: random.Random, prefix: str = "") -> dict:
    """An HTTP API, its stage, and per route a function, integration and permission (CloudFormation)."""
    broken = n % 5 == 4
    api = f"{prefix}HttpApi"
    resources = {
        api: {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": f"svc-{n}", "ProtocolType": "HTTP"}},
        f"{prefix}Stage": {"Type": "AWS::ApiGatewayV2::Stage",
                           "Properties": {"ApiId": {"Ref": api}, "StageName": "$default", "AutoDeploy": True}},
        f"{prefix}Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}}},
    }
    for r, (method, path) in enumerate(_routes(rng)):
        fn, integration = f"{prefix}Fn{r}", f"{prefix}Integration{r}"
        resources[fn] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "Timeout": 10, "Role": {"Fn::GetAtt": [f"{prefix}Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"}}}
        resources[integration] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": api}, "IntegrationType": "AWS_PROXY", "IntegrationUri": {"Fn::GetAtt": [fn, "Arn"]},
            "PayloadFormatVersion": "2.0"}}
        resources[f"{prefix}Route{r}"] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": api}, "RouteKey": f"{method} {path}",
            "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration}]]}}}
        if not (broken and r == 0):  # the mistake: a route whose function never allowed API Gateway
            resources[f"{prefix}Permission{r}"] = {"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": fn}, "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:"
                                        f"${{{api}}}/*"}}}
    return resources


def _yaml(value, indent: int = 0) -> list[str]:
    """Block-style YAML of plain data (strings quoted as JSON, which YAML reads alike)."""
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines += [f"{pad}{key}:", *_yaml(item, indent + 1)]
        else:
            lines.append(f"{pad}{key}: {json.dumps(item)}")
    return lines


def cfn_template(n: int, rng: random.Random) -> tuple[str, str]:
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"service {n}",
                "Resources": cfn_resources(n, rng)}
    if n % 3 == 0:
        return "json", json.dumps(template, indent=2)
    return "yaml", "\n".join(_yaml(template)) + "\n"


def write_corpus(folder: str, sam: int, cfn: int, cdk: int, seed: int = 15) -> tuple[list[str], list[str]]:
    """(paths for apigw-auditor, template files for cfn-lint)."""
    rng = random.Random(seed)
    audit_paths, lint_files = [], []
    for n in range(sam):
        path = os.path.join(folder, f"sam-{n:02d}.yaml")
        with open(path, "w") as out:
            out.write(sam_template(n, rng))
        audit_paths.append(path)
        lint_files.append(path)
    for n in range(cfn):
        suffix, text = cfn_template(n, rng)
        path = os.path.join(folder, f"cfn-{n:02d}.{suffix}")
        with open(path, "w") as out:
            out.write(text)
        audit_paths.append(path)
        lint_files.append(path)
    for n in range(cdk):
        out_dir = os.path.join(folder, f"cdk-{n:02d}.out")
        os.makedirs(out_dir)
        stack = f"Service{n}Stack"
        resources = cfn_resources(n, rng, prefix=f"Svc{n}")
        resources["CDKMetadata"] = {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sI"}}
        template = {"Resources": resources, "Parameters": {"BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}}}
        with open(os.path.join(out_dir, f"{stack}.template.json"), "w") as out:
            json.dump(template, out, indent=1)
        with open(os.path.join(out_dir, "manifest.json"), "w") as out:
            json.dump({"version": "36.0.0", "artifacts": {stack: {
                "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": f"{stack}.template.json"}}}}, out, indent=1)
        audit_paths.append(out_dir)
        lint_files.append(os.path.join(out_dir, f"{stack}.template.json"))
    return audit_paths, lint_files


TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _is_sam(path: str) -> bool:
    return os.path.isfile(path) and "AWS::Serverless" in Path(path).read_text(errors="replace")


def read_corpus(folder: str) -> tuple[list[str], list[str], dict[str, str | None]]:
    """(paths for apigw-auditor, template files for cfn-lint, the first template of each kind) of a folder's
    templates and cdk.out folders, in name order."""
    audit_paths, lint_files = [], []
    first: dict[str, str | None] = {"sam": None, "cloudformation": None, "cdk.out": None}
    for path in sorted(Path(folder).iterdir()):
        if path.is_dir() and (path / "manifest.json").is_file():
            templates = sorted(str(t) for t in path.glob("*.template.json"))
            if templates:
                audit_paths.append(str(path))
                lint_files += templates
                first["cdk.out"] = first["cdk.out"] or str(path)
        elif path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
            audit_paths.append(str(path))
            lint_files.append(str(path))
            kind = "sam" if _is_sam(str(path)) else "cloudformation"
            first[kind] = first[kind] or str(path)
    return audit_paths, lint_files, first


HEAVY = ("samtranslator", "boto3", "botocore", "s3transfer", "jsonschema", "pydantic", "tabulate", "yaml", "msgspec")
_CHEAP = ("botocore", "botocore.exceptions", "botocore.vendored")  # the translator's exception classes: ~10 ms


def heavy_modules(auditor: list[str], *paths: str) -> list[str]:
    """Which heavy packages' code runs (`-X importtime`) for these templates. A SAM template needs samtranslator;
    boto3, jsonschema and pydantic only if the template makes the translator use them (pydantic: a GraphQLApi)."""
    trace = subprocess.run([sys.executable, "-X", "importtime", *auditor[1:], *paths], capture_output=True,
                           text=True).stderr
    loaded = {line.rsplit("|", 1)[-1].strip() for line in trace.splitlines() if line.startswith("import time:")}
    loaded = {m for m in loaded if not (m in _CHEAP or m.startswith("botocore.vendored"))}
    return [name for name in HEAVY if any(m == name or m.startswith(name + ".") for m in loaded)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sam", type=int, default=30)
    parser.add_argument("--cfn", type=int, default=30)
    parser.add_argument("--cdk", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="also copy the corpus here")
    parser.add_argument("--before", metavar="DIR", help="another checkout of the tool to run beside this one")
    parser.add_argument("--corpus", metavar="DIR", help="time this folder's templates instead of a generated corpus")
    add_load_option(parser)
    args = parser.parse_args()
    cfn_lint = shutil.which("cfn-lint") or os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    if not os.path.exists(cfn_lint):
        print("cfn-lint is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    root = Path(__file__).resolve().parent.parent
    trees = {"": root} | ({"before ": Path(args.before).resolve()} if args.before else {})
    for tree in trees.values():
        compileall.compile_dir(str(tree / "auditor"), quiet=1)  # as a wheel installs it
    with tempfile.TemporaryDirectory() as folder:
        if args.corpus:
            audit_paths, lint_files, singles = read_corpus(args.corpus)
            if not audit_paths:
                print(f"no templates in {args.corpus}", file=sys.stderr)
                return 1
            described = f"{args.corpus}: {len(lint_files)} templates ({sum(1 for p in audit_paths if _is_sam(p))} SAM)"
        else:
            audit_paths, lint_files = write_corpus(folder, args.sam, args.cfn, args.cdk)
            if args.keep:
                shutil.copytree(folder, args.keep, dirs_exist_ok=True)
            singles = {"sam": audit_paths[0] if args.sam else None,
                       "cloudformation": audit_paths[args.sam] if args.cfn else None,
                       "cdk.out": audit_paths[-1] if args.cdk else None}
            described = (f"{args.sam} SAM, {args.cfn} CloudFormation, {args.cdk} cdk.out ({len(lint_files)} "
                         f"templates)")
        report = os.path.join(folder, "report.json")
        auditor = [sys.executable, "-m", "auditor", "audit", "--format", "json", "--fail-on", "never",
                   "--output", report]
        all_ours, all_theirs = "apigw-auditor, all in one process", "cfn-lint, all in one process"
        commands, cwd, ok = {all_theirs: [cfn_lint, *lint_files]}, {}, {all_theirs: range(256)}
        for prefix, tree in trees.items():
            mine = {f"{prefix}{all_ours}": auditor + audit_paths}
            for kind, path in singles.items():
                if path:
                    mine[f"{prefix}apigw-auditor, one {kind} template"] = auditor + [path]
            mine[f"{prefix}apigw-auditor, one snapshot (seed-correct)"] = auditor + [str(root / "examples" /
                                                                                       "seed-correct.json")]
            commands.update(mine)
            cwd.update(dict.fromkeys(mine, str(tree)))  # `python -m auditor` imports the tree it runs in
        commands["python -c pass (interpreter start-up)"] = [sys.executable, "-c", "pass"]
        with background_load(args.load):
            runs = Runs(commands, ok=ok, cwd=cwd).run(args.repeat)
            where = machine()
        with open(report) as handle:
            findings = json.load(handle)["summary"]["findings"]
        print(f"corpus: {described}; {args.repeat} interleaved rounds; {where}{loaded(args.load)}")
        print(runs.table(all_ours, "x ours"))
        for prefix in trees:
            low, mid = runs.ratio(all_theirs, prefix + all_ours)
            wall, _ = runs.ratio(all_theirs, prefix + all_ours, "wall")
            print(f"  cfn-lint / {prefix}apigw-auditor on the corpus: CPU {low:.1f}x (min; median of rounds {mid:.1f}x), "
                  f"wall {wall:.1f}x; target at least 12x: margin {(low / 12 - 1) * 100:+.0f}% "
                  f"(median {(mid / 12 - 1) * 100:+.0f}%)")
        print(f"  (last single-file report: {findings} findings)")
        startup = min(runs.cpu["python -c pass (interpreter start-up)"])
        sam = f"; one SAM template {min(runs.cpu['apigw-auditor, one sam template']):.3f} s in all" \
            if singles["sam"] else ""
        print(f"  fixed costs, CPU min: interpreter start-up {startup:.3f} s{sam}")
        print("  a single small template under 0.3 s CPU (issue 15): " + ", ".join(
            f"{kind} {min(runs.cpu[f'apigw-auditor, one {kind} template']):.2f} s" for kind, path in singles.items()
            if path))
        for kind, path in (("CloudFormation", singles["cloudformation"]), ("SAM", singles["sam"])):
            if path:
                print(f"  heavy modules one {kind} template loads: {', '.join(heavy_modules(auditor, path)) or 'none'}")
        print("  heavy modules the whole corpus loads: " + (", ".join(heavy_modules(auditor, *audit_paths)) or "none"))
        if singles["sam"]:
            print("  what one SAM template imports before the first rule runs (-X importtime, self time, top 12):")
            for line in importtime_top(auditor + [singles["sam"]], 12):
                print("    " + line)
    return 0


def importtime_top(command: list[str], count: int) -> list[str]:
    """The modules whose own import time is largest (min over 3 runs: a busy machine inflates single runs)."""
    best: dict[str, int] = {}
    for _ in range(3):
        trace = subprocess.run([command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True).stderr
        for line in trace.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                own, _, name = line[len("import time:"):].split("|")
                best[name.strip()] = min(best.get(name.strip(), 1 << 62), int(own))
    total = sum(best.values())
    top = sorted(best.items(), key=lambda item: -item[1])[:count]
    return [f"all imports {total / 1000:.1f} ms ({len(best)} modules)"] + [f"{us / 1000:6.1f} ms {name}"
                                                                             for name, us in top]


if __name__ == "__main__":
    sys.exit(main())
