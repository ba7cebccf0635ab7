//! The demo estate's claims, so that every party has work on a fresh machine: the bureau's queue,
//! a claim waiting on the developer's answer, one waiting on the repair unit's plan, one in repair
//! with a work order for the technician's field app, one whose cost sheet waits for the owner's
//! signature, one verified and waiting for the bureau's payment, and one paid, waiting for the
//! owner's return-visit rating and the bureau's notice to the developer. Each is taken to its stage
//! by the demo's own people through the same use cases the API and the pages call. Loaded once:
//! nothing when the estate has claims already.

use serde_json::{json, Value};

use crate::db::registry as reg;
use crate::domain::ids::{ClaimId, WorkOrderId};
use crate::error::{AppError, AppResult};
use crate::service::claims::{self as claims, SignRequest, SimpleStep, StepRequest};
use crate::service::work_orders;
use crate::service::Caller;
use crate::state::AppState;

/// How far a demo claim is taken.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Filed,
    /// Waiting on the developer's answer (Art. 17).
    DeveloperAsked,
    UnderInspection,
    /// The repair unit is designated and owes its plan (Art. 21-22).
    Approved,
    PlanSubmitted,
    /// In repair, with a work order assigned to the demo technician: the field app's work.
    InRepair,
    /// The cost sheet waits for the owner's signature (Art. 22).
    AwaitingSignature,
    CostSheetSubmitted,
    /// Verified line by line; the bureau owes the payment within 20 days (Art. 23).
    Verified,
    /// Paid: the owner rates the repair, the bureau notifies the developer (Art. 26).
    Paid,
}

/// The claims: whose, what, and how far.
const CLAIMS: &[(&str, &str, &str, &str, Stage)] = &[
    ("owner", "seepage", "主卧卫生间顶棚", "楼上卫生间渗水，顶棚发霉，墙面起皮。", Stage::CostSheetSubmitted),
    ("owner-1-1-101", "seepage", "厨房隔墙", "厨房与卫生间隔墙渗水，墙面霉变。", Stage::CostSheetSubmitted),
    ("owner-1-1-102", "seepage", "客厅外墙", "雨后客厅外墙内侧渗水，墙皮脱落。", Stage::UnderInspection),
    ("owner-1-1-201", "seepage", "阳台顶板", "阳台顶板渗水，雨天滴水。", Stage::PlanSubmitted),
    ("owner-1-1-202", "seepage", "卫生间地面", "卫生间地面渗水至楼下。", Stage::Filed),
    ("owner", "seepage", "次卧外墙", "次卧外墙内侧渗水，墙纸起鼓。", Stage::AwaitingSignature),
    ("owner-1-1-302", "seepage", "厨房顶棚", "厨房顶棚渗水，吊顶变形。", Stage::DeveloperAsked),
    ("owner-1-1-401", "seepage", "北阳台墙面", "北阳台墙面渗水，墙皮剥落。", Stage::Approved),
    ("owner-1-1-402", "seepage", "卫生间与卧室隔墙", "卫生间隔墙渗水，卧室踢脚线发黑。", Stage::InRepair),
    ("owner-1-1-501", "seepage", "客卫顶棚", "客卫顶棚渗水，灯具进水。", Stage::Verified),
    ("owner", "seepage", "书房外墙", "书房外墙内侧渗水，书柜受潮。", Stage::Paid),
];

fn from<T: serde::de::DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(AppError::internal)
}

async fn caller(state: &AppState, username: &str) -> AppResult<Caller> {
    let name = username.to_string();
    state
        .db
        .read(move |conn| {
            let user = crate::db::accounts::find_user_by_username(conn, &name)?
                .ok_or_else(|| AppError::invalid("demo").detail(format!("no demo account {name}")))?;
            Caller::of_account(conn, &user.id)
        })
        .await
}

/// Files the demo claims and takes each to its stage; returns how many it filed.
pub async fn load(state: &AppState) -> AppResult<usize> {
    let reviewer = caller(state, "reviewer").await?;
    let developer = caller(state, "developer").await?;
    let technician = caller(state, "technician").await?;
    let existing = claims::list(state, &reviewer, &from(json!({"limit": 1}))?).await?;
    if !existing.items.is_empty() {
        return Ok(0);
    }
    let repair_unit =
        technician.organisation_ids.first().cloned().ok_or_else(|| AppError::invalid("demo"))?;
    let mut filed = 0;
    for (username, category, place, description, stage) in CLAIMS {
        let owner = caller(state, username).await?;
        let who = owner.id.clone();
        let unit = state.db.read(move |conn| reg::my_units(conn, &who)).await?;
        let unit = unit.first().ok_or_else(|| AppError::invalid("demo").detail("an owner without a unit"))?;
        let claim = claims::file(
            state,
            &owner,
            from(json!({
                "kind": "standard", "building_id": unit.building_id, "unit_id": unit.id,
                "location": "private_part", "category": category,
                "location_detail": place, "description": description,
            }))?,
        )
        .await?;
        filed += 1;
        let id: ClaimId = claim.id.parse().map_err(AppError::internal)?;
        if *stage == Stage::Filed {
            continue;
        }
        let note = || StepRequest { version: None, note: None };
        claims::simple(state, &reviewer, &id, SimpleStep::AskDeveloper, note()).await?;
        if *stage == Stage::DeveloperAsked {
            continue;
        }
        // The developer disputes; the testing agency's finding is awaited (Art. 24).
        claims::developer_reply(state, &developer, &id, from(json!({"reply": "dispute"}))?).await?;
        if *stage == Stage::UnderInspection {
            continue;
        }
        claims::inspection(
            state,
            &reviewer,
            &id,
            from(json!({"developer_liable": true, "note": "检测报告认定属施工质量问题"}))?,
        )
        .await?;
        claims::approve(state, &reviewer, &id, from(json!({"repair_unit_id": repair_unit}))?).await?;
        if *stage == Stage::Approved {
            continue;
        }
        let plan = json!({"description": "拆除原防水层，重做聚氨酯防水，恢复饰面。", "budget": "1500.00", "lines": [
            {"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "budget": "500.00"},
            {"kind": "labour", "description": "防水施工", "unit": "工日", "budget": "1000.00"}
        ]});
        claims::submit_plan(state, &technician, &id, from(plan)?).await?;
        if *stage == Stage::PlanSubmitted {
            continue;
        }
        claims::decide_plan(state, &reviewer, &id, from(json!({"decision": "approve"}))?).await?;
        claims::simple(state, &technician, &id, SimpleStep::StartRepair, note()).await?;
        if *stage == Stage::InRepair {
            let order = json!({"description": "上门维修：重做卫生间防水层"});
            let order = work_orders::create(state, &technician, &id, from(order)?).await?;
            let order: WorkOrderId = order.id.parse().map_err(AppError::internal)?;
            let to = json!({"technician_id": technician.id});
            work_orders::assign(state, &technician, &order, from(to)?).await?;
            continue;
        }
        let sheet = json!({"lines": [
            {"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "quantity": "10", "unit_price": "40.00", "plan_line": 1},
            {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "3", "unit_price": "350.00", "plan_line": 2}
        ]});
        claims::add_revision(state, &technician, &id, from(sheet)?).await?;
        if *stage == Stage::AwaitingSignature {
            continue;
        }
        // The owner signs the revision shown: its hash, as the signing page would carry it.
        let shown = claims::page(state, &owner, &id).await?.cost_sheets.first().and_then(|s| s.hash.clone());
        claims::sign(state, &owner, &id, 1, SignRequest { revision_hash: shown, signature_file_id: None })
            .await?;
        claims::submit(state, &technician, &id, from(json!({"revision": 1}))?).await?;
        if *stage == Stage::CostSheetSubmitted {
            continue;
        }
        let verdicts = json!({"revision": 1, "lines": [
            {"line_no": 1, "decision": "approved"},
            {"line_no": 2, "decision": "approved"}
        ]});
        claims::verify(state, &reviewer, &id, from(verdicts)?).await?;
        if *stage == Stage::Verified {
            continue;
        }
        let today = crate::domain::deadlines::shanghai_date(chrono::Utc::now());
        let paid = json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "DEMO-0001"});
        claims::pay(state, &reviewer, &id, from(paid)?).await?;
    }
    Ok(filed)
}
