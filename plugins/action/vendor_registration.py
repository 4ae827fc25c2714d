# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.psa.vendor_registration: runs the module inside the controller's worker process when its connection is local
(plugins/plugin_utils/_in_process.py), as a process of its own otherwise. Documented in plugins/modules/vendor_registration.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.psa.plugins.modules import vendor_registration
from ansible_collections.msp.psa.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = vendor_registration
