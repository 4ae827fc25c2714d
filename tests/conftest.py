"""Shared pytest set-up: the repository root on sys.path (for psa_sandbox) and the shared/ folder."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.join(ROOT, ".collections")):  # .collections: msp.psa from the working tree
    if path not in sys.path:
        sys.path.insert(0, path)
SHARED = os.environ.get("MSP_PSA_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


@pytest.fixture(scope="session")
def shared_dir():
    if not os.path.isdir(os.path.join(SHARED, "specs")):
        pytest.fail("vendor specs not found at %s (set MSP_PSA_SHARED to the shared/ folder)" % SHARED)
    return SHARED
