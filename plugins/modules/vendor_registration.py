#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vendor_registration
short_description: Register a stored PSA credential with the downstream vendor tool
version_added: 0.1.0
description:
  - The vendor tools (Wise-Sync, Workplace Manager, AutoElevate, Sync 365 License, ...) publish no API for
    the PSA credentials they use, so registration is a driver behind one interface.
  - V(manual) renders the vendor's own steps with this tenant's values, citing the secret-store path, never a
    secret, and keeps the registration C(pending) in the secret's metadata until an operator confirms it
    (O(confirm)). A credential that changed since it was registered becomes C(pending) again.
  - V(http) is a generic JSON driver for vendors that do have an API, shaped on JumpCloud's
    C(POST /providers/{id}/integrations/autotask) (C({username, secret})) and C(.../connectwise)
    (C({companyId, publicKey, privateKey, url})), with PATCH by id and 422 when the vendor's own test of the
    PSA credentials fails. It reads the credential from the store itself, so it never passes through Ansible
    variables, and updates the vendor only when the credential changed.
  - The V(http) driver is idempotent. Before creating, it looks the registration up by the id it recorded, else
    by the vendor's natural key (the Autotask username, the ConnectWise company id) in the provider's list of
    integrations; a create whose answer was lost is resolved the same way. Overlapping runs are serialised by a
    claim in the credential's data version (check-and-set; a run waits while another holds a live claim, a
    claim older than 120 seconds is taken over), and the registration's id is committed to the store
    (C(_registration_<vendor>_id) in the data, mirrored as C(registration_<vendor>_id)) before the run reports
    success. Two overlapping runs, a lost answer or a registration made elsewhere leave exactly one.
  - A step never cites a credential that is not known to be the one the PSA holds. Nothing is handed out while
    no credential is stored (also for an existing user whose secret is unknown, see M(msp.psa.api_credential))
    or while a rotation's new value is pending; for a credential the admin stored from the existing set-up
    (C(adopted)) the step only asks to confirm that the vendor tool already uses it.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.secret_store
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
attributes:
  check_mode:
    support: full
    details: Nothing is sent to the vendor and nothing is written to the store.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  path:
    description: KV v2 path of the credential (as in M(msp.psa.api_credential)).
    type: str
    required: true
  kind:
    description: The PSA the credential belongs to.
    type: str
    required: true
    choices: [autotask, connectwise]
  vendor:
    description: Short key of the vendor profile (for example C(sync365)); names the metadata entries.
    type: str
    required: true
  vendor_name:
    description: The vendor tool's name as admins know it (for example C(Sync 365 License)).
    type: str
  driver:
    description: V(manual) hand-off or V(http) vendor API.
    type: str
    choices: [manual, http]
    default: manual
  values:
    description:
      - Non-secret values for the steps and the http body, for example C(username), C(zone) (C(webservicesN)),
        C(url), C(company_id). Steps may use them as C({name}); C({secret_ref}) is the store path.
    type: dict
  steps:
    description: The vendor's own registration steps (from the vendor profile), with C({placeholders}).
    type: list
    elements: str
  ui_path:
    description: Where in the vendor tool the steps start.
    type: str
  confirm:
    description: An operator confirms the manual registration was done with the current credential.
    type: bool
    default: false
  http:
    description: Settings of the V(http) driver.
    type: dict
    suboptions:
      base_url:
        description: The vendor API's base URL.
        type: str
        required: true
      provider_id:
        description: Our provider or account id at the vendor.
        type: str
        required: true
      token:
        description: API token for the vendor API. Never logged or returned.
        type: str
        required: true
      token_header:
        description: Header that carries O(http.token).
        type: str
        default: x-api-key
      validate_certs:
        description: Verify the vendor's TLS certificate.
        type: bool
        default: true
"""

EXAMPLES = r"""
- name: Hand the Sync 365 registration to the admin
  msp.psa.vendor_registration:
    path: msp/northwind/autotask/sync365
    kind: autotask
    vendor: sync365
    vendor_name: Sync 365 License
    values:
      username: sync365@northwind-msp.example
      zone: webservices5
    ui_path: Sync 365 > Tools > Integration Settings > + PSA Tools
    steps:
      - "Log in to Sync 365 License at sync.s365l.com and open Tools > Integration Settings."
      - "Click + next to PSA Tools and select Autotask as the PSA Type."
      - "Zone: {zone}. Username: {username}. Secret: the value stored at {secret_ref}."
      - "Click Test and Save Credentials."

- name: Register through a vendor API that accepts PSA credentials
  msp.psa.vendor_registration:
    path: msp/northwind/autotask/jumpcloud
    kind: autotask
    vendor: jumpcloud
    driver: http
    values:
      username: jumpcloud01@northwind-msp.example
    http:
      base_url: https://console.jumpcloud.com/api/v2
      provider_id: "{{ jumpcloud_provider_id }}"
      token: "{{ jumpcloud_api_key }}"
"""

RETURN = r"""
registration:
  description:
    - C(pending), C(confirmed), C(registered), C(failed), C(waiting_for_credential) (nothing current stored) or
      C(waiting_for_rotation) (a rotation's new value is pending; the vendor gets it once it is current).
  returned: always
  type: str
  sample: pending
detail:
  description:
    - Why the http driver's registration failed (the vendor's own test of the credentials), how an existing
      registration was found, or why nothing was handed out yet.
  returned: when failed, found or waiting
  type: str
vendor_action:
  description: What the http driver did, C(create) or C(update) (also of a registration found by its natural key).
  returned: when the http driver wrote
  type: str
vendor_id:
  description: The registration's id at the vendor (the http driver).
  returned: when the http driver registered
  type: str
duplicates:
  description: Ids of further registrations with the same natural key found at the vendor (made elsewhere; left alone).
  returned: when there are any
  type: list
  elements: str
manual_steps:
  description: The vendor's steps with this tenant's values; secrets as store paths only.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._credential import registration
from ansible_collections.msp.psa.plugins.module_utils._http import HAS_URLLIB3, URLLIB3_IMPORT_ERROR, HTTPClient
from ansible_collections.msp.psa.plugins.module_utils._module import run_module
from ansible_collections.msp.psa.plugins.module_utils._secret_store import STORE_SPEC, SecretStore
from ansible_collections.msp.psa.plugins.module_utils._vendor_http import VendorHTTP

SPEC = dict(path=dict(type="str", required=True, no_log=False),
            kind=dict(type="str", required=True, choices=["autotask", "connectwise"]),
            vendor=dict(type="str", required=True), vendor_name=dict(type="str"),
            driver=dict(type="str", default="manual", choices=["manual", "http"]),
            values=dict(type="dict"), steps=dict(type="list", elements="str"), ui_path=dict(type="str"),
            confirm=dict(type="bool", default=False),
            http=dict(type="dict", options=dict(
                base_url=dict(type="str", required=True), provider_id=dict(type="str", required=True),
                token=dict(type="str", required=True, no_log=True),
                token_header=dict(type="str", default="x-api-key", no_log=False),
                validate_certs=dict(type="bool", default=True))))


def run(module, store):
    params = module.params
    vendor = None
    if params["driver"] == "http":
        if not HAS_URLLIB3:  # only the http driver needs urllib3
            module.fail_json(msg=missing_required_lib("urllib3"), exception=URLLIB3_IMPORT_ERROR)
        h = params["http"]
        vendor = VendorHTTP(HTTPClient(validate_certs=h["validate_certs"], retries=2), h["base_url"],
                            h["provider_id"], h["token"], h["token_header"])
    return registration(params, store, vendor)


def main():
    run_module([STORE_SPEC, SPEC], run, client=SecretStore.from_params, requires=("hvac",),
               required_if=[("driver", "http", ["http"])])


if __name__ == "__main__":
    main()
