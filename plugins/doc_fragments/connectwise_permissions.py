# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # A ConnectWise security role's permission matrix, as the UI shows it (System > Security Roles).
    DOCUMENTATION = r"""
options:
  permissions:
    description:
      - Security-role levels, one entry per module function. Levels not given are not compared.
    type: list
    elements: dict
    suboptions:
      module:
        description: Module name as the UI shows it, for example C(Finance).
        type: str
        required: true
      function:
        description: Module function, for example C(Agreements).
        type: str
        required: true
      add:
        description: Add level.
        type: str
        choices: [None, My, All]
      edit:
        description: Edit level.
        type: str
        choices: [None, My, All]
      delete:
        description: Delete level.
        type: str
        choices: [None, My, All]
      inquire:
        description: Inquire level.
        type: str
        choices: [None, My, All]
      custom_items:
        description: Tables a customisable function (System > Table Setup) must allow.
        type: list
        elements: str
"""
