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

The document's request examples are sent first (the examples phase): there every id, claim and
date is the real one, so that each step is tried once as a person would take it. Dates a person
gives relative to today (a repair promised by, a payment made on, an arrival window, an interest
period) are set near today, three times in four elsewhere.

Every request carries the party's token (`BAOXIU_ST_TOKEN`), but `/auth/logout`, which carries a
session of its own (`BAOXIU_ST_LOGOUT`), so that signing out does not end the run's session; a
refresh spends the refresh token of a third (`BAOXIU_ST_REFRESH`).

Resumable uploads speak tus: a creation names its length and the file's SHA-256 in base64
metadata, a chunk starts at the offset the server holds; `/metrics` takes the metrics token
(`BAOXIU_ST_METRICS`).
"""
import base64
import datetime
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
# Sessions of the party's own beside the run's (scripts/schemathesis): one to refresh, one to end.
REFRESH = os.environ.get("BAOXIU_ST_REFRESH", "")
LOGOUT = os.environ.get("BAOXIU_ST_LOGOUT", "")

# The collection a body field's id belongs to.
FIELDS = {
    "building_id": "buildings", "unit_id": "units", "estate_id": "estates", "claim_id": "claims",
    "user_id": "users", "technician_id": "technicians", "repair_unit_id": "repair_units",
    "organisation_id": "organisations", "developer_id": "developers",
    "property_manager_id": "organisations", "work_order_id": "work-orders",
    "file_id": "own_files", "evidence_id": "own_files", "signature_file_id": "own_files",
}


def dates():
    """Dates a person gives relative to today (Asia/Shanghai), by body field."""
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    today = now.date()
    tomorrow = today + datetime.timedelta(days=1)
    month = today.replace(day=1)
    last_month = (month - datetime.timedelta(days=1)).replace(day=1)
    return {
        "repair_by": (today + datetime.timedelta(days=5)).isoformat(),
        "paid_on": today.isoformat(),
        "reported_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        "window_start": tomorrow.isoformat() + "T09:00:00+08:00",
        "window_end": tomorrow.isoformat() + "T11:00:00+08:00",
        "period_from": last_month.isoformat(),
        "period_to": month.isoformat(),
        "taken_at": now.isoformat(timespec="seconds"),
        "device_time": now.isoformat(timespec="seconds"),
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


def seed_of(value):
    return zlib.crc32(repr(value).encode())


def chosen(value, always=False):
    """Whether a real value replaces the generated `value`: three times in four, by its checksum
    (the fourth keeps the fuzzer's), and always in the examples phase."""
    return always or seed_of(value) % 4 != 0


def known(collection, generated, always=False):
    ids = IDS.get(collection) or []
    if not ids or not chosen(generated, always):
        return generated
    return ids[seed_of(generated) % len(ids)]


def claim_for(step_segment, generated, always=False):
    """A claim whose next step for the party is this route's, else any it sees."""
    wanted = STEPS.get(step_segment)
    if wanted and chosen(generated, always):
        for claim in claims_now():
            step = (claim.get("next_step") or {}).get("step")
            if step in wanted:
                return claim["id"]
    return known("claims", generated, always)


def current_version(segments, params):
    """The version of the claim or work order a path names, as the server holds it now."""
    collection = segments[segments.index("{id}") - 1] if "{id}" in segments else None
    if collection == "claims":
        found = [c for c in claims_now() if c.get("id") == params.get("id")]
        return found[0].get("version") if found else None
    if collection != "work-orders":
        return None
    order = api(f"/api/v1/work-orders/{params.get('id')}") or {}
    return order.get("version") if isinstance(order, dict) else None


def latest_revision(claim_id):
    page = api(f"/api/v1/claims/{claim_id}") or {}
    sheets = page.get("cost_sheets") or []
    return sheets[-1] if sheets else None


@schemathesis.hook
def map_case(context, case):
    path = context.operation.path
    segments = path.split("/")
    # The document's own examples are sent as a person would send them: every value real.
    always = getattr(getattr(getattr(case, "meta", None), "phase", None), "name", None) == "examples"
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        marker = "{" + name + "}"
        if marker not in segments:
            continue
        collection = segments[segments.index(marker) - 1]
        if collection == "users" and segments[-1] in ("lock", "unlock", "role", "password-reset"):
            # Never a demo party's own account: locking it would end the rest of the run.
            collection = "spare_users"
        if collection == "claims" and name == "id":
            step = segments[-1] if segments[-1] not in ("pdf",) else None
            params[name] = claim_for(step, value, always)
        elif name == "revision":
            params[name] = value
        else:
            params[name] = known(collection, value, always)
    body = case.body if isinstance(case.body, dict) else None
    claim_id = params.get("id") if "claims" in segments else None
    latest = latest_revision(claim_id) if claim_id and ("{revision}" in segments or (
        body is not None and "revision" in body)) else None
    if latest and chosen(params.get("revision", body and body.get("revision")), always):
        if "{revision}" in segments:
            params["revision"] = latest.get("revision", 1)
        if body is not None:
            if "revision_hash" in body and latest.get("hash"):
                body["revision_hash"] = latest["hash"]
            if "revision" in body:
                body["revision"] = latest.get("revision", 1)
            if "lines" in body and segments[-1] == "verify":
                # A verdict for every line of the revision, as the reviewer's form sends.
                body["lines"] = [
                    {"line_no": line.get("line_no", n + 1), "decision": "approved"}
                    for n, line in enumerate(latest.get("lines") or [])
                ]
    if body is not None and "version" in body and chosen(body.get("version"), always):
        # The version the party saw: the claim's or the work order's as it stands now.
        current = current_version(segments, params)
        if current is not None:
            body["version"] = current
    if body is not None:
        for key, value in list(body.items()):
            if key in FIELDS and isinstance(value, str):
                body[key] = known(FIELDS[key], value, always)
        if isinstance(body.get("member_ids"), list) and IDS.get("owners") and chosen(body, always):
            body["member_ids"] = IDS["owners"][:2]
        near = dates()
        for key in near.keys() & body.keys():
            if isinstance(body[key], str) and chosen(body[key], always):
                body[key] = near[key]
        if "refresh_token" in body and REFRESH and chosen(body):
            body["refresh_token"] = REFRESH
    headers = dict(case.headers or {})
    headers["Authorization"] = "Bearer " + TOKEN
    if path.endswith("/auth/logout"):
        # Never the run's own session: signing it out would end the run.
        headers["Authorization"] = "Bearer " + (LOGOUT or "no-session-to-end")
    if path == "/metrics" and METRICS and chosen(case.headers):
        headers["Authorization"] = "Bearer " + METRICS
    case.headers = headers
    tus(context.operation, case)
    return case


def tus(operation, case):
    """Three times in four, the tus headers a client would send (the fourth keeps the fuzzer's)."""
    if "/uploads" not in operation.path or not chosen(case.headers):
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
