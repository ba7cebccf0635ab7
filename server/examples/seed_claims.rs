//! Seeds a database with the demo estate and N claims, for benchmarking the reviewer queue.
//!
//! `cargo run --release --example seed_claims -- DATABASE_URL [N] [in-repair]` (default 100,000).
//! Claims are spread over every state; a third wait on the bureau, their deadlines from ten days
//! overdue to thirty days ahead. With `in-repair` every claim is in repair with the demo repair unit
//! (for the sync benchmark). Run against a fresh database.

use std::time::Instant;

use baoxiu::db::accounts::{self, new_id};
use baoxiu::db::claims::{ClaimRow, NO_DEADLINE};
use baoxiu::db::registry::{self as reg, Scope};
use baoxiu::db::schema::claims;
use baoxiu::db::{write_transaction, Db};
use baoxiu::domain::coverage::{PartLocation, WarrantyCategory};
use baoxiu::domain::lifecycle::{ClaimKind, ClaimState};
use chrono::{Duration, Utc};
use diesel::RunQueryDsl;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(|| anyhow::anyhow!("usage: seed_claims DATABASE_URL [N]"))?;
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let in_repair = args.next().is_some_and(|a| a == "in-repair");
    let db = Db::connect(&url, 2)?;
    let rules = baoxiu::config::Config::default().rule_settings()?;
    baoxiu::demo::load(&db, &rules, baoxiu::demo::DEMO_ESTATE, baoxiu::service::parties::today())?;
    let mut conn = db.conn()?;
    let owner = accounts::find_user_by_username(&mut conn, "owner")?
        .ok_or_else(|| anyhow::anyhow!("no demo owner"))?;
    let estate =
        reg::list_estates(&mut conn, &Scope::All, 1, 0)?.pop().ok_or_else(|| anyhow::anyhow!("no estate"))?;
    let building = reg::list_buildings(&mut conn, &Scope::All, &estate.id)?.remove(0);
    let admin = reg::Viewer {
        user_id: String::new(),
        role: baoxiu::domain::registry::Role::Admin,
        organisation_ids: vec![],
    };
    let repair_unit = reg::list_organisations(&mut conn, &admin)?
        .into_iter()
        .find(|o| o.kind == baoxiu::domain::registry::OrgKind::RepairUnit)
        .ok_or_else(|| anyhow::anyhow!("no demo repair unit"))?
        .id;
    let today = Utc::now().date_naive();
    let started = Instant::now();
    let batch = 5_000;
    for chunk in 0..count.div_ceil(batch) {
        let from = chunk * batch;
        let to = (from + batch).min(count);
        write_transaction(&mut conn, |conn| {
            for i in from..to {
                let state =
                    if in_repair { ClaimState::InRepair } else { ClaimState::ALL[i % ClaimState::ALL.len()] };
                let due = today + Duration::days((i % 41) as i64 - 10);
                let dated =
                    matches!(state, ClaimState::CostSheetSubmitted | ClaimState::Verified | ClaimState::Paid);
                let waiting = state.waiting_on();
                let row = ClaimRow {
                    id: new_id(),
                    kind: ClaimKind::Standard,
                    state,
                    waiting_on: waiting,
                    jurisdiction: estate.jurisdiction.clone(),
                    estate_id: estate.id.clone(),
                    building_id: building.id.clone(),
                    unit_id: None,
                    developer_id: estate.developer_id.clone(),
                    property_manager_id: estate.property_manager_id.clone(),
                    location: PartLocation::CommonPart,
                    category: WarrantyCategory::Seepage,
                    location_detail: format!("{}单元外墙", i % 6 + 1),
                    description: "外墙渗水".into(),
                    applicant_id: owner.id.clone(),
                    applicant_capacity: "property_manager".into(),
                    with_owner_representatives: true,
                    warranty_last_day: today + Duration::days(400),
                    advanced_amount_fen: None,
                    repair_unit_id: in_repair.then(|| repair_unit.clone()),
                    rejection_reason: None,
                    rejection_note: None,
                    plan_approved: in_repair,
                    cost_sheet_signed: dated,
                    cost_sheet_verified: false,
                    developer_reply_due_on: None,
                    cost_sheet_received_at: None,
                    payout_due_on: dated.then_some(due),
                    usage_notice_due_on: None,
                    bureau_due_on: match (waiting.as_str(), dated) {
                        ("bureau", true) => Some(due),
                        ("bureau", false) => Some(NO_DEADLINE),
                        _ => None,
                    },
                    version: 1,
                    filed_at: (Utc::now() - Duration::minutes(i as i64)).naive_utc(),
                    reported_on: Some(today),
                    repair_due_on: None,
                    inspection_due_on: None,
                    owner_representatives: None,
                    defect_location: None,
                    defect_component: None,
                    severity: None,
                    defect_codes_version: None,
                    duplicate_of: None,
                    repeat_of: None,
                    defect_cause: None,
                    defect_solution: None,
                };
                diesel::insert_into(claims::table).values(&row).execute(conn)?;
            }
            Ok::<(), baoxiu::db::StoreError>(())
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        eprint!("\rseeded {to}/{count} claims");
    }
    // Fresh planner statistics for what was seeded, as a live database would have them. Not for
    // the tables still empty: PostgreSQL would then plan their lookups (foreign-key checks
    // included) as scans of an empty table, and a connection keeps such a plan while the table
    // grows, until autovacuum analyzes it again, which a benchmark of seconds never waits for.
    diesel::sql_query("ANALYZE claims").execute(&mut *conn)?;
    eprintln!("\nseeded {count} claims in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
