//! What the other parties' own pages show, each read in one transaction: an applicant's units with
//! their warranties and their claims; a developer's requests to repair, usage notices and deposit
//! notices; a repair unit's designated claims and work orders. The steps they take from those pages
//! are the API's own use cases (`service::claims`, `service::work_orders`, `service::fund`); a
//! claim's own page is the dossier every party shares (`console::dossier`).

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};

use crate::db::claims as db;
use crate::db::registry::{self as reg, BuildingRow};
use crate::db::DbConnection;
use crate::domain::coverage::{self, BuildingWarranty, SeasonSettings, WarrantyCategory};
use crate::domain::ids::WorkOrderId;
use crate::domain::lifecycle::ClaimState;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::claims::{responses, with_progress, ClaimResponse};
use crate::service::fund::{notice_view, usage_notice_in, NoticeView, UsageNotice};
use crate::service::policy::{self, Caller};
use crate::service::work_orders::{self, WorkOrderView};
use crate::service::Context;

/// Claims a party's home page lists, newest first.
const HOME_CLAIMS: i64 = 100;

/// A building as people name it.
#[derive(Clone)]
pub struct Place {
    pub building_id: String,
    pub estate_id: String,
    pub estate: String,
    pub building: String,
}

/// An owner's unit with the last day of each category's warranty (Art. 18), from its building's
/// hand-over; `None` where no period runs (before hand-over, or an item the contract must set).
pub struct UnitWarranty {
    pub unit_id: String,
    pub number: String,
    pub place: Place,
    pub handover: Option<NaiveDate>,
    pub ends: Vec<(WarrantyCategory, Option<NaiveDate>)>,
}

/// An owner's or a property manager's home: where they may file and what they filed.
pub struct ApplicantHome {
    pub units: Vec<UnitWarranty>,
    /// The buildings whose common parts the caller may claim for: a property manager's estates,
    /// or the estate of an owners' committee the owner sits on (Art. 20).
    pub common_parts: Vec<Place>,
    pub claims: Vec<ClaimResponse>,
    pub places: Vec<Place>,
    /// The caller's organisation is designated to repair one of these claims (a property manager,
    /// Art. 21): its repairs are its to open.
    pub designated: bool,
}

/// A developer's home.
pub struct DeveloperHome {
    /// The developer's claims, newest first; those waiting on the developer say so.
    pub claims: Vec<ClaimResponse>,
    /// What the fund paid for each settled claim (Art. 26).
    pub usage_notices: Vec<UsageNotice>,
    /// Each building's deposit notice, once notified (Art. 10-11).
    pub deposits: Vec<(Place, NoticeView)>,
    pub places: Vec<Place>,
}

/// A repair unit's home.
pub struct RepairHome {
    /// The claims the bureau designated the caller's unit to repair.
    pub claims: Vec<ClaimResponse>,
    pub work_orders: Vec<WorkOrderView>,
    /// What the bureau paid the unit: (claim id, amount, paid on, bank reference).
    pub payments: Vec<(String, Money, NaiveDate, String)>,
    pub places: Vec<Place>,
}

fn place(building: &BuildingRow, estate_id: String, estate: String) -> Place {
    Place { building_id: building.id.clone(), estate_id, estate, building: building.name.clone() }
}

fn warranty_ends(
    building: &BuildingRow,
    seasons: &SeasonSettings,
) -> Vec<(WarrantyCategory, Option<NaiveDate>)> {
    WarrantyCategory::ALL
        .iter()
        .map(|category| {
            let end = building.handover_date.and_then(|handover| {
                let warranty = BuildingWarranty::of_building(handover, building.design_life_years);
                coverage::warranty_until(*category, &warranty, seasons).ok().map(|c| c.last_day)
            });
            (*category, end)
        })
        .collect()
}

/// The claims the caller may see, newest first, and the places they name.
fn claims_and_places(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &db::ClaimFilter,
) -> AppResult<(crate::service::claims::WithProgress, Vec<Place>)> {
    let scope = policy::claim_scope(conn, caller)?;
    let rows = db::list_claims(conn, &scope, filter, HOME_CLAIMS, 0)?;
    let mut ids: Vec<&str> = rows.iter().map(|r| r.building_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut places = Vec::new();
    for id in ids {
        let (estate, building, _) = reg::place_names(conn, id, None)?;
        places.push(Place { building_id: id.to_string(), estate_id: String::new(), estate, building });
    }
    Ok((with_progress(conn, rows)?, places))
}

fn only(caller: &Caller, roles: &[Role]) -> AppResult<()> {
    if roles.contains(&caller.role) {
        Ok(())
    } else {
        Err(AppError::new(Code::Forbidden))
    }
}

/// An owner's or property manager's home page.
pub async fn applicant_home(ctx: &Context, caller: &Caller) -> AppResult<ApplicantHome> {
    only(caller, &[Role::Owner, Role::PropertyManager])?;
    let who = caller.clone();
    let seasons = ctx.rules.seasons;
    let (units, common_parts, claims, places) = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &who.viewer())?;
            let buildings = reg::visible_buildings(conn, &scope)?;
            let mut units = Vec::new();
            for unit in reg::my_units(conn, &who.id)? {
                let Some((building, estate_id, estate)) =
                    buildings.iter().find(|(b, _, _)| b.id == unit.building_id)
                else {
                    continue;
                };
                units.push(UnitWarranty {
                    unit_id: unit.id,
                    number: unit.number,
                    place: place(building, estate_id.clone(), estate.clone()),
                    handover: building.handover_date,
                    ends: warranty_ends(building, &seasons),
                });
            }
            // A property manager claims for its estates' common parts; an owner for those of an
            // estate whose owners' committee they sit on. Each estate's committee is read once.
            let mut on_committee: std::collections::HashMap<String, bool> = Default::default();
            let mut common_parts = Vec::new();
            for (building, estate_id, estate) in &buildings {
                let may = match (who.role, on_committee.get(estate_id)) {
                    (Role::PropertyManager, _) => true,
                    (_, Some(member)) => *member,
                    (_, None) => {
                        let member = reg::committee_of(conn, estate_id)?
                            .is_some_and(|(_, members)| members.contains(&who.id));
                        on_committee.insert(estate_id.clone(), member);
                        member
                    }
                };
                if may {
                    common_parts.push(place(building, estate_id.clone(), estate.clone()));
                }
            }
            let (claims, places) = claims_and_places(conn, &who, &db::ClaimFilter::default())?;
            Ok::<_, AppError>((units, common_parts, claims, places))
        })
        .await?;
    let claims = responses(claims, caller, HOME_CLAIMS, 0)?.items;
    let designated = claims
        .iter()
        .any(|c| c.repair_unit_id.as_ref().is_some_and(|unit| caller.organisation_ids.contains(unit)));
    Ok(ApplicantHome { units, common_parts, claims, places, designated })
}

/// A developer's home page.
pub async fn developer_home(ctx: &Context, caller: &Caller) -> AppResult<DeveloperHome> {
    only(caller, &[Role::Developer])?;
    let who = caller.clone();
    let (claims, places, usage_notices, deposits) = ctx
        .db
        .read(move |conn| {
            let (claims, places) = claims_and_places(conn, &who, &db::ClaimFilter::default())?;
            let mut usage_notices = Vec::new();
            for row in claims.0.iter().filter(|r| r.state == ClaimState::DeveloperNotified) {
                usage_notices.push(usage_notice_in(conn, &who, &row.id)?);
            }
            let scope = reg::scope(conn, &who.viewer())?;
            let mut deposits = Vec::new();
            for (building, estate_id, estate) in reg::visible_buildings(conn, &scope)? {
                if let Some(notice) = crate::db::fund::notice_of(conn, &building.id)? {
                    deposits.push((place(&building, estate_id, estate), notice_view(conn, notice)?));
                }
            }
            Ok::<_, AppError>((claims, places, usage_notices, deposits))
        })
        .await?;
    let claims = responses(claims, caller, HOME_CLAIMS, 0)?.items;
    Ok(DeveloperHome { claims, usage_notices, deposits, places })
}

/// A repair unit's home page: its technicians and its office alike.
pub async fn repair_home(ctx: &Context, caller: &Caller) -> AppResult<RepairHome> {
    only(caller, &[Role::Technician, Role::PropertyManager])?;
    let who = caller.clone();
    let (claims, places, (work_orders, payments)) = ctx
        .db
        .read(move |conn| {
            let filter = db::ClaimFilter::default();
            let (mut claims, places) = claims_and_places(conn, &who, &filter)?;
            // A property manager sees its estates' claims too; this page is the ones it repairs.
            claims.0.retain(|row| policy::is_designated_unit(&who, row));
            let ids: Vec<String> = claims.0.iter().map(|r| r.id.clone()).collect();
            let (mut orders, mut payments) = (Vec::new(), Vec::new());
            for id in &ids {
                orders.extend(work_orders::of_claim(conn, &who, id)?);
                if let Some(p) = db::payout_of(conn, id)?.filter(|p| p.payee == "repair_unit") {
                    payments.push((id.clone(), Money::from_fen(p.amount_fen), p.paid_on, p.bank_reference));
                }
            }
            orders.sort_by_key(|o| (!o.urgent, o.window_start, o.created_at));
            payments.sort_by_key(|p| std::cmp::Reverse(p.2));
            Ok::<_, AppError>((claims, places, (orders, payments)))
        })
        .await?;
    let claims = responses(claims, caller, HOME_CLAIMS, 0)?.items;
    Ok(RepairHome { claims, work_orders, payments, places })
}

/// A work order as its repair unit's office handles it.
pub struct WorkOrderPage {
    pub order: WorkOrderView,
    /// Whom it may be assigned to: the unit's technicians and staff, (id, name).
    pub colleagues: Vec<(String, String)>,
    /// The claim's place: estate, building and unit.
    pub place: (String, String, Option<String>),
    pub claim_state: ClaimState,
}

/// One work order of the caller's unit, with whom it may go to.
pub async fn work_order_page(ctx: &Context, caller: &Caller, id: &WorkOrderId) -> AppResult<WorkOrderPage> {
    only(caller, &[Role::Technician, Role::PropertyManager])?;
    let (who, id) = (caller.clone(), id.to_string());
    ctx.db
        .read(move |conn| {
            let order = work_orders::one_in(conn, &who, &id)?;
            let colleagues = work_orders::assignable(conn, &order.repair_unit_id)?;
            let claim = policy::visible_claim(conn, &who, &order.claim_id)?;
            let place = reg::place_names(conn, &claim.building_id, claim.unit_id.as_deref())?;
            Ok(WorkOrderPage { order, colleagues, place, claim_state: claim.state })
        })
        .await
}

/// Today in Shanghai, for the pages' deadlines.
pub fn today() -> NaiveDate {
    crate::domain::deadlines::shanghai_date(Utc::now())
}
