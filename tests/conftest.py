"""Shared pytest set-up: the repository root on sys.path (for psa_sandbox) and msp.psa from the working tree.

Everything the tests read lives in the repository (the vendor spec excerpts are in tests/sandbox/specs/);
nothing here looks outside the checkout.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.join(ROOT, ".collections")):  # .collections: msp.psa from the working tree
    if path not in sys.path:
        sys.path.insert(0, path)
