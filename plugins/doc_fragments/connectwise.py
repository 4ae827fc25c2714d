# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # How the collection itself authenticates to ConnectWise PSA (its own API member's key pair).
    DOCUMENTATION = r"""
options:
  connectwise_company:
    description:
      - The company id you log in to ConnectWise PSA with.
      - If not set, the value of the E(CONNECTWISE_COMPANY) environment variable is used.
    type: str
    required: true
  connectwise_public_key:
    description:
      - Public key of the collection's own API member.
      - If not set, the value of the E(CONNECTWISE_PUBLIC_KEY) environment variable is used.
    type: str
    required: true
  connectwise_private_key:
    description:
      - Private key of the collection's own API member. Never logged or returned.
      - If not set, the value of the E(CONNECTWISE_PRIVATE_KEY) environment variable is used.
    type: str
    required: true
  connectwise_client_id:
    description:
      - The integration's clientId from developer.connectwise.com, sent on every request.
      - If not set, the value of the E(CONNECTWISE_CLIENT_ID) environment variable is used.
    type: str
    required: true
  connectwise_site:
    description:
      - A cloud region (V(na), V(eu), V(au), V(aus), V(za), V(staging)) or the host of a self-hosted server.
        Cloud API calls go to C(api-<region>.myconnectwise.net); the codebase comes from C(/login/companyinfo)
        and is cached on disk for O(codebase_cache_ttl) seconds.
      - If not set, the value of the E(CONNECTWISE_SITE) environment variable is used.
    type: str
    default: na
  connectwise_base_url:
    description:
      - Overrides the host for both companyinfo and the API (for example a test server).
      - If not set, the value of the E(CONNECTWISE_BASE_URL) environment variable is used.
    type: str
  connectwise_codebase:
    description:
      - The company's codebase (for example V(v2025_1/)), as C(/login/companyinfo) returns it. When set, that
        lookup is not made.
      - A declared or cached codebase is not trusted blindly - when the API answers 404 or 401 on it, companyinfo
        is asked once; if the company moved to another codebase (after an upgrade) the request is repeated there
        and a warning says to correct this option.
      - If not set, the value of the E(CONNECTWISE_CODEBASE) environment variable is used.
    type: str
  connectwise_api_version:
    description:
      - The ConnectWise API (model) version asked for in the C(Accept) header
        (C(application/vnd.connectwise.com+json; version=<this>)). The collection is written against the default;
        set another one only for a server that does not serve it.
      - Every error that can depend on the version (a refused version, a 400 on fields, a 404) names the version
        sent and, when the server reports it, the server's current one.
      - If not set, the value of the E(CONNECTWISE_API_VERSION) environment variable is used.
    type: str
    default: "2025.8"
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each HTTP request.
    type: float
    default: 30
  codebase_cache_ttl:
    description:
      - Seconds a companyinfo answer stays valid in the on-disk cache (E(MSP_PSA_CACHE_DIR), default
        C(~/.cache/msp.psa)). C(0) disables the cache.
      - A cached codebase is checked on every use (see O(connectwise_codebase)), so it can be kept long. The cache
        holds no secrets and no paths of the host that wrote it, so a pipeline can keep it between jobs.
    type: int
    default: 2592000
notes:
  - 429 (honouring C(Retry-After) up to 60 seconds), 502, 503, 504 and dropped connections are retried with
    back-off; 401 and 403 never are.
requirements:
  - urllib3
"""
