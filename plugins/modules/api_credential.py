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
  - Adopt, never overwrite. For an API user that already exists in the PSA (O(user_exists)) but has no credential
    in the store, nothing is generated. The state is C(unknown_secret) (recorded in the store) and the step offers
    the two safe paths, (a) store the secret the vendor tool uses today (then C(adopted); the next run verifies it
    where a login is possible) or (b) rotate (O(rotate)), whose new value stays C(pending) until it is set in the PSA
    and verified; only then does it become current.
  - Lockout guard. A login as the API user, made here (O(login), Autotask custom integrations) or by another task
    and reported with O(record_login) (M(msp.psa.connectwise_api_key)), is recorded with the credential's
    fingerprint in the data version's state keys (C(_login_failed_at), C(_login_failed_fingerprint),
    C(_login_failed_reason), C(_login_ok_at), C(_login_ok_fingerprint); mirrored in the custom metadata without the
    underscore). A credential whose last login failed is not tried again until it changes or O(retry_failed_login)
    is set; the result says "last login failed at <time>, not retried". One login per run at most, none in check mode.
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
  - msp.psa.attributes.IN_PROCESS
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
  user_exists:
    description:
      - Whether the API user already exists in the PSA (the role sets it from the bulk module's result).
      - V(true) and no credential stored, state C(unknown_secret), nothing generated.
      - V(false), the user is missing; for Autotask a secret is generated for its creation (O(generate)).
      - Not set, what the store recorded last (C(unknown_secret) stays), else as V(false).
    type: bool
  login:
    description:
      - Log in once as the Autotask API user with the stored secret (the pending one while a rotation is pending, which
        promotes it when the login works), where Autotask allows it, a custom integration whose C(integration_code) is
        stored at O(path) and whose C(username) is in the metadata. Never in check mode, never again with a
        credential whose last login failed (see O(retry_failed_login)).
    type: dict
    suboptions:
      zone_url:
        description: The zone's REST API base URL (M(msp.psa.autotask_zone_info)'s C(zone.url)).
        type: str
        required: true
      timeout:
        description: Seconds to wait for Autotask.
        type: int
        default: 30
      validate_certs:
        description: Verify Autotask's TLS certificate.
        type: bool
        default: true
  record_login:
    description:
      - The outcome of a login another task made with the stored credential (M(msp.psa.connectwise_api_key)'s
        C(key_state) and C(fingerprint)), to record for the lockout guard. Ignored when the fingerprint is not the
        stored current or pending credential's.
    type: dict
    suboptions:
      fingerprint:
        description: The fingerprint of the credential that was tried.
        type: str
        required: true
      outcome:
        description: V(valid), V(invalid) (refused) or V(locked).
        type: str
        required: true
        choices: [valid, invalid, locked]
  retry_failed_login:
    description: Try a credential whose last login failed once more (after it was fixed in the PSA).
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

- name: An API user that already exists in Autotask, its secret not stored yet (state unknown_secret)
  msp.psa.api_credential:
    path: msp/northwind/autotask/wise_sync
    kind: autotask
    user_exists: true

- name: Rotate every 180 days
  msp.psa.api_credential:
    path: msp/northwind/autotask/wise_sync
    kind: autotask
    max_age_days: 180
"""

RETURN = r"""
state:
  description:
    - C(generated), C(current), C(awaiting_secret), C(unknown_secret) (an existing user whose credential is not
      stored), C(adopted) (the admin stored it), C(rotation_started), C(rotation_promoted) or C(rotation_completed).
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
secret_state:
  description: C(unknown_secret), C(adopted) (stored by the admin for an existing user) or C(known).
  returned: when the state machine ran past the awaiting step
  type: str
  sample: adopted
login:
  description:
    - The lockout guard. C(attempted) and C(outcome) of this run's login (C(valid), C(invalid), C(locked),
      C(not_retried), C(not_possible), C(not_checked) in check mode, C(ignored)), C(detail), and the record,
      C(failed_at), C(failed_fingerprint), C(failed_reason), C(ok_at), C(ok_fingerprint), C(current_failed) (the
      stored credential's last login failed), C(current_verified) and C(retry_failed_login).
  returned: always
  type: dict
  sample: {"attempted": false, "outcome": "not_retried", "detail": "last login failed at 2026-05-01T10:00:00Z, not retried"}
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
            registration_updated=dict(type="bool", default=False), user_exists=dict(type="bool"),
            login=dict(type="dict", options=dict(zone_url=dict(type="str", required=True),
                                                 timeout=dict(type="int", default=30),
                                                 validate_certs=dict(type="bool", default=True))),
            record_login=dict(type="dict", options=dict(fingerprint=dict(type="str", required=True, no_log=False),
                                                        outcome=dict(type="str", required=True,
                                                                     choices=["valid", "invalid", "locked"]))),
            retry_failed_login=dict(type="bool", default=False))


def run(module, store):
    return ensure(module.params, store)


def main():
    run_module([STORE_SPEC, SPEC], run, client=SecretStore.from_params, requires=("hvac",),
               mutually_exclusive=[("login", "record_login")])


if __name__ == "__main__":
    main()
