"""Writes the demo ids a party can see, by collection, for hooks.py: ids.py BASE_URL TOKEN OUT."""
import json
import sys
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


def get(path):
    return [i["id"] for i in items(path) if "id" in i]


ids = {
    "claims": get("/claims?limit=50"),
    "estates": get("/estates"),
    "work-orders": get("/work-orders"),
    "organisations": get("/organisations"),
    "users": get("/users"),
}
ids["buildings"] = [b for e in ids["estates"] for b in get(f"/estates/{e}/buildings")]
ids["units"] = [u for b in ids["buildings"][:1] for u in get(f"/buildings/{b}/units")][:5]
ids["estates"] = ids["estates"] or []
# Repair units (a designation names one) and their members (an assignment names one).
ids["repair_units"] = [o["id"] for o in items("/organisations") if o.get("kind") == "repair_unit"]
ids["technicians"] = [
    m.get("user_id") or m.get("id") for r in ids["repair_units"] for m in items(f"/organisations/{r}/members")
]
ids["technicians"] = [t for t in ids["technicians"] if t] or ids["users"]
json.dump(ids, open(out, "w"))
print("ids: " + ", ".join(f"{k} {len(v)}" for k, v in ids.items()))
