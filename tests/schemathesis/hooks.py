"""Schemathesis hooks for Baoxiu's API document (loaded through SCHEMATHESIS_HOOKS).

The tus PATCH body is `application/offset+octet-stream`: bytes, sent like any octet stream.

Generated ids name nothing, so every operation on one would end at 404. Three times in four, a
path or body id is replaced by a real one the signed-in party can see (`BAOXIU_ST_IDS`, a JSON
file of ids by collection that scripts/schemathesis writes with `ids.py`), so that the fuzzer
reaches the use cases behind the lookups; the fourth keeps the generated value, so unknown ids
stay tested. The choice is a checksum of the generated value: the same seed makes the same run.

A claim's steps succeed only in the claim's state and for the party whose move it is. For a step
(`/claims/{id}/approve`, `…/cost-sheets/{revision}/sign`, …) the claim is one whose next step, as
the server tells the signed-in party now (`GET /api/v1/claims`, `next_step`), is that step, so the
fuzzer's values meet the rules behind the state machine rather than only its refusals; a signature
names the latest revision and the hash the party was shown, as the signing page does.

Resumable uploads speak tus: a creation names its length and the file's SHA-256 in base64
metadata, a chunk starts at the offset the server holds; `/metrics` takes the metrics token
(`BAOXIU_ST_METRICS`), and a refresh spends a refresh token of a session of its own (ids.py).
"""
import base64
import json
import os
import time
import urllib.request
import zlib

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

IDS = json.load(open(os.environ["BAOXIU_ST_IDS"])) if os.environ.get("BAOXIU_ST_IDS") else {}
BASE = os.environ.get("BAOXIU_ST_BASE", "")
TOKEN = os.environ.get("BAOXIU_ST_TOKEN", "")
METRICS = os.environ.get("BAOXIU_ST_METRICS", "")

# The collection a body field's id belongs to.
FIELDS = {
    "building_id": "buildings", "unit_id": "units", "estate_id": "estates", "claim_id": "claims",
    "user_id": "users", "technician_id": "technicians", "repair_unit_id": "repair_units",
    "organisation_id": "organisations", "developer_id": "organisations",
    "property_manager_id": "organisations", "work_order_id": "work-orders",
}

# The next step (server/src/domain/next_step.rs) each claim route takes.
STEPS = {
    "ask-developer": {"ask_developer"},
    "developer-reply": {"reply_to_bureau"},
    "developer-unable": {"reply_to_bureau", "repair_as_promised"},
    "developer-silent": {"record_developer_silence"},
    "developer-repaired": {"record_developer_repair", "repair_as_promised"},
    "developer-defaulted": {"record_developer_repair", "repair_as_promised"},
    "inspection": {"record_inspection"},
    "approve": {"decide"},
    "reject": {"decide", "ask_developer"},
    "plans": {"submit_plan"},
    "plan-decision": {"review_plan"},
    "start-repair": {"start_repair"},
    "work-orders": {"create_work_order", "record_cost_sheet"},
    "cost-sheets": {"record_cost_sheet", "create_work_order"},
    "sign": {"sign_cost_sheet"},
    "dispute-signature": {"sign_cost_sheet"},
    "submit-cost-sheet": {"submit_cost_sheet"},
    "verify": {"verify_cost_sheet"},
    "return-cost-sheet": {"verify_cost_sheet"},
    "pay": {"pay"},
    "notify-developer": {"notify_developer"},
    "return-visit": {"rate_repair"},
}


def api(path):
    req = urllib.request.Request(BASE + path, headers={"Authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.load(res)
    except Exception:
        return None


def upload_offset(path):
    """Where a tus upload stands on the server, or None."""
    req = urllib.request.Request(
        BASE + path, method="HEAD", headers={"Authorization": "Bearer " + TOKEN, "Tus-Resumable": "1.0.0"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.headers.get("Upload-Offset")
    except Exception:
        return None


_claims = {"at": 0.0, "items": []}


def claims_now():
    """The claims the party sees, with their next step for it; read again after a moment."""
    if time.monotonic() - _claims["at"] > 0.5:
        body = api("/api/v1/claims?limit=100") or {}
        _claims["items"] = body.get("items", []) if isinstance(body, dict) else []
        _claims["at"] = time.monotonic()
    return _claims["items"]


def known(collection, generated):
    ids = IDS.get(collection) or []
    seed = zlib.crc32(repr(generated).encode())
    if not ids or seed % 4 == 0:
        return generated
    return ids[seed % len(ids)]


def claim_for(step_segment, generated):
    """A claim whose next step for the party is this route's, else any it sees."""
    wanted = STEPS.get(step_segment)
    if wanted and zlib.crc32(repr(generated).encode()) % 4:
        for claim in claims_now():
            step = (claim.get("next_step") or {}).get("step")
            if step in wanted:
                return claim["id"]
    return known("claims", generated)


def latest_revision(claim_id):
    page = api(f"/api/v1/claims/{claim_id}") or {}
    sheets = page.get("cost_sheets") or []
    return sheets[-1] if sheets else None


@schemathesis.hook
def map_case(context, case):
    path = context.operation.path
    segments = path.split("/")
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        marker = "{" + name + "}"
        if marker not in segments:
            continue
        collection = segments[segments.index(marker) - 1]
        if collection == "claims" and name == "id":
            step = segments[-1] if segments[-1] not in ("pdf",) else None
            params[name] = claim_for(step, value)
        elif name == "revision":
            params[name] = value
        else:
            params[name] = known(collection, value)
    if "{revision}" in segments and "id" in params:
        latest = latest_revision(params["id"])
        if latest and zlib.crc32(repr(params["revision"]).encode()) % 4:
            params["revision"] = latest.get("revision", 1)
            if isinstance(case.body, dict) and "revision_hash" in case.body and latest.get("hash"):
                case.body["revision_hash"] = latest["hash"]
    if isinstance(case.body, dict):
        for key, value in list(case.body.items()):
            if key in FIELDS and isinstance(value, str):
                case.body[key] = known(FIELDS[key], value)
        if "refresh_token" in case.body and IDS.get("refresh_token") and seed_of(case.body) % 4:
            case.body["refresh_token"] = IDS["refresh_token"]
    tus(context.operation, case)
    if path == "/metrics" and METRICS and seed_of(case.headers) % 4:
        case.headers = {**(case.headers or {}), "Authorization": "Bearer " + METRICS}
    return case


def seed_of(value):
    return zlib.crc32(repr(value).encode())


def tus(operation, case):
    """Three times in four, the tus headers a client would send (the fourth keeps the fuzzer's)."""
    if "/uploads" not in operation.path or seed_of(case.headers) % 4 == 0:
        return
    headers = dict(case.headers or {})
    headers["Tus-Resumable"] = "1.0.0"
    if operation.method.upper() == "POST":
        length = 1 + seed_of(case.headers) % 4096
        sha = "%064x" % seed_of(("sha", case.headers))
        headers["Upload-Length"] = str(length)
        headers["Upload-Metadata"] = "sha256 " + base64.b64encode(sha.encode()).decode()
    elif operation.method.upper() == "PATCH" and case.path_parameters:
        offset = upload_offset("/api/v1/uploads/" + str(case.path_parameters.get("id")))
        if offset is not None:
            headers["Upload-Offset"] = offset
        headers.pop("Upload-Checksum", None)
    case.headers = headers
