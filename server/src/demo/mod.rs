//! The demo estate: a housing bureau, a developer, a property manager and a repair unit in Jinan's
//! Lixia district, three buildings of different classes, forty units with owners, and the demo
//! accounts. Loading is idempotent: everything is found by its natural key before it is created.

pub mod claims;

use std::collections::HashMap;

use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::password;
use crate::db::accounts;
use crate::db::registry as reg;
use crate::db::{fund, write_transaction, Db};
use crate::domain::ids::{BuildingId, EstateId, UnitId};
use crate::domain::registry::{BuildingClass, OrgKind, Role};
use crate::domain::rules::RuleSettings;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{check_new_account, create_account_in, CreateUserRequest};
use crate::service::fund::{notify_deposit_in, record_payment_in, DepositNoticeRequest, PaymentRequest};
use crate::service::registry::{
    add_owner_in, create_building_in, create_estate_in, create_organisation_in, create_unit_in,
    CreateBuilding, CreateEstate, CreateOrganisation, CreateUnit, UserRef,
};
use crate::service::Caller;

/// The fixture shipped with the binary.
pub const DEMO_ESTATE: &str = include_str!("../../../fixtures/demo-estate.json");

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
    /// Of the organisation's office (a repair unit's dispatcher).
    #[serde(default)]
    office: bool,
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
    /// Days before the load's day that the building was handed over: the demo is as fresh in 2036
    /// as in 2026, its warranties as far from their ends.
    handover_days_ago: Option<u32>,
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

/// Loads a fixture (the shipped demo estate unless given another) in one transaction, its dates
/// counted back from `today` (Shanghai's calendar day of the load).
pub fn load(
    db: &Db,
    rules: &RuleSettings,
    fixture_json: &str,
    today: NaiveDate,
) -> anyhow::Result<LoadReport> {
    let fixture: Fixture = serde_json::from_str(fixture_json)?;
    // One hash for every demo account: they share a password, and hashing forty times would only
    // slow the load down.
    let hash = password::hash(&fixture.password)?;
    let mut conn = db.conn()?;
    Ok(write_transaction(&mut conn, |conn| load_in(conn, rules, &fixture, &hash, today))?)
}

fn load_in(
    conn: &mut crate::db::DbConnection,
    rules: &RuleSettings,
    fixture: &Fixture,
    hash: &str,
    today: NaiveDate,
) -> AppResult<LoadReport> {
    let mut report = LoadReport::default();
    // The administrator comes first: it registers everything else, through the same use cases as
    // `POST /organisations`, `/estates`, `/buildings` and `/units`.
    let mut admin = None;
    for person in fixture.staff.iter().filter(|p| p.organisation.is_none()) {
        let id = ensure_user(conn, person, &fixture.password, hash, None, &mut report)?;
        if person.role == Role::Admin {
            admin = Some(Caller::of_account(conn, &id)?);
        }
    }
    let admin = admin.ok_or_else(|| AppError::invalid("staff").detail("the demo needs an administrator"))?;
    let mut orgs: HashMap<&str, String> = HashMap::new();
    for org in &fixture.organisations {
        let id = match reg::organisation_id_by_name(conn, org.kind, &org.name)? {
            Some(id) => id,
            None => {
                report.organisations += 1;
                let new = CreateOrganisation {
                    kind: org.kind,
                    name: org.name.clone(),
                    jurisdiction: org.jurisdiction.clone(),
                };
                create_organisation_in(conn, new)?.id
            }
        };
        orgs.insert(org.key.as_str(), id);
    }
    let org = |key: &str| {
        orgs.get(key).cloned().ok_or_else(|| AppError::invalid("organisation").detail(key.to_string()))
    };

    for person in fixture.staff.iter().filter(|p| p.organisation.is_some()) {
        let org_id = person.organisation.as_deref().map(org).transpose()?;
        ensure_user(conn, person, &fixture.password, hash, org_id.as_deref(), &mut report)?;
    }

    let e = &fixture.estate;
    let estate_id = match reg::estate_id_by_name(conn, &e.jurisdiction, &e.name)? {
        Some(id) => id,
        None => {
            let new = CreateEstate {
                name: e.name.clone(),
                address: e.address.clone(),
                jurisdiction: e.jurisdiction.clone(),
                developer_id: org(&e.developer)?,
                property_manager_id: e.property_manager.as_deref().map(org).transpose()?,
            };
            create_estate_in(conn, &admin, new)?.id
        }
    };
    let estate_id: EstateId = estate_id.parse().map_err(AppError::internal)?;
    let reviewer = match accounts::find_user_by_username(conn, "reviewer")? {
        Some(user) => Some(Caller::of_account(conn, &user.id)?),
        None => None,
    };
    for b in &e.buildings {
        let handover_date = b.handover_days_ago.map(|days| today - chrono::Days::new(days.into()));
        let building_id = match reg::building_id_by_name(conn, &estate_id, &b.name)? {
            Some(id) => id,
            None => {
                report.buildings += 1;
                let new = CreateBuilding {
                    name: b.name.clone(),
                    class: b.class,
                    construction_cost: b.construction_cost,
                    design_life_years: b.design_life_years,
                    handover_date,
                };
                create_building_in(conn, &admin, &estate_id, new)?.id
            }
        };
        let building_id: BuildingId = building_id.parse().map_err(AppError::internal)?;
        for u in &b.units {
            let unit_id = match reg::unit_id_by_number(conn, &building_id, &u.number)? {
                Some(id) => id,
                None => {
                    report.units += 1;
                    let new = CreateUnit { number: u.number.clone(), floor: u.floor };
                    create_unit_in(conn, &admin, &building_id, new)?.id
                }
            };
            let unit_id: UnitId = unit_id.parse().map_err(AppError::internal)?;
            let owner_id = ensure_user(conn, &u.owner, &fixture.password, hash, None, &mut report)?;
            add_owner_in(conn, &admin, &unit_id, UserRef { user_id: owner_id })?;
        }
        if let (Some(handover), Some(reviewer)) = (handover_date, &reviewer) {
            if deposit_paid_before_handover(conn, rules, &building_id, handover, reviewer)? {
                report.deposits += 1;
            }
        }
    }
    Ok(report)
}

/// The deposit each demo building paid in full, on time, a fortnight before its hand-over
/// (Art. 12): notified by the demo reviewer a month before and paid on its due date, through the
/// same use cases the bureau's API calls, so it gets its journal entries and certificate like any
/// other. Nothing if a notice exists already.
fn deposit_paid_before_handover(
    conn: &mut crate::db::DbConnection,
    rules: &RuleSettings,
    building_id: &str,
    handover: NaiveDate,
    reviewer: &Caller,
) -> AppResult<bool> {
    if fund::notice_of(conn, building_id)?.is_some() {
        return Ok(false);
    }
    let due_on = handover - chrono::Duration::days(14);
    let notified_at = (due_on - chrono::Duration::days(30)).and_hms_opt(2, 0, 0).unwrap_or_default();
    let request =
        DepositNoticeRequest { cost: None, reductions: Default::default(), due_on, evidence: Vec::new() };
    let notice = notify_deposit_in(conn, rules, reviewer, building_id, request, notified_at)?;
    let payment = PaymentRequest {
        amount: notice.amount,
        paid_on: due_on,
        bank_reference: format!("DEMO-{}", &building_id[..8]),
    };
    record_payment_in(conn, reviewer, building_id, payment)?;
    Ok(true)
}

fn ensure_user(
    conn: &mut crate::db::DbConnection,
    person: &Person,
    password: &str,
    hash: &str,
    organisation_id: Option<&str>,
    report: &mut LoadReport,
) -> AppResult<String> {
    if let Some(user) = accounts::find_user_by_username(conn, &person.username)? {
        // Joining an organisation again changes nothing.
        if let Some(org) = organisation_id {
            reg::add_membership(conn, org, &user.id, person.office)?;
        }
        return Ok(user.id);
    }
    let request = CreateUserRequest {
        username: person.username.clone(),
        display_name: person.display_name.clone(),
        phone: person.phone.clone(),
        password: password.to_string(),
        role: person.role,
        organisation_id: organisation_id.map(str::to_owned),
    };
    check_new_account(&request)?;
    let created = create_account_in(conn, &request, hash)?;
    if let (Some(org), true) = (organisation_id, person.office) {
        reg::add_membership(conn, org, &created.id, true)?;
    }
    report.users += 1;
    Ok(created.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_loads_once_and_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/demo.db", dir.path().display()), 2).unwrap();
        let rules = crate::config::Config::default().rule_settings().unwrap();
        // The day of the load, as the server reads it: hand-overs and deposits count back from it.
        let today = crate::service::parties::today();
        let first = load(&db, &rules, DEMO_ESTATE, today).unwrap();
        assert_eq!(first.organisations, 4);
        assert_eq!(first.buildings, 3);
        assert_eq!(first.units, 40);
        assert_eq!(first.users, 7 + 40);
        assert_eq!(first.deposits, 3, "each building paid its deposit before hand-over");
        assert_eq!(load(&db, &rules, DEMO_ESTATE, today).unwrap(), LoadReport::default());
    }
}
