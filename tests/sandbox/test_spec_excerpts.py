"""The committed vendor spec excerpts (tests/sandbox/specs/): complete for the sandbox and the tests, and fresh.

Coverage is checked everywhere. Freshness (the excerpts are exactly what scripts/derive_specs.py writes
from the vendor material, and they answer like the full documents) needs the vendor material, which a
clone does not have: those tests run only when a maintainer points MSP_PSA_VENDOR_SPECS at it (the folder
scripts/derive_specs.py reads), and skip otherwise, so no build or test run reads anything outside the clone.
"""
import ast
import importlib.util
import json
import os
import re

import pytest

from psa_sandbox.autotask.entities import ENTITIES, spec_routes

from .specs import AUTOTASK_EXCERPT, CONNECTWISE_EXCERPT, SPECS, AutotaskSpec, ConnectWiseSpec, load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "derive_specs.py")
CONFORMANCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_conformance.py")
VENDOR = os.environ.get("MSP_PSA_VENDOR_SPECS", "")  # freshness checks only, opt-in for maintainers
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")

needs_vendor = pytest.mark.skipif(
    not (VENDOR and os.path.isdir(os.path.join(VENDOR, "autotask"))),
    reason="set MSP_PSA_VENDOR_SPECS to the vendor spec folder to check the excerpts' freshness (maintainers, "
           "with scripts/derive_specs.py); a clone does not have that material")


def derive_specs():
    spec = importlib.util.spec_from_file_location("derive_specs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def conformance_models():
    """(Autotask, ConnectWise) model names test_conformance.py names as string literals."""
    at, cw = set(), set()
    for node in ast.walk(ast.parse(open(CONFORMANCE, encoding="utf-8").read())):
        if not isinstance(node, ast.Call):
            continue
        literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        func = node.func
        if isinstance(func, ast.Name) and func.id == "validate_at":
            at.update(literals)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == "at_spec" and func.attr in ("schema", "properties"):
                at.update(literals)
            elif func.value.id == "cw_spec" and func.attr == "schema":
                cw.update(literals)
    return at, cw


def refs(node):
    return set(re.findall(r'"\$ref": "#/(?:definitions|components/schemas)/([^"]+)"', json.dumps(node)))


@pytest.fixture(scope="module")
def at_doc():
    return load(AUTOTASK_EXCERPT)


@pytest.fixture(scope="module")
def cw_doc():
    return load(CONNECTWISE_EXCERPT)


# -- Everywhere -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [AUTOTASK_EXCERPT, CONNECTWISE_EXCERPT])
def test_excerpts_name_their_sources_and_the_script(path):
    header = load(path)["x-excerpt"]
    sources = header.get("sources") or [header["source"]]
    assert header["script"] == "scripts/derive_specs.py" and os.path.isfile(os.path.join(ROOT, header["script"]))
    for source in sources:
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"]) and source["bytes"] > 0 and source["file"]
    for note in ("autotask/LICENSE", "autotask/SOURCES.md", "connectwise/README.md", "README.md"):
        assert os.path.isfile(os.path.join(SPECS, note)), "the provenance notes travel with the excerpts"


def test_autotask_excerpt_covers_every_route_the_sandbox_serves(at_doc):
    spec = AutotaskSpec(at_doc)
    routes = spec_routes()
    assert routes
    not_considered = sorted("%s %s" % r for r in routes if r[1].lower() not in spec.considered)
    assert not_considered == [], "rerun scripts/derive_specs.py with the vendor material"
    assert sorted("%s %s" % r for r in routes if not spec.has_route(*r)) == []


def test_autotask_excerpt_covers_each_entity_create_update_delete_surface(at_doc):
    """Where the sandbox answers 405, the excerpt must say the vendor has no such verb, not be silent."""
    spec = AutotaskSpec(at_doc)
    for entity in ENTITIES.values():
        base = "/V1.0/" + entity.path
        for path in (base, base + "/{id}"):
            assert path.lower() in spec.considered, path
            spec.has_route("POST", path)  # raises when the path was not considered
    with pytest.raises(KeyError):
        spec.has_route("GET", "/V1.0/NotAnEntityTheSandboxServes")


def test_autotask_excerpt_has_every_model_the_tests_use(at_doc):
    at_models, _ = conformance_models()
    assert "FieldInformationResultModel" in at_models  # the parser still finds the literals
    wanted = at_models | {e.model for e in ENTITIES.values()}
    assert sorted(wanted - set(at_doc["definitions"])) == []
    dangling = sorted(refs({"paths": at_doc["paths"], "definitions": at_doc["definitions"]})
                      - set(at_doc["definitions"]))
    assert dangling == [], "every $ref resolves inside the excerpt"


def test_connectwise_excerpt_has_every_model_the_tests_use(cw_doc):
    _, cw_models = conformance_models()
    assert "ApiMember" in cw_models
    known = set(cw_doc["verbatim"]["schemas"]) | set(cw_doc["derived"]["schemas"])
    assert sorted(cw_models - known) == []
    unresolved = set(cw_doc["x-excerpt"]["unresolved_in_sources"])  # e.g. BoardReference: in no source
    assert sorted(refs(cw_doc["verbatim"]) - known - unresolved) == [], "every $ref resolves inside the excerpt"
    spec = ConnectWiseSpec(cw_doc)
    for name in cw_models:
        assert spec.schema(name).get("properties"), name


# -- Only with the vendor material ------------------------------------------------------------------
@pytest.fixture(scope="module")
def vendor():
    module = derive_specs()
    at_full = json.loads(module.read(VENDOR, module.AUTOTASK_SOURCE))
    verbatim = {}
    for rel in module.CONNECTWISE_VERBATIM:
        verbatim.update(module.parse_fragment(module.read(VENDOR, rel)))
    derived = json.loads(module.read(VENDOR, module.CONNECTWISE_DERIVED))
    return module, at_full, {"verbatim": {"schemas": verbatim}, "derived": derived}


@needs_vendor
def test_excerpts_are_what_the_script_writes(vendor):
    module = vendor[0]
    stale, extra = module.compare(module.derive(VENDOR), SPECS)
    assert (stale, extra) == ([], []), "run: .venv/bin/python scripts/derive_specs.py $MSP_PSA_VENDOR_SPECS"


@needs_vendor
def test_autotask_excerpt_answers_like_the_full_swagger(vendor, at_doc):
    _, full_doc, _ = vendor
    excerpt, full = AutotaskSpec(at_doc), AutotaskSpec(full_doc)
    for path in at_doc["x-excerpt"]["paths_considered"]:
        for verb in VERBS:
            assert excerpt.has_route(verb, path) == full.has_route(verb, path), (verb, path)
    at_models, _ = conformance_models()
    for model in at_models | {e.model for e in ENTITIES.values()}:
        assert excerpt.schema(model) == full.schema(model), model
        assert excerpt.properties(model) == full.properties(model), model


@needs_vendor
def test_connectwise_excerpt_answers_like_the_full_schemas(vendor, cw_doc):
    _, _, full_doc = vendor
    excerpt, full = ConnectWiseSpec(cw_doc), ConnectWiseSpec(full_doc)
    _, cw_models = conformance_models()
    for model in cw_models:
        assert excerpt.schema(model) == full.schema(model), model
