# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # How the collection itself authenticates to an Autotask database (its own API user).
    DOCUMENTATION = r"""
options:
  autotask_username:
    description:
      - Username of the collection's own Autotask API user in this database (it includes the database's
        domain, for example C(msp-automation@yourmsp.example)).
      - This API user needs a Custom (Internal Integration) API tracking identifier and a security level
        with query and update access to Resources/Users.
      - If not set, the value of the E(AUTOTASK_USERNAME) environment variable is used.
    type: str
    required: true
  autotask_secret:
    description:
      - Secret (password) of O(autotask_username). Never logged or returned.
      - If not set, the value of the E(AUTOTASK_SECRET) environment variable is used.
    type: str
    required: true
  autotask_integration_code:
    description:
      - The API tracking identifier (integration code) of O(autotask_username), shown in its API Tracking
        Identifier section when Custom (Internal Integration) is selected. Never logged or returned.
      - If not set, the value of the E(AUTOTASK_INTEGRATION_CODE) environment variable is used.
    type: str
    required: true
  autotask_zone_url:
    description:
      - The zone's API URL, for example C(https://webservices5.autotask.net/ATServicesRest/).
      - When not set, the zone is found with the unauthenticated C(zoneInformation) call and cached on disk
        for O(zone_cache_ttl) seconds per username.
      - A declared zone costs no lookup, and is not trusted blindly - when Autotask refuses it (HTTP 401, a
        redirect, no connection), C(zoneInformation) is asked once; if the database is in another zone the
        request is repeated there and a warning says to correct this option. A cached zone is checked the
        same way, so a database that moved costs one lookup, not a failed run.
      - If not set, the value of the E(AUTOTASK_ZONE_URL) environment variable is used.
    type: str
  autotask_discovery_url:
    description:
      - Where C(zoneInformation) is asked (pinned to API version V1.0).
      - If not set, the value of the E(AUTOTASK_DISCOVERY_URL) environment variable is used.
    type: str
    default: https://webservices.autotask.net/atservicesrest/
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each HTTP request.
    type: float
    default: 30
  zone_cache_ttl:
    description:
      - Seconds a zone lookup stays valid in the on-disk cache (E(MSP_PSA_CACHE_DIR), default
        C(~/.cache/msp.psa)). C(0) disables the cache.
      - A cached zone is checked on every use (see O(autotask_zone_url)), so it can be kept long.
      - The cache directory holds no secrets and no paths of the host that wrote it, so a pipeline can keep it
        as an artifact and restore it in the next job (see the collection's docs/fleet.md).
    type: int
    default: 2592000
  metadata_cache_ttl:
    description:
      - Seconds the database's field metadata (picklists such as security levels) stays valid in the on-disk
        cache. A picklist value or label the cache does not know (a security level added since, one the
        declaration names) refreshes it at once; field lengths and read-only flags change only with Autotask
        releases. C(0) disables the cache.
    type: int
    default: 604800
notes:
  - Requests that Autotask answers with 429, 502, 503 or 504, and dropped connections, are retried with
    back-off, honouring C(Retry-After) up to 60 seconds. A thread-limit rejection (C(Itgenatr005), "thread
    threshold"), which may come with another status and without C(Retry-After), is retried the same way for
    reads; a create is never sent twice. A failed login (401) is never retried in the same zone, because
    Autotask locks accounts after repeated failures; only a declared or cached zone that Autotask says is not
    the database's gets the request once more, in the right zone.
  - Errors quote Autotask's own text. An unknown username or a wrong integration code is recognised whether
    Autotask answers 401 or 500 (both occur); a 500 on the first request that is not a plain read is confirmed
    with one read of C(ThresholdInformation).
  - At most three requests are in flight to one Autotask host at a time, within Autotask's limit of three
    concurrent threads per endpoint and tracking identifier.
requirements:
  - urllib3
"""
