#!/usr/bin/env python3
"""Write docs/declaration.schema.json from the one schema in plugins/module_utils/_declaration.py.

    .venv/bin/python scripts/declaration_schema.py           # (re)write the file
    .venv/bin/python scripts/declaration_schema.py --check   # exit 1 when the committed file is stale

tests/unit/plugins/test_declaration_schema.py fails when the committed file differs from the code."""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "docs", "declaration.schema.json")
sys.path.insert(0, os.path.join(ROOT, ".collections"))  # msp.psa from the working tree (`make setup` links it)

from ansible_collections.msp.psa.plugins.module_utils._declaration import schema_json  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = schema_json()
    current = open(TARGET).read() if os.path.exists(TARGET) else None
    if args.check:
        if current != text:
            print("%s is stale: run scripts/declaration_schema.py" % os.path.relpath(TARGET, ROOT))
            return 1
        return 0
    if current != text:
        with open(TARGET, "w") as handle:
            handle.write(text)
        print("wrote %s" % os.path.relpath(TARGET, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
