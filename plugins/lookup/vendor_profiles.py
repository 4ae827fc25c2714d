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
    add profiles or replace built-in ones with the same name.
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

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader

BUILTIN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "roles", "api_user", "files", "profiles")


def load_profiles(directories):
    profiles = {}
    for directory in [BUILTIN] + list(directories):
        if directory != BUILTIN and not os.path.isdir(directory):
            raise AnsibleError("vendor_profiles: %s is not a directory" % directory)
        for path in sorted(glob.glob(os.path.join(directory, "*.yml"))):
            with open(path) as handle:
                data = yaml.load(handle, Loader=Loader) or {}
            if not isinstance(data, dict) or not ("autotask" in data or "connectwise" in data):
                raise AnsibleError("vendor_profiles: %s must map autotask: and/or connectwise: settings" % path)
            profiles[os.path.splitext(os.path.basename(path))[0]] = data
    return profiles


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [load_profiles(terms or [])]
