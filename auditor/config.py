"""Project configuration: `[tool.apigw-auditor]` in pyproject.toml, or a `.apigw-auditor.toml`.

Found by walking up from the working directory (in each folder `.apigw-auditor.toml` first, then a
pyproject.toml that has the table), or named with `--config`. Every key and every rule id is
checked: a typo is an error (exit 2) naming the file and key, never silently ignored.

    [tool.apigw-auditor]
    select = ["AGW1", "AGW2"]          # ids, prefixes or names, as --select
    ignore = ["AGW305"]                # as --ignore
    fail-on = "high"                   # as --fail-on
    rules-files = ["house-rules.toml"] # custom rules (relative to this file)
    [tool.apigw-auditor.severity]      # per-rule severity overrides
    AGW304 = "high"
    [tool.apigw-auditor.per-path-ignores]  # glob (relative to this file) -> rule codes
    "legacy/*.json" = ["AGW111"]

Command-line flags win over the file: --select, --ignore and --fail-on replace the file's value;
--rules-file adds to rules-files.
"""

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError, UsageError
from auditor.findings import Severity

CONFIG_NAME = ".apigw-auditor.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.apigw-auditor"
KEYS = ("select", "ignore", "fail-on", "severity", "per-path-ignores", "rules-files")
_UNSET = object()


@dataclass
class Config:
    """The file's values, checked for shape (rule ids are checked once custom rules are loaded)."""

    file: str | None = None
    root: Path = field(default_factory=Path.cwd)  # relative paths in the file start here
    prefix: str = ""  # "tool.apigw-auditor." in a pyproject.toml, for messages
    select: list[str] | None = None
    ignore: list[str] | None = None
    fail_on: object = _UNSET  # Severity, None (never) or _UNSET
    severity: dict[str, Severity] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    rules_files: list[Path] = field(default_factory=list)

    def error(self, key: str, message: str) -> InputError:
        return InputError(message, file=self.file, path=f"{self.prefix}{key}" if key else self.prefix.rstrip(".") or None)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest configuration from `start` (default: the working directory) up to the root."""
    folder = (start or Path.cwd()).resolve()
    for candidate in [folder, *folder.parents]:
        dedicated = candidate / CONFIG_NAME
        if dedicated.is_file():
            return dedicated
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "[tool.apigw-auditor" in pyproject.read_text(encoding="utf-8", errors="replace")
    if "apigw" not in text and "\\" not in text:  # no key can name our table (a quoted one may escape it)
        return False
    import tomllib  # (only for a pyproject.toml that may hold our table)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A broken pyproject.toml on the way up is only our problem if it holds our table.
        return "[tool.apigw-auditor" in pyproject.read_text(encoding="utf-8", errors="replace")
    return isinstance(document.get("tool"), dict) and "apigw-auditor" in document["tool"]


def _read_toml(path: Path) -> dict:
    import tomllib  # (only when there is a configuration to read)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such configuration file", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a configuration file", file=str(path)) from None
    except PermissionError:
        raise InputError("permission denied", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=str(path)) from None


def load_config(path: Path) -> Config:
    document = _read_toml(path)
    config = Config(file=str(path), root=path.resolve().parent)
    if path.name == PYPROJECT:
        tool = document.get("tool", {})
        table = tool.get("apigw-auditor") if isinstance(tool, dict) else None
        if table is None:
            raise InputError(f"has no [{TABLE}] table", file=str(path))
        config.prefix = TABLE + "."
    else:
        table = document
    if not isinstance(table, dict):
        raise config.error("", "expected a table")
    for key in table:
        if key not in KEYS:
            raise config.error(key, f"unknown key {key!r}; known keys: {', '.join(KEYS)}")
    if "select" in table:
        config.select = _codes(config, "select", table["select"])
    if "ignore" in table:
        config.ignore = _codes(config, "ignore", table["ignore"])
    if "fail-on" in table:
        config.fail_on = _fail_on(config, table["fail-on"])
    if "severity" in table:
        overrides = table["severity"]
        if not isinstance(overrides, dict):
            raise config.error("severity", "expected a table of rule id = severity")
        for rule_id, value in overrides.items():
            config.severity[rule_id] = _severity(config, f"severity.{rule_id}", value)
    if "per-path-ignores" in table:
        patterns = table["per-path-ignores"]
        if not isinstance(patterns, dict):
            raise config.error("per-path-ignores", "expected a table of glob = [rule codes]")
        for pattern, codes in patterns.items():
            config.per_path_ignores[pattern] = _codes(config, f"per-path-ignores.{pattern!r}", codes)
    if "rules-files" in table:
        files = table["rules-files"]
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise config.error("rules-files", "expected a list of file names")
        config.rules_files = [config.root / f for f in files]
    return config


def _codes(config: Config, key: str, value) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise config.error(key, "expected a list of rule ids, prefixes or names")
    return [v.strip() for v in value]


def _severity(config: Config, key: str, value) -> Severity:
    if not isinstance(value, str):
        raise config.error(key, "expected a severity string")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise config.error(key, str(exc)) from None


def _fail_on(config: Config, value):
    if isinstance(value, str) and value.lower() in ("never", "none"):
        return None
    return _severity(config, "fail-on", value)


def _matches(rule, code: str) -> bool:
    return rule.id.startswith(code) or rule.name == code


def _suggest(code: str, rules: list) -> str:
    from auditor.errors import did_you_mean
    return did_you_mean(code, [r.id for r in rules] + [r.name for r in rules])


def check_rule_codes(config: Config, rules: list) -> None:
    """Every code in the file must name a rule that exists (built-in, plugin or custom)."""
    for key, codes in (("select", config.select), ("ignore", config.ignore)):
        for code in codes or ():
            if not any(_matches(rule, code) for rule in rules):
                raise config.error(key, f"unknown rule {code!r}{_suggest(code, rules)} (see `apigw-auditor rules`)")
    for pattern, codes in config.per_path_ignores.items():
        for code in codes:
            if not any(_matches(rule, code) for rule in rules):
                raise config.error(f"per-path-ignores.{pattern!r}",
                                   f"unknown rule {code!r}{_suggest(code, rules)} (see `apigw-auditor rules`)")
    for code in config.severity:
        if not any(rule.id == code or rule.name == code for rule in rules):
            raise config.error(f"severity.{code}", f"unknown rule {code!r}{_suggest(code, rules)}: severity overrides "
                                                   "name one rule by id or name")


@dataclass
class Settings:
    """What an audit runs with once the file, custom rules and command-line flags are combined."""

    config: Config
    available: list  # every rule class: built-in, plugin, custom
    rules: list  # the selected ones
    severity: dict[str, Severity]
    fail_on: Severity | None
    _path_cache: dict = field(default_factory=dict, repr=False)

    def path_ignores(self, file: str | None) -> tuple[str, list[str]] | None:
        """The first per-path-ignores pattern matching `file`, with its codes."""
        if not file or not self.config.per_path_ignores:
            return None
        if file not in self._path_cache:
            self._path_cache[file] = self._match_path(file)
        return self._path_cache[file]

    def _match_path(self, file: str) -> tuple[str, list[str]] | None:
        candidates = _path_forms(file, self.config.root)
        for pattern, codes in self.config.per_path_ignores.items():
            pattern = pattern.replace(os.sep, "/")
            for form in candidates:
                if fnmatch.fnmatchcase(form, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(form.rsplit("/", 1)[-1], pattern)):
                    return pattern, codes
        return None


def _path_forms(file: str, root: Path) -> list[str]:
    forms = [Path(file).as_posix()]
    absolute = Path(file).resolve()
    try:
        forms.insert(0, absolute.relative_to(root).as_posix())
    except ValueError:
        forms.append(absolute.as_posix())
    return forms


def load_rules(config_path: str | None, rules_files: list[str] | None) -> tuple[Config, list]:
    """The configuration (named, found, or empty) and every rule: built-in, plugin and custom."""
    from auditor.custom_rules import load_rule_files
    from auditor.engine import all_rules

    if config_path:
        config = load_config(Path(config_path))
    else:
        found = find_config()
        config = load_config(found) if found else Config()
    builtin = all_rules()
    custom = load_rule_files([str(p) for p in config.rules_files] + list(rules_files or []), builtin)
    available = sorted(builtin + custom, key=lambda r: r.id)
    check_rule_codes(config, available)
    return config, available


def add_config_arguments(parser) -> None:
    """--config and --rules-file, for every command that runs the rules."""
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest "
                        ".apigw-auditor.toml, or pyproject.toml with [tool.apigw-auditor], from here up)")
    parser.add_argument("--rules-file", action="append", dest="rules_files", metavar="FILE",
                        help="custom rules (TOML/YAML, see docs/team.md); repeatable, adds to the configuration's")


def resolve(args) -> Settings:
    """Read the configuration and custom rules named by `args`, and apply the flags over them.

    Sets args.select, args.ignore and args.fail_on to the effective values, so the rest of the
    command reads them as before.
    """
    from auditor.engine import select_rules

    config, available = load_rules(getattr(args, "config", None), getattr(args, "rules_files", None))
    if getattr(args, "select", None) is None:
        args.select = config.select
    if getattr(args, "ignore", None) is None:
        args.ignore = config.ignore
    if not hasattr(args, "fail_on"):
        args.fail_on = Severity.MEDIUM if config.fail_on is _UNSET else config.fail_on
    rules = select_rules(available, args.select, args.ignore)
    if not rules:
        raise UsageError("select/ignore (flags or configuration) leave no rule to run")
    return Settings(config, available, rules, severity_overrides(config, available), args.fail_on)


def severity_overrides(config, available) -> dict:
    """Rule id -> severity, from the configuration's [severity] table (keys are ids or names)."""
    severity = {}
    for code, level in config.severity.items():
        for rule in available:
            if rule.id == code or rule.name == code:
                severity[rule.id] = level
    return severity
