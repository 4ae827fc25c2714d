"""Turn the vendor spec excerpts in tests/sandbox/specs/ into JSON Schemas the sandbox's answers must meet.

The excerpts are committed, derived from the full vendor material by ``scripts/derive_specs.py``
(see ``specs/README.md``); nothing here reads anything outside the repository. Both classes also
accept an already loaded document, which is how ``test_spec_excerpts.py`` compares an excerpt with
its full source when that is at hand.

Autotask: Swagger 2.0 definitions (PascalCase in the 2020 file, camelCase on the wire), so property
names are compared case-insensitively by lower-casing both schema and instance. Definitions with no
properties (``Object``, ``RestUserAccessLevel``: enums and untyped values in the vendor's generator)
accept any value. Every object schema forbids properties the spec does not name.

ConnectWise: the verbatim 2025.8 excerpts (ApiMember, SecurityRole*) and, for the rest, the schemas
derived from the generated 2025.1 Go client (``goType``). Enums: the verbatim ``enum`` lists, and in the
derived schemas the code lists the generator kept in a property's description (``licenseClass``: "F = Full
Member, A = API Member, C = StreamlineIT Member, X = Subcontractor Member").
"""
import functools
import json
import os
import re

SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "specs")
AUTOTASK_EXCERPT = os.path.join(SPECS, "autotask", "v1.excerpt.json")
CONNECTWISE_EXCERPT = os.path.join(SPECS, "connectwise", "schemas.excerpt.json")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def lower_keys(value):
    if isinstance(value, dict):
        return {k.lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


class AutotaskSpec:
    def __init__(self, doc=None):
        self.doc = load(AUTOTASK_EXCERPT) if doc is None else doc
        self.paths = {p.lower(): {m.upper() for m in ops} for p, ops in self.doc["paths"].items()}
        self.defs = self.doc["definitions"]
        considered = self.doc.get("x-excerpt", {}).get("paths_considered")
        self.considered = None if considered is None else {p.lower() for p in considered}

    def has_route(self, method, path):
        if self.considered is not None and path.lower() not in self.considered:
            # An excerpt only knows the paths it was cut for: "absent" would be a guess.
            raise KeyError("%s is not in the Autotask excerpt: add it in scripts/derive_specs.py" % path)
        return method in self.paths.get(path.lower(), set())

    def properties(self, definition):
        return {k.lower(): v for k, v in self.defs[definition].get("properties", {}).items()}

    @functools.lru_cache(maxsize=None)
    def schema(self, definition):
        return self._object(self.defs[definition])

    def _object(self, node):
        props = node.get("properties") or {}
        if not props:
            return {}
        return {"type": ["object", "null"], "additionalProperties": False,
                "properties": {k.lower(): self._prop(v) for k, v in props.items()}}

    def _prop(self, node):
        if "$ref" in node:
            return self._object(self.defs[node["$ref"].split("/")[-1]])
        kind = node.get("type")
        if kind == "array":
            return {"type": ["array", "null"], "items": self._prop(node.get("items", {}))}
        if kind == "object":
            return self._object(node)
        if kind in ("integer", "number", "string", "boolean"):
            return {"type": [kind, "null"]}
        return {}


CODE_LIST = re.compile(r"(?:^|, )(\w+) = ")
CODE_LIST_TEXT = re.compile(r"^\w+ = [^,]+(, \w+ = [^,]+)+$")
GO_SCALARS = {"string": "string", "int32": "integer", "int64": "integer", "float64": "number",
              "float32": "number", "bool": "boolean", "time.Time": "string", "Bool": "boolean",
              "String": "string", "Int32": "integer", "Float64": "number", "Time": "string"}


class ConnectWiseSpec:
    def __init__(self, doc=None):
        doc = load(CONNECTWISE_EXCERPT) if doc is None else doc
        self.verbatim = doc["verbatim"]["schemas"]
        self.derived = doc["derived"]["schemas"]

    @functools.lru_cache(maxsize=None)
    def schema(self, name):
        if name in self.verbatim:
            return self._openapi(self.verbatim[name])
        if name in self.derived:
            return self._derived(name)
        return {}  # a reference type present in neither excerpt (e.g. BoardReference): unchecked

    def _openapi(self, node):
        if "$ref" in node:
            return self.schema(node["$ref"].split("/")[-1])
        kind = node.get("type")
        if kind == "object" and "properties" in node:
            return {"type": ["object", "null"], "additionalProperties": False,
                    "properties": {k: self._openapi(v) for k, v in node["properties"].items()}}
        if kind == "object":
            return {"type": ["object", "null"]}
        if kind == "array":
            return {"type": ["array", "null"], "items": self._openapi(node.get("items", {}))}
        if node.get("enum"):
            return {"enum": node["enum"] + [None]}
        return {"type": [kind, "null"]} if kind else {}

    def _derived(self, name):
        node = self.derived[name]
        return {"type": ["object", "null"], "additionalProperties": False,
                "properties": {k: self._derived_prop(v) for k, v in node["properties"].items()}}

    def _derived_prop(self, prop):
        codes = CODE_LIST.findall(prop.get("description", ""))
        if len(codes) > 1 and CODE_LIST_TEXT.match(prop["description"]):
            return {"enum": codes + [None]}
        return self._go(prop["goType"])

    def _go(self, go_type):
        t = go_type.lstrip("*")
        if t.startswith("[]"):
            return {"type": ["array", "null"], "items": self._go(t[2:])}
        if t.startswith("map["):
            return {"type": ["object", "null"]}
        t = re.sub(r"^Nullable", "", t)
        if t in GO_SCALARS:
            return {"type": [GO_SCALARS[t], "null"]}
        if t in self.derived or t in self.verbatim:
            return self.schema(t)
        return {}
