# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  vault_url:
    description:
      - URL of the HashiCorp Vault or OpenBao server holding the credentials (KV version 2).
      - If not set, the value of the E(VAULT_ADDR) environment variable is used.
    type: str
    required: true
  vault_token:
    description:
      - Token with read and write access to O(vault_mount). Never logged or returned.
      - If not set, the value of the E(VAULT_TOKEN) environment variable is used.
    type: str
    required: true
  vault_mount:
    description: Mount point of the KV v2 secrets engine.
    type: str
    default: secret
  vault_namespace:
    description:
      - Vault Enterprise namespace.
      - If not set, the value of the E(VAULT_NAMESPACE) environment variable is used.
    type: str
  vault_validate_certs:
    description: Verify the secret store's TLS certificate.
    type: bool
    default: true
requirements:
  - hvac
"""
