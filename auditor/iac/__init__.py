"""Infrastructure as code in, snapshot documents out: CloudFormation, SAM, CDK output, Terraform
plans, OpenAPI definitions and folders of raw AWS CLI outputs.

Each reader builds the same snapshot document a snapshot file holds and hands it to
`auditor.snapshot.read_snapshot_document`, so every rule applies unchanged. See docs/iac.md.
"""

import re
from pathlib import Path

from auditor.errors import InputError, UsageError
from auditor.iac.resolve import DEFAULT_ACCOUNT, DEFAULT_REGION, Settings

INPUT_TYPES = ["cloudformation", "sam", "cdk", "terraform", "openapi", "cli-outputs"]
_HARDCODED = re.compile(r"arn:aws[a-z-]*:(?:execute-api|lambda|apigateway):([a-z]{2}(?:-[a-z]+)+-\d):(\d{12})?")


def make_settings(text: str, region: str | None, account: str | None, parameters: dict | None,
                  fallback_region: str | None = None) -> Settings:
    """--region/--account win; otherwise the one region/account the input hard-codes, else placeholders."""
    regions, accounts = set(), set()
    if region is None or account is None:
        for match in _HARDCODED.finditer(text):
            regions.add(match.group(1))
            if match.group(2):
                accounts.add(match.group(2))
    chosen_region = region or fallback_region or (regions.pop() if len(regions) == 1 else DEFAULT_REGION)
    chosen_account = account or (accounts.pop() if len(accounts) == 1 else DEFAULT_ACCOUNT)
    return Settings(region=chosen_region, account=chosen_account, parameters=dict(parameters or {}))


def parse_parameters(items: list[str] | None) -> dict:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--parameter expects Key=Value, got {item!r}")
        out[key.strip()] = value
    return out


def _classify(document) -> str | None:
    if not isinstance(document, dict):
        return None
    if "SnapshotVersion" in document:
        return "snapshot"
    if "format_version" in document and ("planned_values" in document or "resource_changes" in document
                                         or "values" in document or "configuration" in document):
        return "terraform"
    if ("openapi" in document or "swagger" in document) and "paths" in document:
        return "openapi"
    if "Resources" in document or "AWSTemplateFormatVersion" in document:
        transform = document.get("Transform")
        transforms = transform if isinstance(transform, list) else [transform]
        resources = document.get("Resources")
        if "AWS::Serverless-2016-10-31" in transforms or (isinstance(resources, dict) and any(
                isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
                for r in resources.values())):
            return "sam"
        return "cloudformation"
    return None


def is_cdk_folder(path: Path) -> bool:
    return path.is_dir() and (path / "manifest.json").is_file() and any(path.glob("*.template.json"))


def is_cli_folder(path: Path) -> bool:
    from auditor.iac.cli_outputs import looks_like_cli_folder
    return path.is_dir() and looks_like_cli_folder(path)


def detect_folder(path: Path) -> str | None:
    if is_cdk_folder(path):
        return "cdk"
    if is_cli_folder(path):
        return "cli-outputs"
    if is_terraform_source_folder(path):
        return "terraform"
    return None


def is_terraform_source_folder(path: Path) -> bool:
    from auditor.iac.hcl import is_source_folder
    return is_source_folder(path)


def load_file(path: str, input_type: str | None, region: str | None, account: str | None,
              parameters: dict | None, variables: dict | None = None, var_files: list[str] | None = None) -> dict:
    """The snapshot document of one file (a snapshot file's own, or one built from IaC)."""
    return load_input_file(path, input_type, region, account, parameters, variables, var_files)[0]


def load_input_file(path: str, input_type: str | None, region: str | None, account: str | None,
                    parameters: dict | None, variables: dict | None = None,
                    var_files: list[str] | None = None) -> tuple[dict, bool]:
    """(snapshot document, built from IaC): a template or plan is a stack of its own (model.Scope.stack)."""
    try:
        if input_type in (None, "terraform") and path.endswith(".tf"):  # Terraform source, not a plan
            from auditor.iac.hcl import load_source
            return load_source(path, region, account, parameters, variables, var_files), True
        own, built = _load_file(path, input_type, region, account, parameters)
    except RecursionError:  # e.g. a YAML alias that contains itself
        raise InputError("the document is recursive or too deeply nested to read", file=path) from None
    return (built, True) if built is not None else (own, False)


def _load_file(path: str, input_type: str | None, region: str | None, account: str | None,
               parameters: dict | None) -> tuple[dict | None, dict | None]:
    """(the file's own snapshot document, None) or (None, the document built from IaC)."""
    from auditor.files import read_text
    from auditor.iac.yamlload import load_template_text
    text = read_text(path)
    document = None
    parsed_json = False
    kind = input_type
    if kind is None or kind == "snapshot":
        stripped = text.lstrip()
        if stripped.startswith("{") or stripped.startswith("[") or path.endswith(".json"):
            from auditor.files import parse_json
            try:
                document = parse_json(text, path)
                parsed_json = True
            except InputError:
                if path.endswith(".json") or kind == "snapshot":
                    raise
        if document is None:
            if kind == "snapshot":
                raise InputError("not JSON", file=path, line=1)
            document = load_template_text(text, path)
        if kind is None:
            kind = _classify(document)
        if kind is None and parsed_json:
            from auditor.iac.cli_outputs import single_output_hint
            hint = single_output_hint(document)
            if hint:
                raise InputError(hint, file=path)
            return document, None  # JSON that is no IaC: the snapshot reader names what is wrong with it
        if kind is None:
            raise InputError("not a recognised input: expected an apigw-auditor snapshot, a CloudFormation/SAM "
                             "template, a Terraform plan (terraform show -json), or an OpenAPI definition "
                             "(or pass --input-type)", file=path, line=1)
        if kind == "snapshot":
            return document, None
    return None, _build(path, text, kind, document, parsed_json, region, account, parameters)


def _build(path: str, text: str, kind: str, document, parsed_json: bool, region, account, parameters) -> dict:
    """The snapshot document of a template, plan or OpenAPI definition."""
    from auditor.iac.yamlload import load_template_text
    if kind == "terraform":
        from auditor.iac.terraform import load_terraform
        return load_terraform(path, text, region, account, parameters)
    settings = make_settings(text, region, account, parameters)
    # Parsed with line numbers once: reuse the YAML parse of the detection step.
    template = document if document is not None and not parsed_json else load_template_text(text, path)
    if kind in ("cloudformation", "cdk"):
        from auditor.iac.cfn import read_template, template_format
        return read_template(template, path, settings, kind, template_format(text))
    if kind == "sam":
        from auditor.iac.sam import read_sam
        return read_sam(path, text, settings, template)
    if kind == "openapi":
        from auditor.iac.standalone import read_openapi_file
        return read_openapi_file(path, text, settings, template)
    if kind == "cli-outputs":
        raise InputError("--input-type cli-outputs takes a folder", file=path)
    raise UsageError(f"unknown input type {kind!r}")


def load_folder(path: Path, kind: str, region, account, parameters, variables: dict | None = None,
                var_files: list[str] | None = None) -> list[tuple[str, dict]]:
    """(file, snapshot document) for each template of a cdk.out folder, or the one of a CLI-output
    folder or of a folder of Terraform source."""
    if kind == "terraform":
        from auditor.iac.hcl import load_source
        return [(str(path), load_source(str(path), region, account, parameters, variables, var_files))]
    if kind == "cdk":
        templates = sorted(path.glob("*.template.json"))
        for stage in sorted(p for p in path.glob("assembly-*") if p.is_dir()):  # CDK Stages nest assemblies
            templates += sorted(stage.glob("*.template.json"))
        if not templates:
            raise InputError("cdk.out folder holds no *.template.json (run `cdk synth` first)", file=str(path))
        return [(str(t), load_file(str(t), "cdk", region, account, parameters)) for t in templates]
    if kind == "cli-outputs":
        from auditor.iac.cli_outputs import read_cli_folder
        return [(str(path), read_cli_folder(path, region, account))]
    raise UsageError(f"--input-type {kind} takes a file, not a folder ({path})")


def region_of(regions: list[str] | None) -> str | None:
    if not regions:
        return None
    if len(set(regions)) > 1:
        raise UsageError("templates are deployed to one region: give --region once")
    from auditor.core.arns import check_region
    check_region(regions[0])
    return regions[0]


__all__ = ["INPUT_TYPES", "load_file", "load_folder", "detect_folder", "parse_parameters", "region_of",
           "make_settings", "load_input_file", "is_terraform_source_folder"]
