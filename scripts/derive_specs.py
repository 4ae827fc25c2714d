#!/usr/bin/env python3
"""Derive the vendor spec excerpts in tests/sandbox/specs/ from the full vendor spec material.

    .venv/bin/python scripts/derive_specs.py ../shared/specs           # (re)write the excerpts
    .venv/bin/python scripts/derive_specs.py ../shared/specs --check   # exit 1 when they are stale

Only a maintainer refreshing the excerpts runs this, with the vendor material at hand; the build and
the tests read the committed excerpts and never the vendor folder. SOURCE is the folder that holds
``autotask/`` and ``connectwise/`` (the default, ``../shared/specs`` next to the checkout, is only a
convenience for this refresh).

What is kept:

* Autotask (``autotask/v1.json``, Swagger 2.0): the path items of every path the sandbox serves
  (``psa_sandbox.autotask.entities.spec_routes()``) plus the create/update/delete surface of every
  entity it serves (``/V1.0/<Entity>``, ``/V1.0/<Entity>/{id}`` and the child collection paths),
  where the sandbox answers 405 like the real API. Path items keep all their verbs, so a missing
  verb means "the vendor has none". Operations keep ``operationId``, ``parameters`` and
  ``responses``; the four authentication header parameters every operation repeats are stored
  once in the header, and ``tags``/``consumes``/``produces`` are dropped. Definitions: every one
  those operations, the sandbox's entity models and ``AUTOTASK_MODELS`` reference, transitively,
  verbatim.
* ConnectWise: the verbatim 2025.8 ``components.schemas`` excerpts and the schemas derived from the
  2025.1 Go client, each trimmed to ``CONNECTWISE_MODELS`` and what they reference, transitively
  (resolved like ``tests/sandbox/specs.py`` does: verbatim first, then derived).
* The provenance notes of each vendor folder (LICENSE, SOURCES.md, README.md), byte for byte.
* ``psa_sandbox/autotask/models.py``: the field list (wire name -> type) of every Autotask entity model the
  sandbox serves, GENERATED from the committed Autotask excerpt. ``--models`` rewrites only this module, from
  the committed excerpt (no vendor material needed); ``tests/sandbox/test_spec_shaped_data.py`` checks it is
  exactly what this script makes of the excerpt.

Every excerpt carries an ``x-excerpt`` header naming its source files, their sha256 and this
script. Output is deterministic (sorted keys, one-space indent, trailing newline).
``tests/sandbox/test_spec_excerpts.py`` checks the excerpts cover the sandbox and, when the vendor
folder is present, that they are exactly what this script writes.
"""
import argparse
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOURCE = os.path.join(os.path.dirname(ROOT), "shared", "specs")
OUT = os.path.join(ROOT, "tests", "sandbox", "specs")
SCRIPT = "scripts/derive_specs.py"

AUTOTASK_SOURCE = "autotask/v1.json"
AUTOTASK_EXCERPT = "autotask/v1.excerpt.json"
# Models tests/sandbox/test_conformance.py validates against besides the entity models.
AUTOTASK_MODELS = ("ApiVersionResultModel", "EntityInformationResultModel", "FieldInformationResultModel",
                   "OperationResultModel", "QueryCountResultModel", "ThresholdStatusResultModel",
                   "ZoneInformationResultModel")
AUTOTASK_COMMON_HEADERS = ("ApiIntegrationCode", "UserName", "Secret", "ImpersonationResourceId")
AUTOTASK_OPERATION_KEYS = ("operationId", "parameters", "responses")

CONNECTWISE_VERBATIM = ("connectwise/cw-api.2025.8.ApiMember.schema.json",
                        "connectwise/cw-api.2025.8.SecurityRole.schemas.json")
CONNECTWISE_DERIVED = "connectwise/schemas-2025.1-derived-from-ai-connor-go-client.json"
CONNECTWISE_EXCERPT = "connectwise/schemas.excerpt.json"
# Models tests/sandbox/test_conformance.py validates against.
CONNECTWISE_MODELS = ("ApiMember", "Count", "ErrorResponseMessage", "Info", "Member", "MySecurity",
                      "MySecurityCustomizeItem", "SecurityRole", "SecurityRoleSetting", "Token",
                      "ValidationError")

NOTES = ("autotask/LICENSE", "autotask/SOURCES.md", "connectwise/README.md")
MODELS_MODULE = os.path.join(ROOT, "psa_sandbox", "autotask", "models.py")
# Swagger (type, format) -> the sandbox's field type (entityInformation/fields dataType)
SWAGGER_TO_SANDBOX = {("integer", "int32"): "integer", ("integer", "int64"): "long", ("number", "double"): "double",
                      ("boolean", None): "boolean", ("string", "date-time"): "datetime", ("string", None): "string"}
MODELS_HEADER = '''"""The field lists of the Autotask entity models the sandbox serves: GENERATED, do not edit.

Written by ``scripts/derive_specs.py`` from the committed vendor Swagger excerpt
(``tests/sandbox/specs/autotask/v1.excerpt.json``); regenerate after the excerpt or the served entities change:

    .venv/bin/python scripts/derive_specs.py --models

Wire names are camelCase (``RMMAlertID`` -> ``rmmAlertID``), types are the entityInformation/fields dataType.
``UserDefinedFields`` (an array) and the SOAP parent expressions (``SoapParentPropertyId``) are not fields of
the wire records and are left out. Read-only, required, length and picklist metadata: ``entities.py``.
"""

MODEL_FIELDS = {
'''

README = """\
# Vendor spec excerpts (generated: do not edit)

Written by `%(script)s` from the vendor spec material (the project's reference folder
`shared/specs/`, which is not part of this repository). The tests read these files only.

| File | Source | Kept |
|---|---|---|
| `%(at)s` | `%(at_src)s` (Swagger 2.0, %(at_bytes)s bytes) | %(at_paths)d path items, %(at_ops)d operations, %(at_defs)d definitions |
| `%(cw)s` | %(cw_src)s | %(cw_verbatim)d verbatim + %(cw_derived)d derived schemas |
| %(notes)s | the vendor folders | byte for byte: where the material comes from and its licence |

`SOURCES.md` and `README.md` are the vendor folders' own provenance notes: they describe the full
source files the excerpts are cut from. The excerpts are test fixtures; they are not shipped in the
collection artifact (`galaxy.yml` `build_ignore: tests/sandbox`).

Refresh, with the vendor material at hand:

    .venv/bin/python %(script)s ../shared/specs           # rewrite
    .venv/bin/python %(script)s ../shared/specs --check   # exit 1 when stale

`tests/sandbox/test_spec_excerpts.py` checks that these files cover every route the sandbox serves
and every model the conformance tests use, and (only when `../shared/specs` exists) that they are
exactly what the script writes.
"""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def dump(value):
    return (json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def read(source, rel):
    with open(os.path.join(source, rel), "rb") as handle:
        return handle.read()


def source_info(rel, data):
    return {"file": rel, "sha256": sha256(data), "bytes": len(data)}


def refs(node, out):
    """Collect the definition names of every ``$ref`` under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.add(value.rsplit("/", 1)[-1])
            else:
                refs(value, out)
    elif isinstance(node, list):
        for value in node:
            refs(value, out)
    return out


# -- Autotask ---------------------------------------------------------------------------------------
def autotask_surface():
    """The swagger paths the excerpt must describe: served routes plus each entity's CRUD surface."""
    sys.path.insert(0, ROOT)
    from psa_sandbox.autotask.entities import ENTITIES, spec_routes
    paths = {path for _, path in spec_routes()}
    for entity in ENTITIES.values():
        base = "/V1.0/" + entity.path
        paths |= {base, base + "/{id}"}
        if entity.parent:
            child = "/V1.0/%s/{parentId}/%s" % (entity.parent, entity.child_path)
            paths |= {child, child + "/{id}"}
    models = {e.model for e in ENTITIES.values()}
    return sorted(paths), models


def trim_operation(op, common):
    kept = {k: op[k] for k in AUTOTASK_OPERATION_KEYS if k in op}
    if "parameters" in kept:
        kept["parameters"] = [p for p in op["parameters"]
                              if not (p.get("in") == "header" and common.get(p.get("name")) == p)]
    return kept


def autotask_excerpt(source):
    data = read(source, AUTOTASK_SOURCE)
    doc = json.loads(data)
    considered, models = autotask_surface()
    by_lower = {p.lower(): p for p in doc["paths"]}
    common = {}
    for item in doc["paths"].values():  # the vendor's own definition of the repeated headers
        for op in item.values():
            for p in op.get("parameters", []):
                if p.get("in") == "header" and p.get("name") in AUTOTASK_COMMON_HEADERS:
                    common.setdefault(p["name"], p)
    paths = {}
    for path in considered:
        vendor = by_lower.get(path.lower())
        if vendor is not None:
            paths[vendor] = {verb: trim_operation(op, common) for verb, op in doc["paths"][vendor].items()}
    todo = refs(paths, set()) | models | set(AUTOTASK_MODELS)
    definitions = {}
    while todo:
        name = todo.pop()
        if name in definitions:
            continue
        definitions[name] = doc["definitions"][name]
        todo |= refs(definitions[name], set()) - set(definitions)
    excerpt = {k: doc[k] for k in ("swagger", "info", "host", "basePath", "schemes") if k in doc}
    excerpt.update({
        "paths": paths,
        "definitions": definitions,
        "x-excerpt": {
            "source": source_info(AUTOTASK_SOURCE, data),
            "script": SCRIPT,
            "provenance": "SOURCES.md and LICENSE next to this file (copied from the source folder)",
            "paths_considered": considered,
            "paths_considered_note": "every path the sandbox serves or answers 405 on; a considered path "
                                     "missing from 'paths' is absent from the source",
            "common_header_parameters": [common[n] for n in AUTOTASK_COMMON_HEADERS if n in common],
            "trimmed": "operations keep %s; the common header parameters (above) are removed from each "
                       "operation's parameters; definitions are verbatim, the transitive closure of the "
                       "operations' $refs, the sandbox's entity models and %s"
                       % ("/".join(AUTOTASK_OPERATION_KEYS), ", ".join(AUTOTASK_MODELS)),
        },
    })
    return excerpt


def wire_name(name):
    """The camelCase the wire uses for a Swagger (PascalCase) property name: ``RMMAlertID`` -> ``rmmAlertID``."""
    if name == "Id":
        return "id"
    m = re.match(r"^([A-Z]+)(?=[A-Z][a-z]|$)", name)
    head = m.group(1) if m and len(m.group(1)) > 1 else name[0]
    return head.lower() + name[len(head):]


def autotask_model_fields(excerpt):
    """{model: {wire name: type}} for the model of every entity the sandbox serves, in the excerpt's order."""
    _, models = autotask_surface()
    out = {}
    for model in sorted(models):
        fields = {}
        for name, prop in excerpt["definitions"][model]["properties"].items():
            kind = SWAGGER_TO_SANDBOX.get((prop.get("type"), prop.get("format")))
            if kind is not None:
                fields[wire_name(name)] = kind
        out[model] = fields
    return out


def render_models(fields_by_model):
    lines = [MODELS_HEADER.rstrip("\n")]
    for model, fields in fields_by_model.items():
        lines.append("    %r: {" % model)
        lines += ["        %r: %r," % (k, v) for k, v in fields.items()]
        lines.append("    },")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def models_module(excerpt_bytes):
    return render_models(autotask_model_fields(json.loads(excerpt_bytes)))


# -- ConnectWise ------------------------------------------------------------------------------------
def parse_fragment(data):
    """The verbatim excerpts are `"Name": {...},` members cut from components.schemas."""
    return json.loads("{" + data.decode("utf-8").strip().rstrip(",") + "}")


def go_type_name(go_type):
    t = go_type.lstrip("*")
    while t.startswith("[]"):
        t = t[2:].lstrip("*")
    if t.startswith("map["):
        return None
    return re.sub(r"^Nullable", "", t)


def connectwise_excerpt(source):
    raw = {rel: read(source, rel) for rel in CONNECTWISE_VERBATIM + (CONNECTWISE_DERIVED,)}
    verbatim = {}
    for rel in CONNECTWISE_VERBATIM:
        verbatim.update(parse_fragment(raw[rel]))
    derived_doc = json.loads(raw[CONNECTWISE_DERIVED])
    derived = derived_doc["schemas"]
    keep_verbatim, keep_derived, missing, todo = {}, {}, set(), set(CONNECTWISE_MODELS)
    while todo:
        name = todo.pop()
        if name in keep_verbatim or name in keep_derived or name in missing:
            continue
        if name not in verbatim and name not in derived:
            missing.add(name)  # referenced, but in neither source (the tests leave it unchecked)
        elif name in verbatim:  # resolved verbatim first, as tests/sandbox/specs.py does
            keep_verbatim[name] = verbatim[name]
            todo |= refs(verbatim[name], set())
        elif name in derived:
            keep_derived[name] = derived[name]
            for prop in derived[name].get("properties", {}).values():
                t = go_type_name(prop.get("goType", ""))
                if t and (t in verbatim or t in derived):
                    todo.add(t)
    return {
        "verbatim": {"note": "cw-api.json 2025.8 components.schemas, verbatim (see README.md)",
                     "schemas": keep_verbatim},
        "derived": {"note": derived_doc.get("source", ""), "schemas": keep_derived},
        "x-excerpt": {
            "sources": [source_info(rel, raw[rel]) for rel in sorted(raw)],
            "script": SCRIPT,
            "provenance": "README.md next to this file (copied from the source folder)",
            "models": list(CONNECTWISE_MODELS),
            "unresolved_in_sources": sorted(missing),
            "trimmed": "the schemas the models reference, transitively (verbatim first, then derived); "
                       "schemas kept are verbatim copies of the source entries",
        },
    }


# -- Output -----------------------------------------------------------------------------------------
def derive(source):
    """{path relative to tests/sandbox/specs: bytes} for every file the excerpts consist of."""
    at = autotask_excerpt(source)
    cw = connectwise_excerpt(source)
    files = {AUTOTASK_EXCERPT: dump(at), CONNECTWISE_EXCERPT: dump(cw)}
    for rel in NOTES:
        files[rel] = read(source, rel)
    ops = sum(len(item) for item in at["paths"].values())
    files["README.md"] = (README % {
        "script": SCRIPT, "at": AUTOTASK_EXCERPT, "at_src": AUTOTASK_SOURCE,
        "at_bytes": "{:,}".format(at["x-excerpt"]["source"]["bytes"]), "at_paths": len(at["paths"]),
        "at_ops": ops, "at_defs": len(at["definitions"]), "cw": CONNECTWISE_EXCERPT,
        "cw_src": ", ".join("`%s`" % s["file"] for s in cw["x-excerpt"]["sources"]),
        "cw_verbatim": len(cw["verbatim"]["schemas"]), "cw_derived": len(cw["derived"]["schemas"]),
        "notes": ", ".join("`%s`" % n for n in NOTES),
    }).encode("utf-8")
    return files


def compare(files, out):
    """Relative paths that differ from (or are missing in) out, plus files in out the script does not write."""
    stale = [rel for rel, data in sorted(files.items())
             if not os.path.isfile(os.path.join(out, rel)) or read(out, rel) != data]
    extra = []
    for folder, _, names in os.walk(out):
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), out).replace(os.sep, "/")
            if rel not in files:
                extra.append(rel)
    return stale, sorted(extra)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=DEFAULT_SOURCE,
                        help="the vendor spec folder holding autotask/ and connectwise/ (default: %(default)s)")
    parser.add_argument("--out", default=OUT, help="where the excerpts go (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the excerpts are stale")
    parser.add_argument("--models", action="store_true",
                        help="only rewrite psa_sandbox/autotask/models.py from the committed Autotask excerpt")
    args = parser.parse_args(argv)
    if args.models:
        data = models_module(read(args.out, AUTOTASK_EXCERPT))
        with open(MODELS_MODULE, "wb") as handle:
            handle.write(data)
        print("wrote %s" % os.path.relpath(MODELS_MODULE, ROOT))
        return 0
    if not os.path.isdir(os.path.join(args.source, "autotask")):
        parser.error("no vendor spec material at %s (pass the folder holding autotask/ and connectwise/)"
                     % args.source)
    files = derive(args.source)
    stale, extra = compare(files, args.out)
    models = models_module(files[AUTOTASK_EXCERPT])
    models_stale = not os.path.isfile(MODELS_MODULE) or read(ROOT, MODELS_MODULE) != models
    if args.check:
        for rel in stale + ([os.path.relpath(MODELS_MODULE, ROOT)] if models_stale else []):
            print("stale: %s" % rel)
        for rel in extra:
            print("not written by the script: %s" % rel)
        return 1 if stale or extra or models_stale else 0
    for rel in stale:
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(files[rel])
        print("wrote %s" % os.path.relpath(path, ROOT))
    if models_stale:
        with open(MODELS_MODULE, "wb") as handle:
            handle.write(models)
        print("wrote %s" % os.path.relpath(MODELS_MODULE, ROOT))
    for rel in extra:
        print("warning: %s is not written by the script (remove it?)" % rel)
    for rel, data in sorted(files.items()):
        print("%8d  %s" % (len(data), rel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
