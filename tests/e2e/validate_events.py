#!/usr/bin/python3
"""Validates every JSON line of the given files against a JSON schema (Draft 2020-12).
   validate_events.py SCHEMA FILE...   exits 1 naming the first line that does not match."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
count = 0
for path in sys.argv[2:]:
    for number, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        errors = sorted(validator.iter_errors(json.loads(line)), key=lambda e: list(e.path))
        if errors:
            error = errors[0]
            sys.exit(f"{path}:{number}: {'/'.join(map(str, error.path))}: {error.message}")
        count += 1
if count == 0:
    sys.exit("no events to validate")
print(f"{count} events match {sys.argv[1]}")
