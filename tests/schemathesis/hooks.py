"""Schemathesis hooks for Baoxiu's API document (loaded through SCHEMATHESIS_HOOKS).

The tus PATCH body is `application/offset+octet-stream`: bytes, sent like any octet stream.

Generated ids name nothing, so every operation on one would end at 404. Three times in four, a
path or body id is replaced by a real one the signed-in party can see (`BAOXIU_ST_IDS`, a JSON
file of ids by collection that scripts/schemathesis writes with `ids.py`), so that the fuzzer
reaches the use cases behind the lookups; the fourth keeps the generated value, so unknown ids
stay tested. The choice is a checksum of the generated value: the same seed makes the same run.
"""
import json
import os
import zlib

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

IDS = json.load(open(os.environ["BAOXIU_ST_IDS"])) if os.environ.get("BAOXIU_ST_IDS") else {}

# The collection a body field's id belongs to.
FIELDS = {
    "building_id": "buildings", "unit_id": "units", "estate_id": "estates", "claim_id": "claims",
    "user_id": "users", "technician_id": "users", "repair_unit_id": "organisations",
    "organisation_id": "organisations", "developer_id": "organisations",
    "property_manager_id": "organisations", "work_order_id": "work-orders",
}


def known(collection, generated):
    ids = IDS.get(collection) or []
    seed = zlib.crc32(repr(generated).encode())
    if not ids or seed % 4 == 0:
        return generated
    return ids[seed % len(ids)]


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    segments = context.operation.path.split("/")
    for name, value in list(path_parameters.items()):
        if name == "revision":
            path_parameters[name] = 1 if zlib.crc32(repr(value).encode()) % 4 else value
            continue
        marker = "{" + name + "}"
        if marker in segments:
            collection = segments[segments.index(marker) - 1]
            path_parameters[name] = known(collection, value)
    return path_parameters


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict):
        for key, value in list(body.items()):
            if key in FIELDS and isinstance(value, str):
                body[key] = known(FIELDS[key], value)
    return body
