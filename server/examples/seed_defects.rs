//! Seeds a database with the demo estate and, beside it, the recurring-defect benchmark's load: B
//! buildings of the demo developer in the demo jurisdiction (ten estates, 20 units each, handed
//! over two years ago) and N coded claims spread over their units, categories, locations and the
//! last 24 months, with a few buildings busier than the rest so that warnings fire.
//!
//! `cargo run --release --example seed_defects -- DATABASE_URL [N] [B]` (default 100,000 claims in
//! 1,000 buildings). Run against a fresh database.

use std::time::Instant;

use baoxiu::db::accounts::{self, new_id};
use baoxiu::db::claims::ClaimRow;
use baoxiu::db::registry::{self as reg, BuildingRow, EstateRow, Scope, UnitRow};
use baoxiu::db::schema::claims;
use baoxiu::db::{write_transaction, Db};
use baoxiu::domain::coverage::{PartLocation, WarrantyCategory};
use baoxiu::domain::lifecycle::{ClaimKind, ClaimState};
use baoxiu::domain::registry::BuildingClass;
use chrono::{Duration, Utc};
use diesel::RunQueryDsl;

const UNITS: usize = 20;
const CATEGORIES: [WarrantyCategory; 4] = [
    WarrantyCategory::Seepage,
    WarrantyCategory::RoofWaterproofing,
    WarrantyCategory::ElectricalPlumbingEquipment,
    WarrantyCategory::Decoration,
];
const PLACES: [(&str, &str); 4] =
    [("bathroom", "waterproofing"), ("roof", "waterproofing"), ("kitchen", "pipework"), ("room", "ceiling")];

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(|| anyhow::anyhow!("usage: seed_defects DATABASE_URL [N] [B]"))?;
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let buildings: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1_000);
    let db = Db::connect(&url, 2)?;
    let rules = baoxiu::config::Config::default().rule_settings()?;
    baoxiu::demo::load(&db, &rules, baoxiu::demo::DEMO_ESTATE, baoxiu::service::parties::today())?;
    let mut conn = db.conn()?;
    let owner = accounts::find_user_by_username(&mut conn, "owner")?
        .ok_or_else(|| anyhow::anyhow!("no demo owner"))?;
    let demo =
        reg::list_estates(&mut conn, &Scope::All, 1, 0)?.pop().ok_or_else(|| anyhow::anyhow!("no estate"))?;
    let started = Instant::now();
    let now = Utc::now().naive_utc();
    let today = Utc::now().date_naive();
    let handover = today - Duration::days(730);
    // The registry: ten estates, B buildings, 20 units each.
    let mut places: Vec<(String, String, Vec<String>)> = Vec::new();
    write_transaction(&mut conn, |conn| {
        let estates: Vec<EstateRow> = (0..10)
            .map(|e| EstateRow {
                id: new_id(),
                name: format!("基准小区{e}"),
                address: format!("济南市历下区基准路{e}号"),
                jurisdiction: demo.jurisdiction.clone(),
                developer_id: demo.developer_id.clone(),
                property_manager_id: demo.property_manager_id.clone(),
                created_at: now,
            })
            .collect();
        for estate in &estates {
            reg::insert_estate(conn, estate)?;
        }
        for b in 0..buildings {
            let estate = &estates[b % estates.len()];
            let building = BuildingRow {
                id: new_id(),
                estate_id: estate.id.clone(),
                name: format!("{}号楼", b + 1),
                class: if b % 3 == 0 { BuildingClass::HighRise } else { BuildingClass::MultiStorey },
                construction_cost_fen: 2_000_000_000,
                design_life_years: 50,
                handover_date: Some(handover),
                created_at: now,
            };
            reg::insert_building(conn, &building)?;
            let mut units = Vec::new();
            for u in 0..UNITS {
                let unit = UnitRow {
                    id: new_id(),
                    building_id: building.id.clone(),
                    number: format!("{}-{}", u / 4 + 1, u % 4 + 1),
                    floor: (u / 4 + 1) as i32,
                    created_at: now,
                };
                reg::insert_unit(conn, &unit)?;
                units.push(unit.id);
            }
            places.push((estate.id.clone(), building.id, units));
        }
        Ok::<(), baoxiu::db::StoreError>(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("registry: {buildings} buildings in {:.1} s", started.elapsed().as_secs_f64());
    let batch = 5_000;
    for chunk in 0..count.div_ceil(batch) {
        let from = chunk * batch;
        let to = (from + batch).min(count);
        write_transaction(&mut conn, |conn| {
            for i in from..to {
                // One building in fifty is three times as busy: its months warn.
                let b = if i % 4 == 0 { (i / 4 % (buildings / 50).max(1)) * 50 } else { i % buildings };
                let (estate_id, building_id, units) = &places[b];
                let kind = i % CATEGORIES.len();
                let (location, component) = PLACES[kind];
                let filed_at = now - Duration::minutes((i as i64 * 7_919) % (730 * 24 * 60));
                let state = if i % 3 == 0 { ClaimState::Paid } else { ClaimState::Filed };
                let row = ClaimRow {
                    id: new_id(),
                    kind: ClaimKind::Standard,
                    state,
                    waiting_on: state.waiting_on(),
                    jurisdiction: demo.jurisdiction.clone(),
                    estate_id: estate_id.clone(),
                    building_id: building_id.clone(),
                    unit_id: Some(units[i % UNITS].clone()),
                    developer_id: demo.developer_id.clone(),
                    property_manager_id: demo.property_manager_id.clone(),
                    location: PartLocation::PrivatePart,
                    category: CATEGORIES[kind],
                    location_detail: "卫生间".into(),
                    description: "渗水".into(),
                    applicant_id: owner.id.clone(),
                    applicant_capacity: "owner".into(),
                    with_owner_representatives: false,
                    warranty_last_day: handover + Duration::days(5 * 365),
                    advanced_amount_fen: None,
                    repair_unit_id: None,
                    rejection_reason: None,
                    rejection_note: None,
                    plan_approved: false,
                    cost_sheet_signed: false,
                    cost_sheet_verified: false,
                    developer_reply_due_on: None,
                    cost_sheet_received_at: (state == ClaimState::Paid)
                        .then_some(filed_at + Duration::days(10)),
                    payout_due_on: None,
                    usage_notice_due_on: None,
                    bureau_due_on: None,
                    version: 1,
                    filed_at,
                    reported_on: Some(filed_at.date()),
                    repair_due_on: None,
                    inspection_due_on: None,
                    owner_representatives: None,
                    defect_location: Some(location.into()),
                    defect_component: Some(component.into()),
                    severity: Some("ordinary".into()),
                    defect_codes_version: Some(rules.defect_codes.version.clone()),
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
    diesel::sql_query("ANALYZE").execute(&mut *conn)?;
    eprintln!("\nseeded {count} claims in {buildings} buildings in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
