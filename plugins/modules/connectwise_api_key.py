#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connectwise_api_key
short_description: Verify a ConnectWise PSA API key pair, or hand out the UI steps to make one
version_added: 0.1.0
description:
  - ConnectWise PSA has no API to create an API member's key pair; the UI makes it and shows the private key
    once. This module verifies a pair you pass (from the secret store, C(no_log)) and checks that it authenticates,
    that it belongs to the intended member, and that the member's role allows what the vendor needs
    (C(system/mySecurity) as that member).
  - When no pair is given, or the pair does not authenticate, it returns RV(manual_steps) to create one and
    where to store it, with C(changed=false). It never logs or returns keys.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.connectwise_permissions
  - msp.psa.attributes
  - msp.psa.attributes.INFO_MODULE
  - msp.psa.attributes.ACTIONGROUP_CONNECTWISE
options:
  identifier:
    description: The API member the pair must belong to.
    type: str
    required: true
  api_public_key:
    description: The pair's public key (from the secret store).
    type: str
  api_private_key:
    description: The pair's private key (from the secret store). Never logged or returned.
    type: str
  description:
    description: The key description the UI steps ask for (seed 003 recommends C(s365)).
    type: str
  secret_store_path:
    description: Where the pair is or must be stored; cited in the steps, never a key.
    type: str
"""

EXAMPLES = r"""
- name: Verify the Sync 365 key pair stored in the secret store
  msp.psa.connectwise_api_key:
    identifier: S365
    api_public_key: "{{ s365_keys.public_key | default(omit) }}"
    api_private_key: "{{ s365_keys.private_key | default(omit) }}"
    description: s365
    secret_store_path: secret/msp/lakeside/connectwise/sync365
    permissions:
      - {module: Finance, function: Agreements, add: All, edit: All, inquire: All}
  no_log: true
  register: s365_key
"""

RETURN = r"""
key_state:
  description: C(valid), C(invalid) (does not authenticate), C(wrong_member) or C(missing) (none given).
  returned: always
  type: str
  sample: valid
member:
  description: The member the pair authenticates as.
  returned: when the pair is valid
  type: str
  sample: S365
permissions_missing:
  description: Levels in O(permissions) the member's role lacks.
  returned: always
  type: list
  elements: dict
manual_steps:
  description: UI steps to create and store a pair, or to grant missing levels.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.msp.psa.plugins.module_utils._connectwise import AUTH_SPEC
from ansible_collections.msp.psa.plugins.module_utils._connectwise_member import (
    PERMISSION_SPEC, compare_permissions, key_steps, permission_steps)
from ansible_collections.msp.psa.plugins.module_utils._http import PSAError
from ansible_collections.msp.psa.plugins.module_utils._module import connectwise_client, run_module

SPEC = dict(identifier=dict(type="str", required=True), api_public_key=dict(type="str", no_log=False),
            api_private_key=dict(type="str", no_log=True), description=dict(type="str"),
            secret_store_path=dict(type="str", no_log=False), permissions=PERMISSION_SPEC)


def run(module, client):
    """``client`` authenticates with the pair under test (api_public_key/api_private_key); None without one."""
    params = module.params
    ident = params["identifier"]
    description = params["description"] or ident.lower()
    result = {"changed": False, "key_state": "missing", "permissions_missing": [], "manual_steps": []}
    if client is None:
        result["manual_steps"] = key_steps(ident, description, params["secret_store_path"])
        return result
    try:
        settings = client.list("system/mySecurity")
    except PSAError as exc:
        if exc.kind != "credentials":
            raise
        result.update(key_state="invalid", detail=exc.message,
                      manual_steps=key_steps(ident, description, params["secret_store_path"]))
        return result
    member = ((settings[0] if settings else {}).get("member") or {}).get("identifier")
    result["member"] = member
    if member is None or member.lower() != ident.lower():
        result.update(key_state="wrong_member", detail="The pair authenticates as %s, not %s." % (member, ident),
                      manual_steps=key_steps(ident, description, params["secret_store_path"]))
        return result
    result["key_state"] = "valid"
    gaps = compare_permissions(settings, params["permissions"])[0]
    result["permissions_missing"] = [g for g in gaps if g["problem"] != "excess"]
    result["manual_steps"] = permission_steps("of %s" % ident, result["permissions_missing"])
    return result


def main():
    run_module([AUTH_SPEC, SPEC], run, client=connectwise_client(prefix="api_", cache=False),
               required_together=[("api_public_key", "api_private_key")])


if __name__ == "__main__":
    main()
