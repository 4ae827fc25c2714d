# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A small on-disk cache with a TTL (Autotask zones, ConnectWise codebases), shared by every fork of
a fleet run so each lookup happens once. A cache that cannot be written only costs a lookup."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import time


def cache_dir():
    return os.environ.get("MSP_PSA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "msp.psa")


class DiskCache:
    def __init__(self, name, ttl=86400, path=None):
        self.ttl = ttl
        self.path = path or os.path.join(cache_dir(), name + ".json")

    def _load(self):
        try:
            with open(self.path) as handle:
                return json.load(handle)
        except (IOError, OSError, ValueError):
            return {}

    def get(self, key):
        if self.ttl <= 0:
            return None
        entry = self._load().get(key)
        if entry and time.time() - entry.get("fetched", 0) < self.ttl:
            return entry["value"]
        return None

    def put(self, key, value):
        if self.ttl <= 0:
            return
        try:
            directory = os.path.dirname(self.path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o700)
            data = self._load()
            data[key] = {"value": value, "fetched": time.time()}
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".cache-")
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.rename(tmp, self.path)
        except (IOError, OSError):
            pass
