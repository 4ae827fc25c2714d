# -*- coding: utf-8 -*-
# Copyright: msp.psa contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module util is PRIVATE to the msp.psa collection. It may change without notice.
"""A small on-disk cache with a TTL (Autotask zones, ConnectWise codebases), shared by every fork of
a fleet run so each lookup happens once. A cache that cannot be written only costs a lookup."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import tempfile
import time


def cache_dir():
    return os.environ.get("MSP_PSA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "msp.psa")


class DiskCache:
    """One file per key (no read-modify-write of a shared file, so parallel forks never lose entries)."""

    def __init__(self, name, ttl=86400, path=None):
        self.ttl = ttl
        self.dir = path or os.path.join(cache_dir(), name)

    def _file(self, key):
        return os.path.join(self.dir, hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".json")

    def get(self, key):
        if self.ttl <= 0:
            return None
        try:
            with open(self._file(key)) as handle:
                entry = json.load(handle)
        except (IOError, OSError, ValueError):
            return None
        if entry.get("key") == key and time.time() - entry.get("fetched", 0) < self.ttl:
            return entry["value"]
        return None

    def put(self, key, value):
        if self.ttl <= 0:
            return
        try:
            if not os.path.isdir(self.dir):
                os.makedirs(self.dir, 0o700)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
            with os.fdopen(fd, "w") as handle:
                json.dump({"key": key, "value": value, "fetched": time.time()}, handle)
            os.rename(tmp, self._file(key))
        except (IOError, OSError):
            pass
