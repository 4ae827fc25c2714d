#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_zone_info
short_description: Find the Autotask zone (API and UI URLs) of a username
version_added: 0.1.0
description:
  - Asks Autotask's unauthenticated C(zoneInformation) call (API version V1.0) which zone and database a
    username belongs to, and returns the zone's API URL, its UI URL and the value vendor tools ask for as
    "zone" (C(webservicesN), from the C(wwN) of the UI URL).
  - Answers are cached on disk per username for O(zone_cache_ttl) seconds, so a fleet run looks each zone
    up once.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.INFO_MODULE
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
options:
  username:
    description:
      - The username to look up. Defaults to O(autotask_username).
    type: str
  autotask_username:
    required: false
  autotask_secret:
    description:
      - Not used by this module (the lookup needs no authentication); accepted so that
        C(module_defaults) for C(group/msp.psa.autotask) apply.
    required: false
  autotask_integration_code:
    description:
      - Not used by this module; accepted for C(module_defaults).
    required: false
"""

EXAMPLES = r"""
- name: Find the zone of the Sync 365 API user
  msp.psa.autotask_zone_info:
    username: sync365@yourmsp.example
  register: zone

- name: Show what to type into Sync 365's zone field
  ansible.builtin.debug:
    msg: "Zone: {{ zone.zone.ui_zone }} (API {{ zone.zone.url }})"
"""

RETURN = r"""
zone:
  description: The zone of O(username).
  returned: success
  type: dict
  contains:
    zone_name:
      description: Autotask's name for the zone.
      type: str
      sample: America West
    url:
      description: The zone's REST API base URL (without the API version).
      type: str
      sample: https://webservices5.autotask.net/ATServicesRest/
    web_url:
      description: The zone's web UI URL.
      type: str
      sample: https://ww5.autotask.net/
    ui_zone:
      description: What vendor tools such as Sync 365 ask for as "zone" (C(webservicesN) from C(wwN)).
      type: str
      sample: webservices5
    ci:
      description: The database identifier.
      type: int
      sample: 310001
    cached:
      description: Whether the answer came from the on-disk cache.
      type: bool
      sample: false
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import (
    AUTH_SPEC, ZoneCache, lookup_zone, zone_name_for_ui)
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import http_client, optional, run_module

# The zone lookup is unauthenticated: the collection's credentials are not needed.
AUTH = optional(AUTH_SPEC, "autotask_username", "autotask_secret", "autotask_integration_code")
SPEC = dict(username=dict(type="str"))


def run(module, http):
    username = module.params["username"] or module.params["autotask_username"]
    if not username:
        raise PSAError("username is required: set username, or autotask_username (or AUTOTASK_USERNAME).",
                       kind="invalid_input")
    zone = lookup_zone(http, username, module.params["autotask_discovery_url"], ZoneCache(module.params["zone_cache_ttl"]))
    zone["ui_zone"] = zone_name_for_ui(zone.get("web_url")) or zone_name_for_ui(zone["url"].replace("webservices", "ww"))
    return dict(changed=False, zone=zone)


def main():
    run_module([AUTH, SPEC], run, client=http_client)


if __name__ == "__main__":
    main()
