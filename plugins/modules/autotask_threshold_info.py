#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autotask_threshold_info
short_description: Read an Autotask database's hourly API request budget
version_added: 0.1.0
description:
  - Reads C(ThresholdInformation) (one request, which itself counts towards the budget) so a fleet run can
    skip a tenant whose database is near its limit instead of starving the tenant's production integrations.
  - Every Autotask database shares 10,000 requests per rolling hour among all its integrations.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.autotask
  - msp.psa.attributes
  - msp.psa.attributes.IN_PROCESS
  - msp.psa.attributes.INFO_MODULE
  - msp.psa.attributes.ACTIONGROUP_AUTOTASK
options:
  max_used_percent:
    description: Above this share of the budget already used, RV(near_limit) is true.
    type: float
    default: 80
"""

EXAMPLES = r"""
- name: Check the tenant's budget before converging it
  msp.psa.autotask_threshold_info:
    max_used_percent: 75
  register: budget

- name: Skip a tenant that is near its limit
  ansible.builtin.meta: end_host
  when: budget.near_limit
"""

RETURN = r"""
threshold:
  description: The database's request budget.
  returned: success
  type: dict
  contains:
    limit:
      description: Requests allowed per timeframe.
      type: int
      sample: 10000
    timeframe_minutes:
      description: The rolling timeframe.
      type: int
      sample: 60
    used:
      description: Requests made in the current timeframe, all integrations together.
      type: int
      sample: 2500
    remaining:
      description: Requests left.
      type: int
      sample: 7500
    used_percent:
      description: Share used.
      type: float
      sample: 25.0
near_limit:
  description: Whether more than O(max_used_percent) of the budget is used.
  returned: success
  type: bool
  sample: false
"""

from ansible_collections.msp.psa.plugins.module_utils._autotask import AUTH_SPEC, AutotaskClient
from ansible_collections.msp.psa.plugins.module_utils._module import run_module

SPEC = dict(max_used_percent=dict(type="float", default=80))


def run(module, client):
    threshold = client.threshold()
    near = bool(threshold["limit"]) and 100.0 * threshold["used"] / threshold["limit"] > module.params["max_used_percent"]
    return dict(changed=False, threshold=threshold, near_limit=near)


def main():
    run_module([AUTH_SPEC, SPEC], run, client=AutotaskClient.from_params)


if __name__ == "__main__":
    main()
