# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: vendor_profiles
short_description: Load the vendor profiles (one small YAML file per vendor tool)
version_added: 0.1.0
author:
  - msp.psa maintainers (@msp-psa)
description:
  - Returns a dictionary of vendor profile name to profile, read from the collection's built-in profiles
    in C(roles/api_user/files/profiles/*.yml), which hold the seeds' settings, and from each directory given, whose files
    (C(*.yml) or C(*.yaml)) add profiles or replace built-in ones with the same name.
  - Every file is validated against the vendor profile schema (C(docs/declaration.schema.json) in the collection,
    see C(docs/declarations.md)); the lookup fails listing every error of every file, each with the file, the key
    path and, for a mistyped key, the nearest valid one. Needs the Python library C(jsonschema) on the controller.
options:
  _terms:
    description: Extra directories of profile YAML files.
    type: list
    elements: path
    required: false
"""

EXAMPLES = r"""
- name: Show the Sync 365 profile
  ansible.builtin.debug:
    var: lookup('msp.psa.vendor_profiles', playbook_dir ~ '/vendor_profiles')['sync365']
"""

RETURN = r"""
_raw:
  description: One dictionary of profile name to profile.
  type: list
  elements: dict
"""

import glob
import os

import yaml

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from ansible_collections.msp.psa.plugins.module_utils._declaration import DeclarationError, profile_errors

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader

BUILTIN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "roles", "api_user", "files", "profiles")


def _read(path):
    """(data, error line): a file that is not YAML is an error naming the file and the line."""
    try:
        with open(path) as handle:
            data = yaml.load(handle, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (" (line %d, column %d)" % (mark.line + 1, mark.column + 1)) if mark else ""
        return None, "vendor profile file %s: not valid YAML%s: %s" % (path, where, getattr(exc, "problem", None) or exc)
    return ({} if data is None else data), None


def load_profiles(directories):
    """Every profile of the built-in and the given directories, each file validated; all errors at once."""
    profiles = {}
    errors = []
    for directory in [BUILTIN] + list(directories):
        if directory != BUILTIN and not os.path.isdir(directory):
            raise AnsibleError("vendor_profiles: %s is not a directory" % directory)
        paths = sorted(glob.glob(os.path.join(directory, "*.yml")) + glob.glob(os.path.join(directory, "*.yaml")))
        seen = {}
        for path in paths:
            name = os.path.splitext(os.path.basename(path))[0]
            if name in seen:
                errors.append("vendor profile %s: two files in %s: %s and %s; keep one." % (
                    name, directory, os.path.basename(seen[name]), os.path.basename(path)))
                continue
            seen[name] = path
            data, error = _read(path)
            if error:
                errors.append(error)
                continue
            try:
                errors += profile_errors(data, name, path)
            except DeclarationError as exc:  # jsonschema missing: say what to install
                raise AnsibleError(str(exc))
            profiles[name] = data
    if errors:
        raise AnsibleError(str(DeclarationError("The vendor profiles", errors)))
    return profiles


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [load_profiles(terms or [])]
