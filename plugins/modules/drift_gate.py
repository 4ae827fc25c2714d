#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drift_gate
short_description: End a tenant's drift check with its outcome, so ansible-playbook's exit code tells the outcomes apart
version_added: 0.2.0
description:
  - Reads the tenant's outcome from the registered result of M(msp.psa.drift_report) and ends the host with it.
    C(in_sync) - ok. C(drift) - the task fails (when O(fail_on_drift)), so C(ansible-playbook) exits 2.
    C(could_not_check) - the host is marked unreachable, so C(ansible-playbook) exits 4, whatever else failed.
  - C(ansible-playbook) has no exit code 3 of its own. It exits 2 when a host failed and 4 when a host was
    unreachable (an unreachable host wins), so these are the drift check's codes - 0 in sync, 2 drift,
    4 could not check. Any other non-zero code (1, 4 before a play ran, 5, 250) also means the check did not
    complete.
  - A report that failed (its registered result has no C(tenants)) or that has no entry for the tenant ends
    the tenant as could not check.
  - Runs on the controller, without connecting to the host.
author:
  - msp.psa maintainers (@msp-psa)
extends_documentation_fragment:
  - msp.psa.attributes
attributes:
  action:
    support: full
    description: Runs on the controller as an action plugin.
  check_mode:
    support: full
    details: Changes nothing; ends the host the same way in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  report:
    description:
      - The registered result of M(msp.psa.drift_report) (with C(fail_on_drift) and C(fail_on_could_not_check) false),
        or its C(failed) and C(msg) with C(tenants) holding at least this tenant's entry.
      - For a large fleet give each tenant only its own entry, from
        RV(msp.psa.drift_report#module:tenants_not_in_sync), as the collection's playbooks do - templating the
        whole report once per gated tenant is quadratic in the fleet.
    type: dict
    required: true
  tenant:
    description: The tenant to end; defaults to the host's C(inventory_hostname).
    type: str
  fail_on_drift:
    description: Fail the host when the tenant drifted. When false, drift is reported and the host stays ok.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Write the drift report for the tenants of this run
  msp.psa.drift_report:
    tenants: "{{ hostvars | msp.psa.tenant_results(ansible_play_hosts_all) }}"
    output_dir: reports/drift
    fail_on_drift: false
    fail_on_could_not_check: false
  run_once: true
  delegate_to: localhost
  register: drift
  ignore_errors: true

- name: End the tenant with its outcome (drift fails the host, could not check makes it unreachable)
  msp.psa.drift_gate:
    report: "{{ drift }}"
"""

RETURN = r"""
outcome:
  description: The tenant's outcome.
  returned: always
  type: str
  choices: [in_sync, drift, could_not_check]
  sample: could_not_check
reason:
  description: What differs, or why the tenant could not be checked; null when in sync.
  returned: always
  type: str
  sample: "Autotask refused the credentials of msppsa02@contoso-it.example on POST Resources (HTTP 401)."
error_kind:
  description: The kind of error when the tenant could not be checked.
  returned: when the tenant could not be checked
  type: str
  sample: credentials
"""
