# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The schema of declarations, in one place: a vendor profile (one YAML file per vendor tool) and a
tenant's declaration (its inventory host vars: ``psa``, ``vendor_profiles``, ``profile_overrides``, ...).

:data:`SCHEMA` is a JSON Schema (draft-07), published as ``docs/declaration.schema.json`` (written by
``scripts/declaration_schema.py``; a unit test keeps the two equal) so editors and CI validate the same
files with the same rules. The collection validates with the ``jsonschema`` library and turns each
error into one line that names the place (tenant or profile and file, key path) and, for a mistyped
name, the nearest valid one (:mod:`difflib`). Every error is collected, not only the first.

What the schema cannot know statically (which vendor profiles exist, which ones a tenant declares) is
checked here in Python with the same message style. Values that only the PSA can judge (a security level
it does not have, a field longer than the PSA holds) are the engine's, at plan time."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import json

from ansible_collections.msp.psa.plugins.module_utils._tenant import TENANT_NAME_PATTERN, name_problem

try:
    from jsonschema import Draft7Validator
    JSONSCHEMA_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported when a declaration is validated
    Draft7Validator = None
    JSONSCHEMA_IMPORT_ERROR = exc

PSAS = ("autotask", "connectwise")
PSA_LABELS = {"autotask": "Autotask", "connectwise": "ConnectWise"}


def _opt(kind, description):
    """An optional setting: its type, or null (a null override leaves the field unmanaged)."""
    return {"type": [kind, "null"], "description": description}


_REGISTRATION = {
    "title": "registration",
    "description": "The vendor tool's own registration steps, handed to the admin (msp.psa.vendor_registration).",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ui_path": {"type": "string", "description": "Where in the vendor tool the credential is entered."},
        "steps": {"type": "array", "items": {"type": "string"},
                  "description": "The steps, with placeholders such as {username}, {secret_ref}, {zone}, {web_url}, "
                                 "{company_id}, {url}."},
    },
}

_LEVEL = {"enum": ["None", "My", "All"], "description": "None, My or All."}

_PERMISSION = {
    "title": "role permission",
    "description": "One module function of the ConnectWise security role the member needs (System > Security Roles).",
    "type": "object",
    "additionalProperties": False,
    "required": ["module", "function"],
    "properties": {
        "module": {"type": "string", "description": "Module as the UI shows it, for example Finance."},
        "function": {"type": "string", "description": "Module function, for example Agreements."},
        "add": _LEVEL, "edit": _LEVEL, "delete": _LEVEL, "inquire": _LEVEL,
        "custom_items": {"type": "array", "items": {"type": "string"},
                         "description": "Tables a customisable function (System > Table Setup) must allow."},
    },
}

# The settings of one API user that a tenant may override: exactly what the filters copy into the bulk
# modules' users and members (plugins/filter/declarations.py).
_AUTOTASK_USER = {
    "username": {"type": "string", "minLength": 1,
                 "description": "The API username before @; the tenant's autotask_domain is added."},
    "email_local": _opt("string", "The email address before @ (defaults to username); the tenant's "
                                  "autotask_email_domain is added."),
    "first_name": _opt("string", "First name."),
    "last_name": _opt("string", "Last name."),
    "security_level": _opt("string", "Security level by its label, for example 'API User (system)'."),
    "location": _opt("string", "Primary internal location, by name."),
    "internal_cost": _opt("number", "Internal cost (burden rate)."),
    "default_department": _opt("string", "Default department by name (with default_role)."),
    "default_role": _opt("string", "Default role by name (with default_department)."),
    "integration_vendor": _opt("string", "The Integration Vendor as the API tracking identifier drop-down shows it."),
    "custom_integration": _opt("boolean", "A Custom (Internal Integration) tracking identifier instead of a vendor."),
    "timesheets_not_required": _opt("boolean", "'Resource is not required to submit timesheets' in the creation steps."),
}
_CONNECTWISE_MEMBER = {
    "identifier": {"type": "string", "minLength": 1, "description": "The API member's Member ID."},
    "name": _opt("string", "Member name."),
    "email": _opt("string", "Email address."),
    "security_role": _opt("string", "Security role by name."),
    "default_department": _opt("string", "Default department by identifier or name."),
    "default_location": _opt("string", "Default location by name."),
    "security_location": _opt("string", "Security location by name."),
    "structure_level": {"type": ["string", "integer", "null"], "description": "Structure level by id or name."},
    "time_zone": {"type": ["string", "integer", "null"], "description": "Time zone by id or name."},
    "notes": _opt("string", "Notes on the member."),
}
# Read by the role from the profile itself (never from an override).
_AUTOTASK_PROFILE_ONLY = {"registration": {"$ref": "#/definitions/registration"}}
_CONNECTWISE_PROFILE_ONLY = {
    "key_description": _opt("string", "Description of the member's API key pair."),
    "role_permissions": {"type": ["array", "null"], "items": {"$ref": "#/definitions/role_permission"},
                         "description": "The security role's levels the vendor needs (created and compared)."},
    "registration": {"$ref": "#/definitions/registration"},
}


def _section(title, description, keys, required=None):
    out = {"title": title, "description": description, "type": "object", "additionalProperties": False,
           "properties": keys}
    if required:
        out["required"] = [required]
    return out


def _override(psa):
    return {"type": ["object", "null"], "additionalProperties": False,
            "properties": {"autotask": _AUTOTASK_USER, "connectwise": _CONNECTWISE_MEMBER}[psa]}


SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "msp.psa declarations",
    "description": "A vendor profile file (has autotask:, connectwise: or display_name:) or a tenant's declaration "
                   "(its inventory host vars). Generated from plugins/module_utils/_declaration.py by "
                   "scripts/declaration_schema.py; see docs/declarations.md.",
    "if": {"anyOf": [{"required": ["autotask"]}, {"required": ["connectwise"]}, {"required": ["display_name"]}]},
    "then": {"$ref": "#/definitions/vendor_profile"},
    "else": {"$ref": "#/definitions/tenant"},
    "definitions": {
        "vendor_profile": {
            "title": "vendor profile",
            "description": "One vendor tool's KB settings: roles/api_user/files/profiles/<name>.yml or a file in an "
                           "extra profiles directory; the file name is the profile name.",
            "type": "object",
            "additionalProperties": False,
            "anyOf": [{"required": ["autotask"]}, {"required": ["connectwise"]}],
            "properties": {
                "display_name": {"type": "string", "description": "The vendor tool's name in steps and reports."},
                "autotask": {"$ref": "#/definitions/autotask_profile"},
                "connectwise": {"$ref": "#/definitions/connectwise_profile"},
            },
        },
        "autotask_profile": _section("autotask", "The vendor's Autotask API user.",
                                     dict(_AUTOTASK_USER, **_AUTOTASK_PROFILE_ONLY), "username"),
        "connectwise_profile": _section("connectwise", "The vendor's ConnectWise API member.",
                                        dict(_CONNECTWISE_MEMBER, **_CONNECTWISE_PROFILE_ONLY), "identifier"),
        "registration": _REGISTRATION,
        "role_permission": _PERMISSION,
        "autotask_override": dict(_override("autotask"), title="autotask override",
                                  description="Settings of the profile's autotask: section that replace its "
                                              "defaults for this tenant."),
        "connectwise_override": dict(_override("connectwise"), title="connectwise override",
                                     description="Settings of the profile's connectwise: section that replace its "
                                                 "defaults for this tenant."),
        "tenant": {
            "title": "tenant",
            "description": "A tenant's declaration: the inventory host vars of one Autotask database or ConnectWise "
                           "company. Other host vars (connections, credentials) are allowed.",
            "type": "object",
            "required": ["vendor_profiles"],
            "properties": {
                "psa": {"enum": list(PSAS), "description": "The tenant's PSA."},
                "vendor_profiles": {
                    "type": ["array", "null"], "uniqueItems": True,
                    "items": {"type": "string", "pattern": TENANT_NAME_PATTERN},
                    "description": "The vendor profiles (integrations) the tenant has, by name."},
                "profile_overrides": {
                    "type": ["object", "null"],
                    "propertyNames": {"pattern": TENANT_NAME_PATTERN},
                    "additionalProperties": {"type": ["object", "null"]},
                    "description": "Per profile name (one of vendor_profiles), settings of the profile's section "
                                   "for the tenant's psa that replace the profile's defaults."},
                "autotask_domain": _opt("string", "The domain of the tenant's Autotask API usernames (required for "
                                                  "an Autotask tenant)."),
                "autotask_email_domain": _opt("string", "The domain of the API users' email addresses (defaults to "
                                                        "autotask_domain)."),
                "connectwise_company": _opt("string", "The ConnectWise company id."),
                "connectwise_site": _opt("string", "ConnectWise region (na, eu, au, za) or host."),
                "connectwise_own_identifier": _opt("string", "The collection's own API member (never an orphan)."),
                "connectwise_msp_company": _opt("string", "The company hand-off tickets are filed under."),
                "ignore_usernames": {"type": ["array", "null"], "items": {"type": "string"},
                                     "description": "Autotask API users managed by other automation."},
                "vendor_profiles_dirs": {"type": ["array", "null"], "items": {"type": "string"},
                                         "description": "Extra directories of vendor profile files."},
            },
            "allOf": [
                {"if": {"required": ["psa"], "properties": {"psa": {"const": "autotask"}}},
                 "then": {"required": ["autotask_domain"],
                          "properties": {"autotask_domain": {"type": "string", "minLength": 1},
                                         "profile_overrides": {
                              "additionalProperties": {"$ref": "#/definitions/autotask_override"}}}}},
                {"if": {"required": ["psa"], "properties": {"psa": {"const": "connectwise"}}},
                 "then": {"properties": {"profile_overrides": {
                     "additionalProperties": {"$ref": "#/definitions/connectwise_override"}}}}},
            ],
        },
    },
}

OVERRIDE_KEYS = {"autotask": tuple(_AUTOTASK_USER), "connectwise": tuple(_CONNECTWISE_MEMBER)}
PROFILE_KEYS = {"autotask": tuple(_AUTOTASK_USER) + tuple(_AUTOTASK_PROFILE_ONLY),
                "connectwise": tuple(_CONNECTWISE_MEMBER) + tuple(_CONNECTWISE_PROFILE_ONLY)}


class DeclarationError(ValueError):
    """All errors of one declaration (or of a set of profile files), one line each."""

    def __init__(self, what, errors):
        self.errors = list(errors)
        super(DeclarationError, self).__init__("%s: %d error(s); nothing is written until they are fixed:\n- %s" % (
            what, len(self.errors), "\n- ".join(self.errors)))


def schema():
    """A copy of the published schema."""
    return copy.deepcopy(SCHEMA)


def schema_json():
    """The text of docs/declaration.schema.json."""
    return json.dumps(SCHEMA, indent=2) + "\n"


def nearest(value, choices):
    """The nearest valid name for a mistyped one, or None."""
    found = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return found[0] if found else None


def _did_you_mean(value, choices):
    guess = nearest(value, choices)
    return (" Did you mean %r?" % guess) if guess else ""


def path_text(path):
    """``profile_overrides.wise_sync.last_name``, ``connectwise.role_permissions[0].inquire``."""
    out = ""
    for part in path:
        out += ("[%d]" % part) if isinstance(part, int) else ((".%s" % part) if out else str(part))
    return out or "(top level)"


_VALIDATORS = {}


def _validator(definition):
    if JSONSCHEMA_IMPORT_ERROR is not None:
        raise DeclarationError("msp.psa", [
            "validating declarations needs the Python library jsonschema on the Ansible controller (or in the "
            "execution environment): pip install 'jsonschema>=4' (%s)" % JSONSCHEMA_IMPORT_ERROR])
    if definition not in _VALIDATORS:
        root = {"definitions": SCHEMA["definitions"], "allOf": [{"$ref": "#/definitions/%s" % definition}]}
        _VALIDATORS[definition] = Draft7Validator(root)
    return _VALIDATORS[definition]


_TYPE_WORDS = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "null": "empty (null)"}


def _type_name(value):
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key(error, key, psa):
    """One line for a key the schema does not know at that place, with the nearest valid one."""
    schema = error.schema
    valid = sorted(schema.get("properties") or {})
    title = schema.get("title") or ""
    path = list(error.absolute_path) + [key]
    if title.endswith(" override"):  # a tenant's override of one profile's settings
        section = title.split()[0]
        other = [p for p in PSAS if p != section][0]
        if key in PROFILE_KEYS[section]:
            return path, ("is read from the vendor profile itself and cannot be overridden per tenant; put it in a "
                          "custom vendor profile instead.")
        if key in OVERRIDE_KEYS[other]:
            return path, ("is one of the %s settings, but this tenant's psa is %s (%s settings: %s)." % (
                PSA_LABELS[other], section, section, ", ".join(valid)))
        hint = _did_you_mean(key, valid) or " Valid: %s." % ", ".join(valid)
        return path, "unknown %s setting.%s" % (section, hint)
    if title in PSAS:
        other = [p for p in PSAS if p != title][0]
        if key in PROFILE_KEYS[other] and not nearest(key, valid):
            return path, "is one of the %s settings; put it under %s:." % (PSA_LABELS[other], other)
    return path, "unknown key.%s" % (_did_you_mean(key, valid) or " Valid: %s." % ", ".join(valid))


def _explain(error, psa=None):
    """[(path, problem)] for one jsonschema error."""
    kind, value, instance = error.validator, error.validator_value, error.instance
    path = list(error.absolute_path)
    if kind == "additionalProperties":
        known = set(error.schema.get("properties") or {})
        return [_unknown_key(error, key, psa) for key in sorted(instance, key=str) if key not in known]
    if kind == "type":
        kinds = [value] if isinstance(value, str) else list(value)
        words = " or ".join(_TYPE_WORDS.get(k, k) for k in kinds if k != "null") or "empty"
        shown = "" if instance is None else " " + _short(instance)
        return [(path, "must be %s, not %s%s." % (words, _type_name(instance), shown))]
    if kind == "required":
        out = []
        for key in value:
            if isinstance(instance, dict) and key not in instance:
                prop = ((error.schema.get("properties") or {}).get(key)
                        or SCHEMA["definitions"]["tenant"]["properties"].get(key) or {})
                desc = prop.get("description") or ""
                out.append((path + [key], "missing; it is required. %s" % desc))
        return out
    if kind == "enum":
        return [(path, "%s is not one of %s.%s" % (_short(instance), ", ".join(str(v) for v in value),
                                                   _did_you_mean(instance, value)))]
    if kind == "uniqueItems":
        seen, twice = set(), []
        for item in instance:
            if item in seen and item not in twice:
                twice.append(item)
            seen.add(item)
        return [(path, "lists %s more than once." % ", ".join(repr(t) for t in twice))]
    if kind == "minLength":
        return [(path, "must not be empty.")]
    if kind == "pattern":
        return [(path, "%s is not a valid name: %s." % (_short(instance), name_problem(instance)))]
    if kind == "anyOf" and error.schema.get("title") == "vendor profile":
        return [(path, "a vendor profile needs autotask: and/or connectwise: settings.")]
    return [(path, error.message)]


def _schema_errors(definition, data, where, psa=None):
    lines = []
    errors = sorted(_validator(definition).iter_errors(data), key=lambda e: (path_text(e.absolute_path), e.message))
    for error in errors:
        for path, problem in _explain(error, psa):
            line = "%s: %s: %s" % (where, path_text(path), problem.strip())
            if line not in lines:
                lines.append(line)
    return lines


def profile_errors(data, name, source=None):
    """Every error of one vendor profile, each line naming the profile (and its file) and the key path."""
    where = "vendor profile %s" % name + ((" (%s)" % source) if source else "")
    lines = []
    problem = name_problem(name)
    if problem:
        lines.append("%s: profile name %r is not valid (%s): a profile name is part of secret-store paths; rename "
                     "the file to letters, digits, '-', '_' and '.'." % (where, name, problem))
    return lines + _schema_errors("vendor_profile", data, where)


def tenant_errors(declaration, profiles, tenant):
    """Every error of one tenant's declaration (its host vars: psa, vendor_profiles, profile_overrides, ...)
    against the schema and the loaded ``profiles`` (name -> profile), each line naming the tenant and the key
    path. ``psa`` decides which section of a profile the overrides replace."""
    where = "tenant %s" % tenant
    lines = _schema_errors("tenant", declaration, where, declaration.get("psa"))
    psa = declaration.get("psa")
    declared = declaration.get("vendor_profiles")
    declared = declared if isinstance(declared, list) else []
    for index, name in enumerate(declared):
        if not isinstance(name, str) or name_problem(name):
            continue  # the schema said why
        if name not in profiles:
            lines.append("%s: vendor_profiles[%d]: unknown vendor profile %r.%s Known: %s." % (
                where, index, name, _did_you_mean(name, profiles), ", ".join(sorted(profiles)) or "none"))
        elif psa in PSAS and not (profiles[name] or {}).get(psa):
            has = [p for p in PSAS if (profiles[name] or {}).get(p)]
            lines.append("%s: vendor_profiles[%d]: vendor profile %r has no %s settings (it has: %s); the tenant's "
                         "psa is %s." % (where, index, name, psa, ", ".join(has) or "none", psa))
    overrides = declaration.get("profile_overrides")
    if isinstance(overrides, dict):
        for name in sorted(overrides, key=str):
            if name in declared or not isinstance(name, str) or name_problem(name):
                continue
            if name in profiles:
                why = ("overrides vendor profile %r, which the tenant does not declare: add it to vendor_profiles or "
                       "remove the override." % name)
            else:
                why = "no vendor profile %r among the tenant's vendor_profiles (%s).%s" % (
                    name, ", ".join(str(d) for d in declared) or "none", _did_you_mean(name, declared))
            lines.append("%s: profile_overrides.%s: %s" % (where, name, why))
    return lines


def validate_profile(data, name, source=None):
    errors = profile_errors(data, name, source)
    if errors:
        raise DeclarationError("vendor profile %s" % name, errors)
    return data


def validate_tenant(declaration, profiles, tenant):
    errors = tenant_errors(declaration, profiles, tenant)
    if errors:
        raise DeclarationError("The declaration of tenant %s" % tenant, errors)
    return declaration
