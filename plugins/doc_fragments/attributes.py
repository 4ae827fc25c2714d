# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This action does not modify state.
  diff_mode:
    support: N/A
    details: This action does not modify state.
  idempotent:
    support: full
"""

    ACTIONGROUP_AUTOTASK = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/msp.psa.autotask) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - msp.psa.autotask
"""

    ACTIONGROUP_CONNECTWISE = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/msp.psa.connectwise) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - msp.psa.connectwise
"""

    IN_PROCESS = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - When the task's connection is C(local), without C(become), C(async) or C(timeout), and its Python
        interpreter (C(ansible_python_interpreter), else C(interpreter_python) of the configuration) is the Python
        that runs Ansible (C({{ ansible_playbook_python }})), C(auto) or not set, the module runs inside the
        worker process Ansible forked for the task instead of a Python process of its own, as
        C(ansible.netcommon) runs network modules. Its arguments, result, check mode and redaction of secrets
        are the same; the task's C(environment) applies. This saves about a fifth of a second of controller CPU per
        task, more than the check itself costs (docs/performance.md).
      - Any other interpreter, a remote connection, C(become), C(async), C(timeout) or ansible-core before 2.19.1
        run the module as a process, as Ansible runs any module. With C(auto) the module runs on the controller's
        Python, where a process would run on the discovered interpreter.
"""
