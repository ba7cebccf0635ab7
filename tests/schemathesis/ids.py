"""Writes the demo ids a party can see, by collection, for hooks.py: ids.py BASE_URL TOKEN OUT."""
import base64
import hashlib
import json
import struct
import sys
import zlib
import urllib.request

base, token, out = sys.argv[1], sys.argv[2], sys.argv[3]


def items(path):
    req = urllib.request.Request(base + "/api/v1" + path, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            body = json.load(res)
    except Exception:
        return []
    found = body.get("items", body) if isinstance(body, dict) else body
    return [i for i in found if isinstance(i, dict)]


def send(method, path, headers, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.headers, (json.load(res) if res.headers.get("Content-Type", "").startswith("application/json") else None)
    except Exception:
        return None, None


def get(path):
    return [i["id"] for i in items(path) if "id" in i]


organisations, users = items("/organisations"), items("/users")
ids = {
    "claims": get("/claims?limit=50"),
    "estates": get("/estates"),
    "work-orders": get("/work-orders"),
    "organisations": [o["id"] for o in organisations if "id" in o],
    "users": [u["id"] for u in users if "id" in u],
}
ids["buildings"] = [b for e in ids["estates"] for b in get(f"/estates/{e}/buildings")]
ids["units"] = [u for b in ids["buildings"][:1] for u in get(f"/buildings/{b}/units")][:5]
ids["estates"] = ids["estates"] or []
# Repair units (a designation names one) and their members (an assignment names one).
ids["repair_units"] = [o["id"] for o in organisations if o.get("kind") == "repair_unit"]
ids["developers"] = [o["id"] for o in organisations if o.get("kind") == "developer"]
# Owners (an owners' committee names them), as far as the party may list accounts.
ids["owners"] = [u["id"] for u in users if u.get("role") == "owner"]
ids["technicians"] = [
    m.get("user_id") or m.get("id") for r in ids["repair_units"] for m in items(f"/organisations/{r}/members")
]
ids["technicians"] = [t for t in ids["technicians"] if t] or ids["users"]
# An account of no party's, for the administrator's steps that would otherwise lock a demo party
# out of the rest of the run or change its role: made where the party may make accounts.
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
spare = {"username": "st-spare-" + hashlib.sha256(token.encode()).hexdigest()[:12], "display_name": "备用账户",
         "password": "schemathesis-spare", "role": "owner"}
_, made = send("POST", "/api/v1/users", headers, spare)
ids["spare_users"] = [made["id"]] if isinstance(made, dict) and "id" in made else []
# Files the party may read: the evidence of the claims it sees, and a picture of its own.
ids["files"] = [
    e["file"]["id"] for c in ids["claims"][:5] for e in items(f"/claims/{c}/evidence") if isinstance(e.get("file"), dict)
][:10]


def png():
    """A 1×1 white PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


picture = png()
req = urllib.request.Request(
    base + "/api/v1/files?sha256=" + hashlib.sha256(picture).hexdigest(), data=picture, method="POST",
    headers={"Authorization": "Bearer " + token, "Content-Type": "image/png"},
)
try:
    with urllib.request.urlopen(req, timeout=30) as res:
        own = json.load(res)["id"]
        ids["files"].append(own)
        # Evidence, a signature or a document a step names must be a file of the caller's own.
        ids["own_files"] = [own]
except Exception:
    ids["own_files"] = []


# Numbers printed on documents, for their public verification: the deposit certificates of the
# buildings the party sees, and the number of a cost sheet's PDF.
signed_in = {"Authorization": "Bearer " + token}
ids["deposit-certificates"] = []
for b in ids["buildings"]:
    _, notice = send("GET", f"/api/v1/buildings/{b}/deposit-notice", signed_in)
    if notice and notice.get("certificate_number"):
        ids["deposit-certificates"].append(notice["certificate_number"])
ids["documents"] = []
for c in ids["claims"]:
    headers, _ = send("GET", f"/api/v1/claims/{c}/cost-sheets/1/pdf", signed_in)
    if headers and headers.get("Baoxiu-Document-Number"):
        ids["documents"].append(headers["Baoxiu-Document-Number"])
        break


# Uploads begun, for the tus operations to continue, ask about and cancel.
ids["uploads"] = []
for n in range(3):
    sha = "%064x" % (n + 1)
    headers, _ = send("POST", "/api/v1/uploads", {
        **signed_in, "Tus-Resumable": "1.0.0", "Upload-Length": "1024",
        "Upload-Metadata": "sha256 " + base64.b64encode(sha.encode()).decode(),
    })
    if headers and headers.get("Location"):
        ids["uploads"].append(headers["Location"].rsplit("/", 1)[-1])
json.dump(ids, open(out, "w"))
print("ids: " + ", ".join(f"{k} {len(v)}" for k, v in ids.items() if isinstance(v, list)))
