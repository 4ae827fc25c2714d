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
import threading
import time


def cache_dir():
    return os.environ.get("MSP_PSA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "msp.psa")


class DiskCache:
    """One file per key (no read-modify-write of a shared file, so parallel forks never lose entries)."""

    def __init__(self, name, ttl=86400, path=None):
        self.ttl = ttl
        self.dir = path or os.path.join(cache_dir(), name)
        self._dir_made = False

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
        """Write the entry to a file of its own (this process and thread's), then rename it into place: a reader
        sees the old entry or the new one, never half of one. ``json.dumps`` in one write (the C encoder;
        ``json.dump`` encodes in Python, chunk by chunk, and cost most of a cold run's CPU per tenant)."""
        if self.ttl <= 0:
            return
        path = self._file(key)
        tmp = "%s.%d-%d.tmp" % (path, os.getpid(), threading.get_ident())
        try:
            data = json.dumps({"key": key, "value": value, "fetched": time.time()}, separators=(",", ":"))
            if not self._dir_made:
                # exist_ok: the forks of a cold run create the directory at the same moment; the one that loses
                # that race must still write its entry (it was dropped, and the next run looked it up again)
                os.makedirs(self.dir, 0o700, exist_ok=True)
                self._dir_made = True
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(data)
            os.rename(tmp, path)
        except (IOError, OSError):
            try:
                os.unlink(tmp)
            except OSError:
                pass
