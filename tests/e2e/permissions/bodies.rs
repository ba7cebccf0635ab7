//! A request body for each route that needs one, with the demo's ids, so that what answers is the
//! route's party check and not a malformed body.

use serde_json::{json, Value};

use super::Ids;

pub(super) fn body_for(path: &str, ids: &Ids) -> Option<Value> {
    let body = match path {
        "/api/v1/users" => {
            json!({"username": format!("u{}", uuid::Uuid::now_v7().simple()), "display_name": "新用户", "password": "long-enough-pw", "role": "owner"})
        }
        "/api/v1/organisations" => {
            json!({"kind": "repair_unit", "name": format!("维修公司 {}", uuid::Uuid::now_v7())})
        }
        "/api/v1/organisations/{bureau}/members" => json!({"user_id": ids.reviewer}),
        "/api/v1/users/{nobody}/role" => json!({"role": "owner"}),
        "/api/v1/estates" => {
            json!({"name": format!("新小区 {}", uuid::Uuid::now_v7()), "address": "济南市历下区", "jurisdiction": "370102", "developer_id": ids.developer_org})
        }
        "/api/v1/estates/{estate}/buildings" => {
            json!({"name": format!("楼 {}", uuid::Uuid::now_v7()), "class": "high_rise", "construction_cost": "1000.00", "design_life_years": 50})
        }
        "/api/v1/buildings/{building}" => json!({"design_life_years": 50}),
        "/api/v1/buildings/{building}/units" => {
            json!({"number": format!("9-9-{}", uuid::Uuid::now_v7().simple()), "floor": 9})
        }
        "/api/v1/units/{unit}/owners" => json!({"user_id": ids.owner}),
        "/api/v1/devices" => {
            json!({"device_id": uuid::Uuid::now_v7().to_string(), "name": "手机", "public_key": crate::devices::fresh_public_key()})
        }
        "/api/v1/claims" => {
            json!({"kind": "standard", "building_id": ids.building, "unit_id": ids.unit, "location": "private_part", "category": "seepage", "location_detail": "卫生间", "description": "渗水"})
        }
        "/api/v1/claims/{claim}/evidence" => json!({"file_id": ids.file, "kind": "before"}),
        "/api/v1/me/notification-channels" => json!({"sms": true, "push": true}),
        "/api/v1/claims/{claim}/developer-reply" => json!({"reply": "dispute"}),
        "/api/v1/claims/{claim}/inspection" => json!({"developer_liable": true}),
        "/api/v1/claims/{claim}/developer-unable" => json!({"reason": "已注销", "evidence_id": ids.file}),
        "/api/v1/claims/{claim}/approve" => json!({"repair_unit_id": ids.repair_unit}),
        "/api/v1/claims/{claim}/reject" => json!({"reason": "excluded"}),
        "/api/v1/claims/{claim}/plans" => json!({"description": "维修方案", "budget": "100.00"}),
        "/api/v1/claims/{claim}/plan-decision" => json!({"decision": "approve"}),
        "/api/v1/claims/{claim}/cost-sheets" => {
            json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "1", "unit_price": "300.00"}]})
        }
        "/api/v1/claims/{claim}/submit-cost-sheet" => json!({"revision": 1}),
        "/api/v1/claims/{claim}/cost-sheets/1/dispute-signature" => json!({"reason": "非本人签署"}),
        // A well-formed hash, so that the party check is what answers (a missing one is a 400).
        "/api/v1/claims/{claim}/cost-sheets/1/sign" => json!({"revision_hash": "0".repeat(64)}),
        "/api/v1/claims/{claim}/verify" => json!({"revision": 1, "lines": []}),
        "/api/v1/claims/{claim}/return-visit" => json!({"attitude": 5, "quality": 5, "resolution": 5}),
        "/api/v1/claims/{claim}/work-orders" => json!({"description": "工单"}),
        "/api/v1/work-orders/{work_order}/assign" => json!({"technician_id": ids.reviewer}),
        "/api/v1/work-orders/{work_order}/schedule" => {
            json!({"window_start": "2030-01-01T00:00:00Z", "window_end": "2030-01-01T02:00:00Z"})
        }
        "/api/v1/work-orders/{work_order}/check-in" => json!({}),
        "/api/v1/work-orders/{work_order}/check-out" => json!({"outcome": "done"}),
        "/api/v1/buildings/{building}/deposit-notice" => {
            json!({"due_on": (baoxiu_e2e::today() + chrono::Duration::days(26)).to_string()})
        }
        "/api/v1/buildings/{building}/deposit-notice/objection" => json!({"reason": "异议"}),
        "/api/v1/buildings/{building}/deposit-notice/recheck" => json!({"corrected": false, "note": "复核"}),
        "/api/v1/buildings/{building}/deposit-payments" => {
            json!({"amount": "1.00", "paid_on": "2026-01-01", "bank_reference": "x"})
        }
        "/api/v1/fund/interest-runs" => json!({"period_from": "2026-01-01", "period_to": "2026-02-01"}),
        "/api/v1/buildings/{building}/holds" => json!({"category": "heating", "reason": "反复维修"}),
        "/api/v1/buildings/{building}/holds/{hold}/lift" => json!({"reason": "已修复"}),
        "/api/v1/buildings/{building}/refunds" => {
            json!({"category": "heating", "paid_on": "2026-01-01", "bank_reference": "x"})
        }
        "/api/v1/buildings/{building}/award-refund" => {
            json!({"award": "municipal", "evidence_id": uuid::Uuid::now_v7().to_string(), "paid_on": "2026-01-01", "bank_reference": "x"})
        }
        "/api/v1/estates/{estate}" => json!({"address": "济南市历下区经十路 17703 号"}),
        "/api/v1/art30/{nobody}/decision" => {
            json!({"decision": "dismiss", "reason": "不影响正常使用", "evidence": [ids.file]})
        }
        "/api/v1/warnings/{nobody}/close" => json!({"cause": "施工", "measures": "整改"}),
        "/api/v1/claims/{claim}/defect" => {
            json!({"version": 0, "location": "roof", "component": "waterproofing", "severity": "ordinary", "reason": "更正"})
        }
        "/api/v1/estates/{estate}/owners-committee" => {
            json!({"name": "明湖花园业主委员会", "member_ids": [ids.owner]})
        }
        "/api/v1/units/{unit}" => json!({"floor": 3}),
        "/api/sync/push" => {
            json!({"protocol_version": 1, "device_id": uuid::Uuid::now_v7().to_string(), "mutations": []})
        }
        "/api/v1/fund/journal/{entry}/reverse" => json!({"reason": "更正"}),
        "/api/v1/claims/{claim}/pay" => {
            json!({"payee": "applicant", "paid_on": "2026-01-01", "bank_reference": "x"})
        }
        p if p.starts_with("/api/v1/claims/{claim}/") => json!({}),
        _ => return None,
    };
    Some(body)
}
