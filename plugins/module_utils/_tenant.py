# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""What a tenant name may be, in one place.

A tenant is an Ansible inventory host, and its name becomes a component of secret-store paths
(``secret/<prefix>/<tenant>/<psa>/<profile>``) and of keys the collection writes into the PSAs
(hand-off ticket external ids). So a tenant name is:

* 1 to 63 characters (``TENANT_NAME_MAX``),
* letters, digits, ``-``, ``_`` and ``.`` only (no ``/``, no spaces, nothing that needs quoting),
* starting with a letter or a digit (so never ``.``, ``..`` or a hidden name),
* with no ``..`` anywhere.

``../other``, ``a/b``, ``.hidden``, ``tenant one`` and 64-character names are refused, naming the rule.
Store paths are built only from parts checked here (:func:`store_path`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

TENANT_NAME_MAX = 63
TENANT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
TENANT_NAME_RULE = ("1 to %d characters: letters, digits, '-', '_' and '.', starting with a letter or a digit, "
                    "with no '..'" % TENANT_NAME_MAX)
_NAME = re.compile(TENANT_NAME_PATTERN)


class TenantNameError(ValueError):
    """A tenant name (or another store path part) that breaks the rule; the message names both."""

    def __init__(self, name, what="tenant name", why=None):
        self.name = name
        self.what = what
        self.why = why
        super(TenantNameError, self).__init__("%s %r is not valid%s: it must be %s." % (
            what, name, (" (%s)" % why) if why else "", TENANT_NAME_RULE))


def name_problem(name):
    """Why ``name`` breaks the rule, or None when it is a valid tenant name."""
    if not isinstance(name, str):
        return "not a string"
    if not name:
        return "empty"
    if len(name) > TENANT_NAME_MAX:
        return "%d characters" % len(name)
    if ".." in name:
        return "contains '..'"
    if not _NAME.match(name):
        if not re.match(r"^[A-Za-z0-9]", name):
            return "starts with %r" % name[0]
        bad = sorted(set(c for c in name if not re.match(r"[A-Za-z0-9._-]", c)))
        return "contains %s" % ", ".join(repr(c) for c in bad)
    return None


def validate_tenant_name(name, what="tenant name"):
    """Returns ``name`` when valid; raises :class:`TenantNameError` naming the name and the rule."""
    why = name_problem(name)
    if why:
        raise TenantNameError(name, what, why)
    return name


def store_path(prefix, tenant, psa, profile):
    """``<prefix>/<tenant>/<psa>/<profile>`` from validated parts only (the prefix may hold several
    ``/``-separated parts, each checked like a tenant name)."""
    parts = str(prefix or "msp").split("/")
    for part in parts:
        validate_tenant_name(part, "store prefix part")
    validate_tenant_name(tenant)
    validate_tenant_name(psa, "PSA")
    validate_tenant_name(profile, "profile name")
    return "/".join(parts + [tenant, psa, profile])
