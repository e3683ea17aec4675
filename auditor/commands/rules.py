"""`apigw-auditor rules`: the catalogue, and the Markdown pages in rules/ generated from it."""

ORDER = 20

import argparse
import json
import os

from auditor.docs import catalogue_markdown, rule_page, rule_filename
from auditor.commands import choice, exit_codes
from auditor.errors import InputError, UsageError
from auditor.output import write_text


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser("rules", help="list the rule catalogue or write its documentation",
                            description="List every rule (built-in and plugin) with id, name, severity and title.",
                            epilog=exit_codes((0, "the catalogue was printed (or the docs written)"),
                                              (2, "usage error or unreadable configuration/rules file")),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", type=choice(["table", "json", "markdown"], "format"), default="table",
                        metavar="FORMAT",
                        help="catalogue format on stdout (default: table); not with --docs")
    parser.add_argument("--docs", metavar="DIR", help="write one Markdown page per rule (and README.md) into DIR")
    parser.add_argument("--config", metavar="FILE", help="configuration whose rules-files to include (default: found)")
    parser.add_argument("--rules-file", action="append", dest="rules_files", metavar="FILE",
                        help="also list the custom rules in FILE (TOML/YAML; repeatable)")
    parser.set_defaults(run=run)


def rule_dict(rule) -> dict:
    return {"id": rule.id, "name": rule.name, "severity": rule.severity.label, "title": rule.title,
            "rationale": rule.rationale, "client_sees": rule.client_sees, "fix": rule.fix}


def run(args) -> int:
    from auditor.config import load_rules
    rules = load_rules(args.config, args.rules_files)[1]  # built-in, plugin and custom rules
    if args.docs:
        if args.format != "table":
            raise UsageError("--docs writes Markdown pages; --format does not apply to it")
        if os.path.exists(args.docs) and not os.path.isdir(args.docs):
            raise InputError("not a folder", file=args.docs)
        try:
            os.makedirs(args.docs, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the folder ({exc.strerror})", file=args.docs) from None
        for rule in rules:
            write_text(rule_page(rule), os.path.join(args.docs, rule_filename(rule)))
        write_text(catalogue_markdown(rules), os.path.join(args.docs, "README.md"))
        return 0
    if args.format == "json":
        text = json.dumps([rule_dict(r) for r in rules], indent=2) + "\n"
    elif args.format == "markdown":
        text = catalogue_markdown(rules)
    else:
        from auditor.tables import tabulate
        text = tabulate([[r.id, r.name, r.severity.label, r.title] for r in rules],
                        headers=["id", "name", "severity", "title"]) + "\n"
    write_text(text, None)
    return 0
