#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: api_credential
short_description: Keep an integration API user's credential in the secret store, and rotate it safely
version_added: 0.1.0
description:
  - The credential of one PSA API user (an Autotask secret, or a ConnectWise API key pair) lives in a KV v2
    path of HashiCorp Vault or OpenBao from the moment it exists. Its custom metadata records who it belongs
    to (username, zone or site, tracking identifier kind), when it was created and rotated, the rotation
    phase, and the registration state per vendor tool.
  - For Autotask the module generates a compliant secret (letters and digits, 25 characters by default)
    before the admin's UI step, so the steps say "paste the secret from <path>". With O(generate=false), and
    always for ConnectWise (whose keys only the UI makes), it returns the step that says where to store it.
  - Rotation (O(rotate) or O(max_age_days)) runs in a safe order, one step per run, every step recorded in
    the store so an interrupted run resumes, and nothing is lost.
    1. C(pending) a new secret waits in C(pending_secret) and the current one stays current.
    2. C(promoted) after the PSA has the new secret and it was verified (O(rotation_verified), set by the
       caller after a login, or by an operator after the vendor's own test), it becomes current and the old
       one is kept as C(previous_*).
    3. After the vendor tool has the new credential (O(registration_updated)), the old one is retired.
  - Secret values are never returned, logged or shown in a diff; results cite store paths only.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.secret_store
  - msp.psa.attributes
attributes:
  check_mode:
    support: full
    details: Reads the store and reports what a real run would do; writes nothing.
  diff_mode:
    support: none
    details: Secrets are write-only and never diffed.
  idempotent:
    support: full
    details: Without O(rotate), a second run changes nothing.
options:
  path:
    description: KV v2 path below O(vault_mount), one per tenant, PSA and vendor profile (for example C(msp/northwind/autotask/wise_sync)).
    type: str
    required: true
  kind:
    description: V(autotask) (field C(secret)) or V(connectwise) (fields C(public_key), C(private_key)).
    type: str
    required: true
    choices: [autotask, connectwise]
  generate:
    description: Generate the Autotask secret when none is stored. Ignored for ConnectWise.
    type: bool
    default: true
  secret_length:
    description: Length of generated secrets (Autotask's Generate button makes 25).
    type: int
    default: 25
  metadata:
    description: Facts recorded in the secret's custom metadata (strings), for example C(username), C(zone), C(tracking_kind), C(vendor), C(tenant).
    type: dict
  rotate:
    description: Start a rotation now (when none is in progress).
    type: bool
    default: false
  max_age_days:
    description: Start a rotation when the credential is older than this.
    type: int
  rotation_verified:
    description: The pending credential works in the PSA (login or operator confirmation); promote it.
    type: bool
    default: false
  registration_updated:
    description: The vendor tool now has the promoted credential; retire the previous one.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Make sure the Wise-Sync user's secret exists before the admin creates the user
  msp.psa.api_credential:
    path: msp/northwind/autotask/wise_sync
    kind: autotask
    metadata:
      username: wisesync01@northwind-msp.example
      zone: webservices5
      tracking_kind: vendor
      vendor: Wise-Sync
  register: cred

- name: Rotate every 180 days
  msp.psa.api_credential:
    path: msp/northwind/autotask/wise_sync
    kind: autotask
    max_age_days: 180
"""

RETURN = r"""
state:
  description:
    - C(generated), C(current), C(awaiting_secret), C(rotation_started), C(rotation_promoted) or C(rotation_completed).
  returned: always
  type: str
  sample: generated
phase:
  description: The rotation phase after this run, C(none), C(pending) or C(promoted).
  returned: always
  type: str
  sample: none
path:
  description: The store reference (mount/path) the steps cite.
  returned: always
  type: str
  sample: secret/msp/northwind/autotask/wise_sync
fields:
  description: Names (never values) of the fields stored at the path.
  returned: always
  type: list
  elements: str
  sample: [secret]
metadata:
  description: The custom metadata (no secrets).
  returned: always
  type: dict
fingerprint:
  description: A short hash of the current credential, to notice changes without another copy of it.
  returned: when a credential is stored
  type: str
age_days:
  description: Days since the credential was created or last rotated.
  returned: when a credential is stored
  type: float
manual_steps:
  description: What an admin must do next (UI reset, storing keys, vendor update), citing store paths only.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.msp.psa.plugins.module_utils._credential import ensure
from ansible_collections.msp.psa.plugins.module_utils._module import run_module
from ansible_collections.msp.psa.plugins.module_utils._secret_store import STORE_SPEC, SecretStore

SPEC = dict(path=dict(type="str", required=True, no_log=False),
            kind=dict(type="str", required=True, choices=["autotask", "connectwise"]),
            generate=dict(type="bool", default=True), secret_length=dict(type="int", default=25, no_log=False),
            metadata=dict(type="dict"), rotate=dict(type="bool", default=False),
            max_age_days=dict(type="int"), rotation_verified=dict(type="bool", default=False),
            registration_updated=dict(type="bool", default=False))


def run(module, store):
    return ensure(module.params, store)


def main():
    run_module([STORE_SPEC, SPEC], run, client=SecretStore.from_params, requires=("hvac",))


if __name__ == "__main__":
    main()
