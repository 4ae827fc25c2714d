# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""The one module wrapper: every msp.psa module's ``main()`` is a call to :func:`run_module`.

It merges the argument specs (auth fragment + the module's own), checks the Python requirements,
builds the client, runs the module's logic and maps every :class:`PSAError` to ``fail_json`` with a
message that says what happened and what to do. Module files keep only their documentation, their
own options and their ``run(module, client)``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.msp.psa.plugins.module_utils._http import (
    HAS_URLLIB3, URLLIB3_IMPORT_ERROR, HTTPClient, PSAError, Redactor)


def _requirement_errors(requires):
    for name in requires or ():
        if name == "urllib3" and not HAS_URLLIB3:
            return missing_required_lib("urllib3"), URLLIB3_IMPORT_ERROR
        if name == "hvac":
            from ansible_collections.msp.psa.plugins.module_utils._secret_store import HAS_HVAC, HVAC_IMPORT_ERROR
            if not HAS_HVAC:
                return missing_required_lib("hvac"), HVAC_IMPORT_ERROR
    return None, None


def merge_specs(*specs):
    """One argument spec from several (auth options first, the module's own last); deep copies, so a
    module never changes the shared tables."""
    out = {}
    for spec in specs:
        out.update(copy.deepcopy(spec or {}))
    return out


def optional(spec, *names):
    """A copy of ``spec`` in which the named options are not required (a module that can do without them)."""
    out = copy.deepcopy(spec)
    for name in names:
        out[name].pop("required", None)
    return out


def http_client(params, check_mode=False):
    """Client factory for modules that need only the HTTP seam (``timeout``, ``validate_certs``)."""
    return HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"])


def connectwise_client(prefix="connectwise_", cache=True):
    """Client factory for ConnectWise that authenticates with the key pair ``<prefix>public_key`` and
    ``<prefix>private_key`` (company, clientId, site and version from the ``connectwise_*`` options), or None
    when that pair is not given. Both private keys are redacted from every message."""
    from ansible_collections.msp.psa.plugins.module_utils._cache import DiskCache
    from ansible_collections.msp.psa.plugins.module_utils._connectwise import ConnectWiseClient

    def build(params, check_mode=False):
        public, private = params.get(prefix + "public_key"), params.get(prefix + "private_key")
        if not (public and private):
            return None
        http = HTTPClient(timeout=params["timeout"], validate_certs=params["validate_certs"],
                          redactor=Redactor([private, params.get("connectwise_private_key")]))
        return ConnectWiseClient(http, params["connectwise_company"], public, private, params["connectwise_client_id"],
                                 params["connectwise_site"], params.get("connectwise_base_url"),
                                 params["connectwise_api_version"],
                                 DiskCache("connectwise-codebases", params["codebase_cache_ttl"]) if cache else None,
                                 check_mode, params.get("connectwise_codebase"))
    return build


def run_module(specs, run, client=None, requires=("urllib3",), **module_kwargs):
    """Parse, build the client, run, map errors.

    ``specs``: argument specs to merge. ``run(module, client)`` returns the result dict (``changed``
    included). ``client``: a factory ``f(params, check_mode=...)`` (for example
    ``AutotaskClient.from_params``) or None. ``requires``: Python libraries the module needs."""
    module_kwargs.setdefault("supports_check_mode", True)
    module = AnsibleModule(argument_spec=merge_specs(*specs), **module_kwargs)
    msg, exception = _requirement_errors(requires)
    if msg:
        module.fail_json(msg=msg, exception=exception)
    try:
        built = client(module.params, check_mode=module.check_mode) if client else None
        result = run(module, built)
    except PSAError as exc:
        module.fail_json(**exc.to_fail_json())
    result.setdefault("changed", False)
    module.exit_json(**result)
