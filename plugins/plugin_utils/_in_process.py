# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This plugin util is PRIVATE to the msp.psa collection. It may change without notice.
"""Runs an msp.psa module inside the controller's worker process instead of as a process of its own.

Ansible runs a module by building its AnsiballZ payload and starting a Python for it: for a module whose only
target is a PSA's HTTPS API, that start costs more controller CPU than the check it runs (about 0.2 s per task,
more than ``ping`` costs in total; docs/performance.md). When the task's connection is ``local`` and its
interpreter is the controller's own Python (or not set), the action plugin built on :class:`InProcessAction`
calls the module's ``main()`` in the worker Ansible forked for the task, the way ``ansible.netcommon`` runs
network modules (its ``import_modules`` option): the module's ``AnsibleModule`` takes its arguments from the
action plugin instead of standard input and hands its result back instead of printing it. Arguments and result
go through the same serialization profile as a module process's, so the task's result is the same.

Any other task (a remote or ``become`` connection, ``async``, ``timeout``, another interpreter, ansible-core
before 2.19.1) runs the module as a process, as Ansible always does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
import os
import sys
import warnings

from ansible import constants as C
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

try:  # ansible-core 2.19+: module arguments and results go through a serialization profile
    from ansible.module_utils.common.json import Direction, get_module_decoder, get_module_encoder
except ImportError:  # pragma: no cover - ansible-core 2.18 runs every module as a process
    Direction = get_module_decoder = get_module_encoder = None

from ansible_collections.msp.psa.plugins.module_utils import _module

PROFILE = "legacy"  # what Ansible uses for a collection's module that names no profile of its own
IN_PROCESS_CAPABLE = Direction is not None and hasattr(basic.AnsibleModule, "_record_module_result")


class InProcessAction(ActionBase):
    """The action plugin of a module that runs in the controller's worker when it can (see the module docstring).

    Subclasses set ``MODULE`` to the module's Python module, imported when the action plugin is loaded: Ansible's
    strategy loads the action plugin in ansible-playbook's own process before it forks a worker per host, so every
    worker starts with the module and its module_utils already imported."""

    MODULE = None
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessAction, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        if not self.runs_in_process(task_vars):
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        return merge_hash(result, self._run_in_process(task_vars))

    def runs_in_process(self, task_vars):
        """True when running the module in this worker does what running it as a local process would.

        Not with ``timeout:`` either: Ansible interrupts a timed-out task wherever it is, which a module process
        survives (it runs to its end) but a module in this worker would not."""
        if not (IN_PROCESS_CAPABLE and self.MODULE is not None):
            return False
        if (self._connection.transport != "local" or self._task.async_val or self._play_context.become
                or self._task.timeout):
            return False
        interpreter = self._interpreter(task_vars)
        return (not interpreter or interpreter.startswith("auto")
                or os.path.normpath(os.path.expanduser(interpreter)) == os.path.normpath(sys.executable))

    def _interpreter(self, task_vars):
        """The Python interpreter Ansible would start the module with, as its module builder resolves it: the
        ``ansible_python_interpreter`` variable, else ``interpreter_python`` from the configuration or the
        environment (the delegated host's variables when the task is delegated)."""
        use_vars = task_vars
        if self._task.delegate_to:
            use_vars = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to) or {}
        value = C.config.get_config_value("INTERPRETER_PYTHON", variables=use_vars)
        if value is None:
            return None
        return str(self._templar.template(value) or "").strip()

    def _run_in_process(self, task_vars):
        args = dict(self._task.args)
        self._update_module_args(self._task.action, args, task_vars)
        # the module's arguments as a module process decodes them from its standard input
        args = json.loads(json.dumps(args, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)),
                          cls=get_module_decoder(PROFILE, Direction.CONTROLLER_TO_MODULE))
        recorded = []

        class InProcessModule(basic.AnsibleModule):
            def _load_params(self):
                self.params = args

            def _record_module_result(self, o):
                recorded.append(o)

            def warn(self, warning, **kwargs):
                # in a worker, a module's warning goes straight to Ansible's display, not through exit_json's
                # removal of no_log values as a module process's does
                super(InProcessModule, self).warn(remove_values(warning, self.no_log_values), **kwargs)

        environment = {}
        self._compute_environment_string(environment)
        saved_environment = dict(os.environ)
        saved_class, saved_profile = _module.AnsibleModule, basic._ANSIBLE_PROFILE
        try:
            os.environ.update((str(k), str(v)) for k, v in environment.items())
            _module.AnsibleModule, basic._ANSIBLE_PROFILE = InProcessModule, PROFILE
            # what a module process writes to its stdout and stderr besides its result (a library's Python
            # warning, say) is dropped when the module succeeds: here too, not printed once per tenant
            output = io.StringIO()
            with warnings.catch_warnings(), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                try:
                    self.MODULE.main()
                except SystemExit:
                    pass
        finally:
            _module.AnsibleModule, basic._ANSIBLE_PROFILE = saved_class, saved_profile
            os.environ.clear()
            os.environ.update(saved_environment)
        if not recorded:
            return dict(failed=True, msg="%s ended without a result" % self._task.action,
                        module_stdout=output.getvalue())
        # the result as the action plugin reads a module process's standard output
        stdout = json.dumps(recorded[-1], cls=get_module_encoder(PROFILE, Direction.MODULE_TO_CONTROLLER))
        data = self._parse_returned_data(dict(rc=0, stdout=stdout, stderr=""), PROFILE)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
