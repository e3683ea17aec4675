"""SAM templates: expanded offline by aws-sam-translator, then read as CloudFormation.

Templates as users keep them (before `sam package`) carry local paths that the translator
rejects; they get placeholder S3 URIs first (a local DefinitionUri of an HttpApi is read and
inlined instead, so its routes are audited), and so do applications of the Serverless Application
Repository, which the translator would fetch from AWS. Findings point back at the user's template: a
generated resource at the SAM resource (or HttpApi event) it came from.
"""

import copy
import functools
import importlib
import logging
import os
import re
import sys
import threading
import types
import typing

from auditor.errors import InputError
from auditor.iac.cfn import check_template, inline_includes, read_template, template_format
from auditor.iac.resolve import Settings
from auditor.iac.yamlload import line_of, load_template_text

PLACEHOLDER_BUCKET = "apigw-auditor-placeholder"
PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/apigw-auditor-placeholder:latest"
_LOCAL_URI_KEYS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::GraphQLApi": "SchemaUri",
}


def _quiet_translator_logs() -> None:
    """aws-sam-translator logs warnings meant for its own service ("There are unpublished metrics...",
    "Feature '...' not available in Feature Toggle Config."): noise in a linter's output. Its real
    failures reach us as exceptions (InputError below); only its loggers are quieted, never ours."""
    logging.getLogger("samtranslator").setLevel(logging.ERROR)


def _is_local(value) -> bool:
    return isinstance(value, str) and not value.startswith("s3://") and "://" not in value


def _in_repository(location) -> bool:
    """An application of the Serverless Application Repository: the translator would call the repository
    (CreateCloudFormationTemplate, with the ambient credentials). Its nested stack is not audited either way."""
    return isinstance(location, dict) and "ApplicationId" in location


def _placeholder(name: str) -> str:
    return f"s3://{PLACEHOLDER_BUCKET}/{name}"


def prepare(template: dict, base_dir: str, file: str) -> dict:
    """A copy the translator accepts: no null sections, no local paths."""
    out, shared = _copy(template)
    for key in list(out):
        if out[key] is None:
            del out[key]  # `Globals:` with nothing under it
    globals_ = out.get("Globals")
    if isinstance(globals_, dict):
        for section in list(globals_):
            if globals_[section] is None:
                del globals_[section]
        function_globals = globals_.get("Function")
        if isinstance(function_globals, dict) and _is_local(function_globals.get("CodeUri")):
            function_globals["CodeUri"] = _placeholder("code.zip")
    global_code = isinstance(globals_, dict) and isinstance(globals_.get("Function"), dict) and \
        "CodeUri" in globals_["Function"]
    for logical, resource in (out.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        if resource.get("Properties") is None and str(resource.get("Type", "")).startswith("AWS::Serverless::"):
            resource["Properties"] = {}
        kind, props = resource.get("Type"), resource.get("Properties")
        if not isinstance(props, dict):
            continue
        if kind in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api") and _is_local(props.get("DefinitionUri")):
            path = os.path.join(base_dir, props["DefinitionUri"])
            if os.path.isfile(path):
                from auditor.files import read_text
                props["DefinitionBody"] = _plain(load_template_text(read_text(path), path))
                del props["DefinitionUri"]
        key = _LOCAL_URI_KEYS.get(kind)
        if kind == "AWS::Serverless::Function":
            image = props.get("PackageType") == "Image" or "ImageUri" in props
            if "InlineCode" not in props and not image and (_is_local(props.get("CodeUri")) or
                                                            ("CodeUri" not in props and not global_code)):
                props["CodeUri"] = _placeholder(f"{logical}.zip")
            global_image = isinstance(globals_, dict) and isinstance(globals_.get("Function"), dict) and \
                "ImageUri" in globals_["Function"]
            if props.get("PackageType") == "Image" and "ImageUri" not in props and not global_image:
                # `sam build` fills ImageUri in from the function's Metadata (DockerTag, DockerContext), and
                # `sam validate` accepts the template without it: a placeholder image, as CodeUri gets one.
                props["ImageUri"] = PLACEHOLDER_IMAGE
        elif key and _is_local(props.get(key)):
            props[key] = _placeholder(f"{logical}-{key}")
        if kind == "AWS::Serverless::Application" and (_is_local(props.get("Location")) or
                                                       _in_repository(props.get("Location"))):
            props["Location"] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/{logical}.yaml"
    return _plain(out) if shared else out


_ATOMIC = (str, int, float, bool, type(None), bytes)


def _copy(template: dict) -> tuple[dict, bool]:
    """(a copy in plain dicts and lists, whether a mapping or list occurs in it more than once): what
    `_plain(copy.deepcopy(template))` gave, in one pass and a fifth of the time (deepcopy rebuilds each LineDict
    through __reduce_ex__). A YAML alias makes one object appear twice: the copy keeps it one object, as deepcopy
    did, so `prepare`'s edits see it as before, and `prepare` then unshares it with `_plain` as before."""
    memo: dict[int, object] = {}
    shared = False

    def copy_of(value):
        nonlocal shared
        if isinstance(value, _ATOMIC):
            return value
        if isinstance(value, (dict, list)):
            done = memo.get(id(value))
            if done is not None:
                shared = True
                return done
            if isinstance(value, dict):
                out = memo[id(value)] = {}
                for key, item in value.items():
                    out[key] = copy_of(item)
            else:
                out = memo[id(value)] = []
                out.extend(copy_of(item) for item in value)
            return out
        return copy.deepcopy(value)  # what a YAML tag may build beside them (!!set, !!omap's tuples)

    return copy_of(template), shared


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@functools.lru_cache(maxsize=None)
def _session(region: str):
    """One boto3 session per region for all templates (making one costs ~10 ms)."""
    import boto3
    return boto3.session.Session(region_name=region)


class _RegionSession:
    """The translator's boto3 session: all it reads is the region (AWS::Region, the partition). Anything else
    it asks is asked of a real boto3 session, made then."""

    def __init__(self, region: str):
        self.region_name = region

    def __getattr__(self, name):
        return getattr(_session(self.region_name), name)


# What aws-sam-translator imports by name when its modules load, from boto3/botocore: classes it names in
# annotations (Session, BaseClient) or uses only to call AWS (Config: the Serverless Application Repository,
# AppConfig), which an audit never does (see `prepare`); botocore.exceptions is imported for real (cheap, and
# `except ClientError` needs the real class). From jsonschema: what checks SAM's own policy templates, which
# `_policy_templates` skips (`_real_names_before_check` puts the real ValidationError in place if anything runs it).
# From its own schema_source: the pydantic models of SAM's schema (building them is half of the translator's import,
# ~55 ms), which it names in signatures but validates with only a GraphQLApi, CapacityProvider, NetworkConnector or
# MicroVMImage resource and a function's CapacityProviderConfig; and pydantic itself (~20 ms), which only those
# models use ("compat" is the translator's door to it: `pydantic.BaseModel` bounds a TypeVar).
_SCHEMA = "samtranslator.internal.schema_source."
_NAMED_AT_IMPORT = {"boto3": ("Session",), "botocore.client": ("BaseClient",), "botocore.config": ("Config",),
                    "jsonschema": (), "jsonschema.exceptions": ("ValidationError",),
                    _SCHEMA + "common": ("PassThroughProp", "PermissionsType", "SamIntrinsicable"),
                    _SCHEMA + "aws_serverless_function": (), _SCHEMA + "aws_serverless_capacity_provider": (),
                    _SCHEMA + "aws_serverless_networkconnector": (), _SCHEMA + "aws_serverless_microvmimage": (),
                    _SCHEMA + "aws_serverless_graphqlapi": (
                        "ApiKey", "Auth", "Authorizer", "Cache", "DataSources", "DomainName", "DynamoDBDataSource",
                        "Function", "LambdaDataSource", "Properties", "Resolver"),
                    "samtranslator.compat": ("pydantic.BaseModel",)}


class _Later:
    """A class the translator names when its modules load (Session, Config, ...): calling it calls the real one,
    and so does reading any of its attributes. `name` may be dotted (pydantic.BaseModel of samtranslator.compat)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def real(self):
        return functools.reduce(getattr, self.name.split("."), importlib.import_module(self.module))

    def __call__(self, *args, **kwargs):
        return self.real()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):  # what typing asks of a class named in a signature: not there
            raise AttributeError(name)
        return getattr(self.real(), name)

    def __or__(self, other):  # `Session | None` in a signature
        return typing.Union[self, other]

    def __ror__(self, other):
        return typing.Union[other, self]

    def __repr__(self):
        return f"<{self.module}.{self.name}, imported when used>"


class _ModuleLater(types.ModuleType):
    """A module as the translator's modules hold it (boto3, jsonschema, ...): while they load, it has only the
    names they read (`_NAMED_AT_IMPORT`, as `_Later` stand-ins); afterwards every attribute is read from the real
    module, imported the ordinary way the first time one is read."""

    def __init__(self, name: str, names=()):
        super().__init__(name)
        self._stand_ins = {}
        for dotted in names:
            first, _, rest = dotted.partition(".")
            holder = self._stand_ins.setdefault(first, _Later(name, first))
            if rest:  # pydantic.BaseModel: read from the stand-in of pydantic while the modules load
                setattr(holder, rest, _Later(name, dotted))

    def __getattr__(self, name):
        if sys.modules.get(self.__name__) is self:  # while the translator's modules load: only what they name
            try:
                return self._stand_ins[name]
            except KeyError:
                raise AttributeError(name) from None
        return getattr(importlib.import_module(self.__name__), name)


def _real_names(module) -> None:
    """The real classes in place of a module's stand-ins, before its code that may raise or catch them runs."""
    for key, value in list(vars(module).items()):
        if isinstance(value, _Later):
            setattr(module, key, value.real())


def _import_translator() -> None:
    """aws-sam-translator's modules, without running boto3's, jsonschema's or pydantic's, nor building the
    translator's pydantic models of SAM's schema (~0.15 s, ~0.03 s, ~0.02 s and ~0.05 s of a small template's
    run). While they load, the modules they import names from are stand-ins (`_ModuleLater`,
    `_Later`); afterwards sys.modules is as before, so any later `import boto3` (--live, moto) imports the real
    one, and the translator's own uses of these modules reach the real ones too."""
    with _IMPORTING:
        _import_translator_once()


_IMPORTING = threading.Lock()


def _import_translator_once() -> None:
    if "samtranslator.translator.translator" in sys.modules:
        return
    if "boto3" not in sys.modules:
        import botocore.exceptions  # noqa: F401
    # A translator version that names more of them when its modules load: its own modules (the schema models)
    # imported as usual first, then everything.
    outside = {name: names for name, names in _NAMED_AT_IMPORT.items() if not name.startswith("samtranslator.")}
    for stand_ins in (_NAMED_AT_IMPORT, outside) if outside != _NAMED_AT_IMPORT else (_NAMED_AT_IMPORT,):
        if _imported_with(stand_ins):
            return
    _import_samtranslator()  # the ordinary way


def _imported_with(stand_ins: dict) -> bool:
    """Whether the translator's modules loaded while these modules were stand-ins; if not, none of its modules
    stays imported."""
    added = [name for name in stand_ins if name not in sys.modules]  # the others are paid for already
    for name in added:
        sys.modules[name] = _ModuleLater(name, stand_ins[name])
    try:
        _import_samtranslator()
    except Exception:  # noqa: BLE001 - a name the stand-ins lack: tried again with fewer of them
        if not added:
            raise
        for name in [m for m in sys.modules if m == "samtranslator" or m.startswith("samtranslator.")]:
            del sys.modules[name]
        return False
    finally:
        for name in added:
            if isinstance(sys.modules.get(name), _ModuleLater):
                del sys.modules[name]
    if "jsonschema.exceptions" in added:
        _real_names_before_check()
    return True


def _real_names_before_check() -> None:
    """The check of policy templates against SAM's schema (PolicyTemplatesProcessor's constructor; not run by
    `_policy_templates`, but by the translator itself in a version without the hook `translate` replaces) catches
    jsonschema's ValidationError: the real class is put in place when that check runs, not before."""
    from samtranslator.policy_template_processor import processor
    check = getattr(processor.PolicyTemplatesProcessor, "_is_valid_templates_dict", None)
    if check is None:
        return

    def real_names_then_check(*args, **kwargs):
        _real_names(processor)
        return check(*args, **kwargs)
    processor.PolicyTemplatesProcessor._is_valid_templates_dict = staticmethod(real_names_then_check)


def _import_samtranslator() -> None:
    import samtranslator.translator.translator  # noqa: F401
    import samtranslator.parser.parser  # noqa: F401
    import samtranslator.plugins.policies.policy_templates_plugin  # noqa: F401


@functools.lru_cache(maxsize=None)
def _policy_templates():
    """SAM's built-in policy templates, read once per process: the translator builds the same processor for every
    template, half of its time on a small one. The processor is read-only (each use copies the template it fills).

    Built as the processor's constructor builds it, without its check of SAM's own shipped templates against
    SAM's own schema (the two ship together, and the translator's release tests check them): that check imports
    jsonschema and validates 70 kB, ~50 ms of a run whose template names a policy template."""
    from samtranslator.policy_template_processor import processor
    from samtranslator.policy_template_processor.template import Template
    templates = object.__new__(processor.PolicyTemplatesProcessor)
    templates.policy_templates = {
        name: Template.from_dict(name, value)
        for name, value in processor.PolicyTemplatesProcessor.get_default_policy_templates_json()["Templates"].items()}
    return templates


class _PolicyTemplatesWhenUsed:
    """The policy templates processor, built (and its templates checked) the first time the translator asks it
    anything: when a function's Policies hold a mapping, which may name a template. Most templates never do."""

    def __getattr__(self, name):
        return getattr(_policy_templates(), name)


def _policy_template_plugin():
    from samtranslator.plugins.policies.policy_templates_plugin import PolicyTemplatesForResourcePlugin
    return PolicyTemplatesForResourcePlugin(_PolicyTemplatesWhenUsed())


@functools.lru_cache(maxsize=None)
def _once_per_process() -> None:
    """What the translator builds again for every template, built once per process (each is read-only once built,
    so every template is translated as before):
    - the policy templates processor (`_policy_template_plugin`, through the hook prepare_plugins calls);
    - the map of SAM resource types to their classes (ResourceTypeResolver: inspect.getmembers of sam_resources);
    - and SamResourceType.has_value, asked of every resource by each plugin, answers a plain string from a set
      instead of comparing it with each of the enum's members (~10% of translating a small template); any other
      value is answered by the enum's own method."""
    from samtranslator.sdk.resource import SamResourceType
    from samtranslator.translator import translator as translator_module

    if hasattr(translator_module, "make_policy_template_for_function_plugin"):  # the hook prepare_plugins calls
        translator_module.make_policy_template_for_function_plugin = _policy_template_plugin
    resolver = getattr(translator_module, "ResourceTypeResolver", None)
    if isinstance(resolver, type):  # translate() calls ResourceTypeResolver(sam_resources)
        translator_module.ResourceTypeResolver = functools.lru_cache(maxsize=None)(resolver)
    has_value = SamResourceType.has_value
    types_ = frozenset(member.value for member in SamResourceType)
    if all(type(value) is str for value in types_):
        SamResourceType.has_value = classmethod(
            lambda cls, value: value in types_ if type(value) is str else has_value(value))


def translate(template: dict, settings: Settings, file: str, source: dict | None = None) -> dict:
    """The translator's CloudFormation; a rejection names the line of the resource it names in `source`
    (the template as read, with its lines; the translator gets a prepared copy)."""
    _import_translator()
    _once_per_process()
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    session = _RegionSession(settings.region)
    parameters = {"AWS::Region": settings.region, "AWS::AccountId": settings.account,
                  "AWS::Partition": settings.partition}
    parameters.update(settings.parameters)
    translator = Translator(None, Parser(), boto_session=session)
    try:
        return translator.translate(template, parameter_values=parameters, passthrough_metadata=True,
                                    get_managed_policy_map=lambda: {})
    except InvalidDocumentException as exc:
        causes = [getattr(c, "message", str(c)) for c in exc.causes] or [exc.message]
        raise InputError("SAM template rejected by aws-sam-translator: " + "; ".join(causes), file=file,
                         line=_line_of_message(source if source is not None else template, causes)) from None
    except Exception as exc:  # the translator's other failures are input problems too
        raise InputError(f"SAM template could not be expanded: {type(exc).__name__}: {exc}", file=file) from None


def _line_of_message(template, causes) -> int | None:
    resources = template.get("Resources") or {}
    for cause in causes:
        match = re.search(r"\[(\w+)\]", cause)
        if match and match.group(1) in resources:
            event = re.search(r"Event with id \[(\w+)\]", cause)
            resource = resources[match.group(1)]
            events = (resource.get("Properties") or {}).get("Events") if isinstance(resource, dict) else None
            if event and isinstance(events, dict) and event.group(1) in events:
                return line_of(events, event.group(1)) or line_of(resources, match.group(1)) or None
            return line_of(resources, match.group(1)) or None
    return None


class Origin:
    """Where each resource of the translated template was declared in the user's SAM template."""

    def __init__(self, source: dict):
        self.resources = source.get("Resources") or {}
        self.events: list[tuple[str, str, dict, int | None]] = []  # (function, event, properties, line)
        for logical, resource in self.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
                continue
            events = (resource.get("Properties") or {}).get("Events") or {}
            if not isinstance(events, dict):
                continue
            for name, event in events.items():
                if isinstance(event, dict) and event.get("Type") == "HttpApi":
                    # A JSON template's lines reach its resources, not their events: the function's line then.
                    line = line_of(events, name) or line_of(self.resources, logical)
                    self.events.append((logical, name, event.get("Properties") or {}, line))
        self._sources = sorted(self.resources, key=len, reverse=True)

    def _info(self, logical: str, event: str | None = None) -> dict:
        info = {"resource": logical, "type": (self.resources.get(logical) or {}).get("Type")}
        if event:
            info["event"] = event
        return info

    def __call__(self, generated: str):
        if generated in self.resources:
            return line_of(self.resources, generated), generated, self._info(generated)
        for function, event, _, line in self.events:
            if generated == f"{function}{event}Permission":
                return line, function, self._info(function, event)
        for logical in self._sources:
            if generated.startswith(logical):
                return line_of(self.resources, logical), logical, self._info(logical)
        if generated.startswith("ServerlessHttpApi") and self.events:
            function, event, _, line = self.events[0]
            return line, function, self._info(function, event)
        return None

    def body_line(self, logical: str, pointer: list):
        """Line of an OpenAPI element in the DefinitionBody the user wrote, or of the nearest parent."""
        node = ((self.resources.get(logical) or {}).get("Properties") or {}).get("DefinitionBody")
        line = None
        for part in pointer:
            if not isinstance(node, dict) or part not in node:
                break
            line = line_of(node, part) or line
            node = node[part]
        return line

    def route(self, route_key: str):
        for function, event, props, line in self.events:
            path, method = props.get("Path"), props.get("Method")
            key = "$default" if path is None and method is None else \
                f"{'ANY' if str(method).lower() == 'any' else str(method).upper()} {path}"
            if key == route_key:
                return line, function, self._info(function, event)
        return None


def read_sam(path: str, text: str, settings: Settings, template=None) -> dict:
    _quiet_translator_logs()
    source = check_template(template if template is not None else load_template_text(text, path), path)
    base_dir = os.path.dirname(path)
    inline_includes(source, base_dir, path, [])
    translated = translate(prepare(source, base_dir, path), settings, path, source)
    return read_template(translated, path, settings, "sam", template_format(text), origin=Origin(source))


MAX_NESTING = 5  # nested applications followed this deep (a Location pointing back at its parent stops too)


def local_applications(path: str) -> list[str]:
    """The template files of the template's nested applications (AWS::Serverless::Application, and
    AWS::CloudFormation::Stack's TemplateURL) whose Location is a local file before `sam package`: each is a
    stack of its own, audited beside its parent (its parameters come from the parent at deploy: those
    without a default stay unknown)."""
    from auditor.files import read_text
    try:
        text = read_text(path)
    except Exception:  # noqa: BLE001 - the file itself was read a moment ago; nothing to follow if not now
        return []
    if "AWS::Serverless::Application" not in text and "AWS::CloudFormation::Stack" not in text:
        return []
    try:
        template = load_template_text(text, path)
    except Exception:  # noqa: BLE001 - the parent's reader already reported what is wrong with it
        return []
    out = []
    base = os.path.dirname(path)
    for resource in ((template.get("Resources") if isinstance(template, dict) else None) or {}).values():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        props = resource["Properties"]
        location = props.get("Location") if resource.get("Type") == "AWS::Serverless::Application" else \
            props.get("TemplateURL") if resource.get("Type") == "AWS::CloudFormation::Stack" else None
        if _is_local(location):
            candidate = os.path.normpath(os.path.join(base, location))
            if os.path.isfile(candidate):
                out.append(candidate)
    return out
