"""The JSON Schema files of ``schemas/``: one registry and one validator per schema, per process.

Two validators per schema, one verdict. ``jsonschema_rs`` answers "is it valid?" (tens of
microseconds for an order); only when it says no does ``jsonschema`` (Python) run, for
the violations as people read them: pointer, message, schema location. Both check the
same formats the same way (``_FORMATS``, the Python checker's own rules), and the
Python validator has the last word: a message it finds no fault with has no violations.
``jsonschema`` is imported on that path only, so a process that sees only valid messages
never pays for importing it (``python_validator_class``).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import jsonschema_rs
import yaml

from ._pointer import escape, join
from ._violation import Violation

log = logging.getLogger("harness.contracts")

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError
    from referencing import Registry

#: Base URI of every schema's ``$id``; ``.invalid`` so that nothing ever fetches one.
BASE_URI = "https://provisioning-harness.invalid/schemas/"


def schemas_dir() -> Path:
    """Where the schema files are: the repo's ``schemas/``, or inside an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "schemas", here / "_schemas"):
        if (candidate / "openapi.yaml").is_file():
            return candidate
    raise FileNotFoundError("schemas/openapi.yaml not found next to the harness package")


@functools.cache
def schema_files() -> dict[str, dict[str, Any]]:
    """Every JSON Schema file by file name (``order-place.request.json``)."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(schemas_dir().glob("*.json"))
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, as written (file references not inlined)."""
    text = (schemas_dir() / "openapi.yaml").read_text(encoding="utf-8")
    # libyaml where PyYAML has it: the pure-Python loader takes ~20 ms (6x libyaml's) of the
    # start of every process that reads a contract; a test checks both read it alike.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def registry() -> Registry:
    """One registry holding every schema file under its absolute ``$id``: the Python
    validators' (``referencing`` is imported here, as ``jsonschema`` is, on that path only:
    ~25 ms of every start otherwise)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schema_files().values()
    ]
    return Registry().with_resources(resources).crawl()


def python_validator_class() -> type[Draft202012Validator]:
    """``jsonschema.Draft202012Validator``, imported on first need.

    Without rfc3987-syntax: where it is installed (JupyterLab's jupyter-events brings it,
    through ``jsonschema[format-nongpl]``) jsonschema imports it for the ``iri`` formats,
    and it builds an Earley grammar on import, ~1.4 s in every process that reports a
    violation. No contract uses an ``iri`` format; jsonschema then checks what it checks
    where only the harness is installed (``uri``, ``email``, ``uuid``...)."""
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import fails
        try:
            import jsonschema  # noqa: F401
        finally:
            del sys.modules["rfc3987_syntax"]
    from jsonschema import Draft202012Validator

    return Draft202012Validator


@functools.cache
def validator(uri: str) -> Draft202012Validator:
    """The (Python) validator for a schema URI (``$id``, optionally with a ``#`` fragment):
    the one whose errors become violations."""
    python = python_validator_class()
    return python(
        {"$ref": uri},
        registry=registry(),
        format_checker=python.FORMAT_CHECKER,
    )


@functools.cache
def _inline_validator(key: str) -> Draft202012Validator:
    python = python_validator_class()
    return python(json.loads(key), registry=registry(), format_checker=python.FORMAT_CHECKER)


def inline_key(schema: dict[str, Any]) -> str:
    """The text an inline schema's validators are cached by."""
    return json.dumps(schema, sort_keys=True)


def validate_inline(
    schema: dict[str, Any], instance: Any, *, key: str | None = None
) -> list[Violation]:
    """Violations of ``instance`` against a small inline schema (an OpenAPI parameter's).
    ``key``: the schema's ``inline_key``, when the caller keeps it."""
    key = inline_key(schema) if key is None else key
    if _is_valid(_fast_inline_validator(key), instance):
        return []
    check = _inline_validator(key)
    return [Violation(join("", *e.absolute_path), _message(e)) for e in check.iter_errors(instance)]


# -- the fast verdict ---------------------------------------------------------------------


#: A UUID as the contracts' ids spell it: passes ``_is_uuid`` (checked in a fraction of
#: the time: an order holds ~20 ids).
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _is_uuid(value: str) -> bool:
    # jsonschema's own "uuid" rule: parses, and hyphens where the canonical form has them.
    if _CANONICAL_UUID.fullmatch(value):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return all(value[position] == "-" for position in (8, 13, 18, 23))


def _is_uri(value: str) -> bool:
    # jsonschema's "uri" rule without rfc3987 (format-nongpl): rfc3986-validator.
    from rfc3986_validator import validate_rfc3986

    return bool(validate_rfc3986(value, rule="URI"))


#: The formats the contracts use, checked exactly as ``jsonschema``'s FORMAT_CHECKER does
#: (tests/contracts/test_schemas.py holds the two to the same verdicts).
_FORMATS = {"email": lambda value: "@" in value, "uuid": _is_uuid, "uri": _is_uri}


@functools.cache
def _fast_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(
        [(schema["$id"], schema) for schema in schema_files().values()],
        draft=jsonschema_rs.Draft202012,
    )


def _fast(schema: Any) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(
        schema, registry=_fast_registry(), formats=_FORMATS, validate_formats=True
    )


@functools.cache
def fast_validator(uri: str) -> jsonschema_rs.Draft202012Validator:
    """The ``jsonschema_rs`` validator for a schema URI: the quick yes or no."""
    return _fast({"$ref": uri})


@functools.cache
def _fast_inline_validator(key: str) -> jsonschema_rs.Draft202012Validator:
    return _fast(json.loads(key))


def _is_valid(check: jsonschema_rs.Draft202012Validator, instance: Any) -> bool:
    """The fast verdict. A value jsonschema-rs refuses to take (it raises ``ValueError``
    for a type JSON has not, such as bytes or a non-string key) goes the slow way, said in
    the log; any other failure of jsonschema-rs is a bug to see, not a verdict."""
    try:
        return bool(check.is_valid(instance))
    except (ValueError, TypeError, OverflowError) as exc:
        log.debug("jsonschema-rs could not take the value (%s): the Python validator judges", exc)
        return False


def schema_uri(name: str) -> str:
    """The ``$id`` of a schema file given by name (``error.json``)."""
    return BASE_URI + name


def validate(uri: str, instance: Any, *, where: str = "body") -> list[Violation]:
    """Every violation of ``instance`` against the schema at ``uri``, most specific first."""
    if _is_valid(fast_validator(uri), instance):
        return []
    return [
        violation
        for error in validator(uri).iter_errors(instance)
        for violation in _violations(error, uri, where)
    ]


def _violations(error: ValidationError, uri: str, where: str) -> Iterator[Violation]:
    from jsonschema.exceptions import best_match

    # oneOf/anyOf report one umbrella error: descend to the branch that fits best.
    while error.context:
        error = best_match(error.context)
    location = _schema_location(uri, error)
    pointer = join("", *error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - allowed):
            yield Violation(
                join(pointer, name),
                f"unexpected field '{name}'",
                schema_location=location,
                where=where,  # type: ignore[arg-type]
            )
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        yield Violation(
            join(pointer, missing),
            f"missing required field '{missing}'",
            schema_location=location,
            where=where,  # type: ignore[arg-type]
        )
        return
    yield Violation(
        pointer,
        _message(error),
        schema_location=location,
        where=where,  # type: ignore[arg-type]
    )


def _message(error: ValidationError) -> str:
    """A one-line message a person understands."""
    keyword, value, instance = error.validator, error.validator_value, error.instance
    shown = _show(instance)
    hint = error.schema.get("description") if isinstance(error.schema, dict) else None
    if keyword == "enum":
        text = f"must be one of {', '.join(map(_show, value))}, got {shown}"
    elif keyword == "const":
        text = f"must be {_show(value)}, got {shown}"
    elif keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        text = f"must be {' or '.join(kinds)}, got {_json_type(instance)} {shown}"
    elif keyword == "format":
        text = f"{shown} is not a valid {value}"
    elif keyword == "pattern":
        text = f"{shown} does not have the expected form (pattern {value})"
    elif keyword == "minItems":
        text = f"must have at least {value} item{'s' if value != 1 else ''}"
    elif keyword == "minLength":
        text = "must not be empty" if value == 1 else f"must be at least {value} characters"
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        text = f"{shown} is out of range ({keyword} {value})"
    elif keyword == "not" and value == {}:
        name = error.relative_path[-1] if error.relative_path else "this value"
        text = f"field '{name}' is not allowed here"
    else:
        text = error.message
    if hint and keyword in ("type", "const", "not"):
        text = f"{text}: {hint}"
    return text


def _schema_location(uri: str, error: ValidationError) -> str:
    """Where in which file the failing keyword is, following ``$ref`` hops. The path is
    the absolute one: an error inside anyOf/oneOf (``_violations`` descends into them)
    has a schema path relative to its branch."""
    resolver = registry().resolver()
    current, _, fragment = uri.partition("#")
    pointer = [p for p in fragment.split("/") if p]
    node: Any = resolver.lookup(uri).contents
    for part in error.absolute_schema_path:
        while isinstance(node, dict) and part not in node and "$ref" in node:
            target = urljoin(current + "#/" + "/".join(map(str, pointer)), node["$ref"])
            current, _, fragment = target.partition("#")
            pointer = [p for p in fragment.split("/") if p]
            node = resolver.lookup(target).contents
        if isinstance(node, dict) or (isinstance(node, list) and isinstance(part, int)):
            node = node[part]
        pointer.append(escape(part))
    return f"{current.removeprefix(BASE_URI)}#/{'/'.join(pointer)}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
