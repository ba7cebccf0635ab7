//! The demo estate: a housing bureau, a developer, a property manager and a repair unit in Jinan's
//! Lixia district, three buildings of different classes, forty units with owners, and the demo
//! accounts. Loading is idempotent: everything is found by its natural key before it is created.

use std::collections::HashMap;

use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::password;
use crate::db::accounts::{self, new_id, now, NewUser};
use crate::db::registry::{self as reg, BuildingRow, EstateRow, OrganisationRow, UnitRow};
use crate::db::{fund, write_transaction, Db};
use crate::domain::deposit;
use crate::domain::ledger::{self, EntryKind};
use crate::domain::registry::{BuildingClass, OrgKind, Role};
use crate::error::{AppError, AppResult};

/// The fixture shipped with the binary.
pub const DEMO_ESTATE: &str = include_str!("../../fixtures/demo-estate.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(rename = "_comment")]
    _comment: Option<String>,
    password: String,
    organisations: Vec<Org>,
    staff: Vec<Person>,
    estate: Estate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Org {
    key: String,
    kind: OrgKind,
    name: String,
    jurisdiction: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    username: String,
    display_name: String,
    #[serde(default = "owner_role")]
    role: Role,
    organisation: Option<String>,
    phone: Option<String>,
}

fn owner_role() -> Role {
    Role::Owner
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Estate {
    name: String,
    address: String,
    jurisdiction: String,
    developer: String,
    property_manager: Option<String>,
    buildings: Vec<Building>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Building {
    name: String,
    class: BuildingClass,
    construction_cost: Money,
    design_life_years: i32,
    handover_date: Option<NaiveDate>,
    units: Vec<Unit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unit {
    number: String,
    floor: i32,
    owner: Person,
}

/// What a load created, for the CLI to report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub organisations: usize,
    pub users: usize,
    pub buildings: usize,
    pub units: usize,
    pub deposits: usize,
}

/// Loads a fixture (the shipped demo estate unless given another) in one transaction.
pub fn load(db: &Db, fixture_json: &str) -> anyhow::Result<LoadReport> {
    let fixture: Fixture = serde_json::from_str(fixture_json)?;
    // One hash for every demo account: they share a password, and hashing forty times would only
    // slow the load down.
    let hash = password::hash(&fixture.password)?;
    let mut conn = db.conn()?;
    Ok(write_transaction(&mut conn, |conn| load_in(conn, &fixture, &hash))?)
}

fn load_in(conn: &mut crate::db::DbConnection, fixture: &Fixture, hash: &str) -> AppResult<LoadReport> {
    let mut report = LoadReport::default();
    let mut orgs: HashMap<&str, String> = HashMap::new();
    for org in &fixture.organisations {
        let id = match reg::organisation_id_by_name(conn, org.kind, &org.name)? {
            Some(id) => id,
            None => {
                let id = new_id();
                reg::insert_organisation(
                    conn,
                    &OrganisationRow {
                        id: id.clone(),
                        kind: org.kind.as_str().into(),
                        name: org.name.clone(),
                        jurisdiction: org.jurisdiction.clone(),
                        created_at: now(),
                    },
                )?;
                report.organisations += 1;
                id
            }
        };
        orgs.insert(org.key.as_str(), id);
    }
    let org = |key: &str| {
        orgs.get(key).cloned().ok_or_else(|| AppError::invalid("organisation").detail(key.to_string()))
    };

    for person in &fixture.staff {
        let org_id = person.organisation.as_deref().map(org).transpose()?;
        ensure_user(conn, person, hash, org_id.as_deref(), &mut report)?;
    }

    let e = &fixture.estate;
    let estate_id = match reg::estate_id_by_name(conn, &e.jurisdiction, &e.name)? {
        Some(id) => id,
        None => {
            let id = new_id();
            reg::insert_estate(
                conn,
                &EstateRow {
                    id: id.clone(),
                    name: e.name.clone(),
                    address: e.address.clone(),
                    jurisdiction: e.jurisdiction.clone(),
                    developer_id: org(&e.developer)?,
                    property_manager_id: e.property_manager.as_deref().map(org).transpose()?,
                    created_at: now(),
                },
            )?;
            id
        }
    };
    let reviewer = accounts::find_user_by_username(conn, "reviewer")?.map(|u| u.id);
    for b in &e.buildings {
        let building_id = match reg::building_id_by_name(conn, &estate_id, &b.name)? {
            Some(id) => id,
            None => {
                let id = new_id();
                reg::insert_building(
                    conn,
                    &BuildingRow {
                        id: id.clone(),
                        estate_id: estate_id.clone(),
                        name: b.name.clone(),
                        class: b.class.as_str().into(),
                        construction_cost_fen: b.construction_cost.to_fen(),
                        design_life_years: b.design_life_years,
                        handover_date: b.handover_date,
                        created_at: now(),
                    },
                )?;
                report.buildings += 1;
                id
            }
        };
        for u in &b.units {
            let unit_id = match reg::unit_id_by_number(conn, &building_id, &u.number)? {
                Some(id) => id,
                None => {
                    let id = new_id();
                    reg::insert_unit(
                        conn,
                        &UnitRow {
                            id: id.clone(),
                            building_id: building_id.clone(),
                            number: u.number.clone(),
                            floor: u.floor,
                            created_at: now(),
                        },
                    )?;
                    report.units += 1;
                    id
                }
            };
            let owner_id = ensure_user(conn, &u.owner, hash, None, &mut report)?;
            reg::add_unit_owner(conn, &unit_id, &owner_id)?;
        }
        if let (Some(handover), Some(reviewer)) = (b.handover_date, &reviewer) {
            let developer = org(&e.developer)?;
            if deposit_paid_before_handover(
                conn,
                &building_id,
                b,
                handover,
                &e.jurisdiction,
                &developer,
                reviewer,
            )? {
                report.deposits += 1;
            }
        }
    }
    Ok(report)
}

/// The deposit each demo building paid in full, on time, a fortnight before its hand-over
/// (Art. 12), with its journal entries and certificate. Nothing if a notice exists already.
fn deposit_paid_before_handover(
    conn: &mut crate::db::DbConnection,
    building_id: &str,
    b: &Building,
    handover: NaiveDate,
    jurisdiction: &str,
    developer_id: &str,
    reviewer_id: &str,
) -> AppResult<bool> {
    if fund::notice_of(conn, building_id)?.is_some() {
        return Ok(false);
    }
    let assessment = deposit::assess(b.class, b.construction_cost, &deposit::Reductions::default())
        .map_err(|e| AppError::invalid("construction_cost").detail(e.to_string()))?;
    let due_on = handover - chrono::Duration::days(14);
    let notified = (due_on - chrono::Duration::days(30)).and_hms_opt(2, 0, 0).unwrap_or_default();
    let notice = fund::NoticeRow {
        id: new_id(),
        building_id: building_id.into(),
        jurisdiction: jurisdiction.into(),
        developer_id: developer_id.into(),
        cost_fen: b.construction_cost.to_fen(),
        class: b.class.as_str().into(),
        rate: assessment.rate.normalize().to_string(),
        reductions: r#"{"insured":false,"certification":null,"award":null,"credit_points":null}"#.into(),
        amount_fen: assessment.amount.to_fen(),
        due_on,
        notified_at: notified,
        objection_due_on: notified.date() + chrono::Duration::days(7),
        status: "paid".into(),
        objection: None,
        objected_at: None,
        recheck_note: None,
        rechecked_at: None,
        paid_fen: assessment.amount.to_fen(),
        late_fee_fen: 0,
        certificate_number: Some(format!(
            "BXJ-{jurisdiction}-{}-DEMO{}",
            chrono::Datelike::year(&due_on),
            &building_id[..8].to_uppercase()
        )),
        version: 1,
    };
    fund::insert_notice(conn, &notice, &[])?;
    fund::insert_payment(
        conn,
        &fund::PaymentRow {
            id: new_id(),
            notice_id: notice.id.clone(),
            amount_fen: notice.amount_fen,
            paid_on: due_on,
            bank_reference: format!("DEMO-{}", &building_id[..8]),
            late_fee_fen: 0,
            recorded_by: reviewer_id.into(),
            recorded_at: now(),
        },
    )?;
    fund::post(
        conn,
        &fund::Posting {
            jurisdiction,
            building_id,
            kind: EntryKind::Deposit,
            entry_date: due_on,
            claim_id: None,
            reason: "deposit (Art. 12)",
            recorded_by: reviewer_id,
        },
        &ledger::shares(assessment.amount),
    )?;
    Ok(true)
}

fn ensure_user(
    conn: &mut crate::db::DbConnection,
    person: &Person,
    hash: &str,
    organisation_id: Option<&str>,
    report: &mut LoadReport,
) -> AppResult<String> {
    let id = match accounts::find_user_by_username(conn, &person.username)? {
        Some(user) => user.id,
        None => {
            let id = new_id();
            accounts::insert_user(
                conn,
                &NewUser {
                    id: &id,
                    username: &person.username,
                    display_name: &person.display_name,
                    phone: person.phone.as_deref(),
                    password_hash: hash,
                    role: person.role.as_str(),
                    active: true,
                    failed_logins: 0,
                    created_at: now(),
                },
            )?;
            report.users += 1;
            id
        }
    };
    if let Some(org) = organisation_id {
        reg::add_membership(conn, org, &id)?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_loads_once_and_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/demo.db", dir.path().display()), 2).unwrap();
        let first = load(&db, DEMO_ESTATE).unwrap();
        assert_eq!(first.organisations, 4);
        assert_eq!(first.buildings, 3);
        assert_eq!(first.units, 40);
        assert_eq!(first.users, 7 + 40);
        assert_eq!(first.deposits, 3, "each building paid its deposit before hand-over");
        assert_eq!(load(&db, DEMO_ESTATE).unwrap(), LoadReport::default());
    }
}
