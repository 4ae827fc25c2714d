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
  - Lockout guard. Given the record of the pair's last failed login (O(last_failed_login), from
    M(msp.psa.api_credential)'s C(login) result), it does not log in with that same pair again (C(key_state=not_retried),
    "last login failed at <time>, not retried") until the pair changes or O(retry_failed_login) is set. It returns
    the pair's RV(fingerprint) so that M(msp.psa.api_credential) can record the outcome (its C(record_login)).
    One login per run at most.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.connectwise
  - msp.psa.connectwise_permissions
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
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
  last_failed_login:
    description: The recorded last failed login (M(msp.psa.api_credential)'s C(login.failed_at) and C(login.failed_fingerprint)).
    type: dict
    suboptions:
      at:
        description: When it failed.
        type: str
      fingerprint:
        description: The fingerprint of the pair that failed.
        type: str
  retry_failed_login:
    description: Log in even with a pair whose last login failed (after it was fixed in the PSA).
    type: bool
    default: false
  key_steps:
    description:
      - Return the UI steps to create a pair when none is given or it does not authenticate. The C(msp.psa.api_user)
        role turns this off for a member that existed before its pair was stored (M(msp.psa.api_credential)'s
        C(unknown_secret) step says what to do instead).
    type: bool
    default: true
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
  description:
    - C(valid), C(invalid) (does not authenticate), C(wrong_member), C(missing) (none given) or C(not_retried) (its
      last login failed and it was not tried again, see O(last_failed_login)).
  returned: always
  type: str
  sample: valid
member:
  description: The member the pair authenticates as.
  returned: when the pair is valid
  type: str
  sample: S365
fingerprint:
  description: A short hash of the pair that was given (never a key), to record the login's outcome.
  returned: when a pair is given
  type: str
login_attempted:
  description: Whether this run logged in with the pair.
  returned: always
  type: bool
detail:
  description: Why the pair is not valid, or C(last login failed at <time>, not retried).
  returned: when the pair is not valid
  type: str
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
from ansible_collections.msp.psa.plugins.module_utils._secret_store import fingerprint

SPEC = dict(identifier=dict(type="str", required=True), api_public_key=dict(type="str", no_log=False),
            api_private_key=dict(type="str", no_log=True), description=dict(type="str"),
            secret_store_path=dict(type="str", no_log=False), permissions=PERMISSION_SPEC,
            last_failed_login=dict(type="dict", options=dict(at=dict(type="str"), fingerprint=dict(type="str", no_log=False))),
            retry_failed_login=dict(type="bool", default=False), key_steps=dict(type="bool", default=True))


def run(module, client):
    """``client`` authenticates with the pair under test (api_public_key/api_private_key); None without one."""
    params = module.params
    ident = params["identifier"]
    description = params["description"] or ident.lower()
    result = {"changed": False, "key_state": "missing", "permissions_missing": [], "manual_steps": [],
              "login_attempted": False}
    if client is None:
        if params["key_steps"]:
            result["manual_steps"] = key_steps(ident, description, params["secret_store_path"])
        return result
    result["fingerprint"] = fingerprint(params["api_public_key"], params["api_private_key"])
    failed = params.get("last_failed_login") or {}
    if failed.get("fingerprint") == result["fingerprint"] and not params["retry_failed_login"]:
        # the lockout guard: this very pair was refused before; a retry cannot succeed and may lock the member
        result.update(key_state="not_retried",
                      detail="last login failed at %s, not retried" % (failed.get("at") or "an unknown time"))
        return result
    result["login_attempted"] = True
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
