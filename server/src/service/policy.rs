//! Who may see what, and on whose behalf a caller may act: the one place the services ask.
//!
//! Each role sees a scope of claims (the reviewer their jurisdiction, the developer and property
//! manager their estates, the repair unit the claims it was designated for, the owner their own);
//! a party's own acts on a claim (the applicant signing, the designated unit repairing, the
//! developer answering) are checked here against the claim itself.

use crate::db::claims::{Actor, ClaimRow, ClaimScope};
use crate::db::registry::{self as reg, BuildingRow, Viewer};
use crate::db::work_orders::WorkOrderScope;
use crate::db::DbConnection;
use crate::domain::next_step::Party;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang};

/// A signed-in caller whose session is live and whose account is active.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub session_id: String,
    /// The organisations the account belongs to, read with the session.
    pub organisation_ids: Vec<String>,
    /// The language the caller reads (`Accept-Language`); texts in answers are in it.
    pub lang: Lang,
}

impl Caller {
    /// The caller as a registry viewer, for scoped reads.
    pub fn viewer(&self) -> Viewer {
        Viewer { user_id: self.id.clone(), role: self.role, organisation_ids: self.organisation_ids.clone() }
    }

    /// An account acting outside any session: the command line, or the demo loader writing the
    /// demo estate's history. It is checked like every caller.
    pub fn of_account(conn: &mut DbConnection, user_id: &str) -> AppResult<Caller> {
        let user = crate::db::accounts::find_user(conn, user_id)?.ok_or(AppError::new(Code::NotFound))?;
        Ok(Caller {
            organisation_ids: crate::db::accounts::organisation_ids(conn, &user.id)?,
            role: user.role,
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            session_id: String::new(),
            lang: Lang::ZhCn,
        })
    }

    /// The caller as the actor of a step, for the audit trail; `device` when a phone pushed it.
    pub fn actor(&self, device: Option<&str>) -> Actor {
        Actor { user_id: self.id.clone(), role: self.role, device_id: device.map(str::to_owned) }
    }
}

/// What the caller may see of claims.
pub fn claim_scope(conn: &mut DbConnection, caller: &Caller) -> AppResult<ClaimScope> {
    Ok(match caller.role {
        Role::Admin => ClaimScope::All,
        Role::Reviewer => ClaimScope::Jurisdictions(reg::reviewer_jurisdictions(conn, &caller.id)?),
        Role::Developer => ClaimScope::Developer(caller.organisation_ids.clone()),
        Role::PropertyManager => ClaimScope::PropertyManager(caller.organisation_ids.clone()),
        Role::Technician => ClaimScope::RepairUnit(caller.organisation_ids.clone()),
        Role::Owner => ClaimScope::Owner(caller.id.clone()),
    })
}

/// What the caller may see of work orders: the repair unit's staff their units' orders, the
/// reviewer those of their jurisdiction, the applicant those on their claims.
pub fn work_order_scope(conn: &mut DbConnection, caller: &Caller) -> AppResult<WorkOrderScope> {
    Ok(match caller.role {
        Role::Admin => WorkOrderScope::All,
        Role::Technician | Role::PropertyManager => {
            WorkOrderScope::RepairUnits(caller.organisation_ids.clone())
        }
        Role::Reviewer => WorkOrderScope::Jurisdictions(reg::reviewer_jurisdictions(conn, &caller.id)?),
        Role::Owner => WorkOrderScope::Applicant(caller.id.clone()),
        Role::Developer => WorkOrderScope::Nothing,
    })
}

/// The work orders the caller may change: only those of their own repair units.
pub fn own_unit_work_orders(caller: &Caller) -> WorkOrderScope {
    WorkOrderScope::RepairUnits(caller.organisation_ids.clone())
}

/// The claims the caller may send work orders for: a technician's unit's designated claims, or the
/// property manager's estates (repairing an emergency itself, Art. 25, or designated, Art. 21).
pub fn work_order_claims(caller: &Caller) -> ClaimScope {
    match caller.role {
        Role::Technician => ClaimScope::RepairUnit(caller.organisation_ids.clone()),
        _ => ClaimScope::PropertyManager(caller.organisation_ids.clone()),
    }
}

/// Whose rejected sync mutations the caller may read: everyone's for an administrator; their own
/// and, for the office of an organisation (a repair unit's dispatchers), its members'. A
/// technician does not read a colleague's payloads.
pub fn rejection_authors(conn: &mut DbConnection, caller: &Caller) -> AppResult<Option<Vec<String>>> {
    Ok(match caller.role {
        Role::Admin => None,
        _ => {
            let offices = crate::db::accounts::office_organisations(conn, &caller.id)?;
            let mut users = crate::db::accounts::members_of_any(conn, &offices)?;
            users.push(caller.id.clone());
            Some(users)
        }
    })
}

/// The claim with `id`, if the caller may see it; otherwise `not_found`, never a hint that it
/// exists.
pub fn visible_claim(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<ClaimRow> {
    let scope = claim_scope(conn, caller)?;
    crate::db::claims::find_claim(conn, &scope, id).map_err(AppError::from)
}

/// The registry as the system sees it, for lookups a use case makes on the caller's behalf once
/// the caller's own right to the claim is settled: the name of a repair unit the bureau
/// designates, the names of the units a reviewer's ratings list shows. Never for what the caller
/// asked to see.
pub fn registry_lookup() -> Viewer {
    Viewer { user_id: String::new(), role: Role::Admin, organisation_ids: Vec::new() }
}

/// Whether the caller belongs to the repair unit the bureau designated for the claim (Art. 21):
/// only its staff plan, repair and account for the work. The estate's property manager is that
/// unit only when the bureau designated it.
pub fn is_designated_unit(caller: &Caller, claim: &ClaimRow) -> bool {
    claim.repair_unit_id.as_ref().is_some_and(|unit| caller.organisation_ids.contains(unit))
}

/// Every party of the claim the caller is, in this order: its applicant, its designated repair
/// unit, its developer, a reviewer of its jurisdiction; anyone else who sees it is a bystander.
/// A property manager may be both applicant and designated unit.
pub fn parties(caller: &Caller, claim: &ClaimRow) -> Vec<Party> {
    let mut parties = Vec::new();
    if claim.applicant_id == caller.id {
        parties.push(Party::Applicant);
    }
    if is_designated_unit(caller, claim) {
        parties.push(Party::DesignatedUnit);
    }
    if caller.role == Role::Developer && caller.organisation_ids.contains(&claim.developer_id) {
        parties.push(Party::Developer);
    }
    // Only a reviewer of the claim's jurisdiction can see the claim at all.
    if caller.role == Role::Reviewer {
        parties.push(Party::Reviewer);
    }
    if parties.is_empty() {
        parties.push(Party::Bystander);
    }
    parties
}

/// Whether the caller may see the applicant's phone number: the applicant, the bureau that
/// reviews the claim and the repair unit that must book a visit; nobody else (personal data).
pub fn sees_applicant_phone(caller: &Caller, claim: &ClaimRow) -> bool {
    parties(caller, claim)
        .iter()
        .any(|p| matches!(p, Party::Applicant | Party::Reviewer | Party::DesignatedUnit))
}

/// The party the caller attaches files as (`EvidenceKind::may_attach`): the first of [`parties`].
pub fn attacher(caller: &Caller, claim: &ClaimRow) -> Party {
    parties(caller, claim)[0]
}

/// The designated repair unit acting on the claim; anyone else is `step_not_for_role` (Art. 21).
pub fn require_designated_unit(caller: &Caller, claim: &ClaimRow) -> AppResult<()> {
    if !is_designated_unit(caller, claim) {
        return Err(AppError::new(Code::StepNotForRole).detail("Art. 21"));
    }
    Ok(())
}

/// The claim's applicant acting on it: only they may sign its cost sheet or rate its repair.
pub fn require_applicant(caller: &Caller, claim: &ClaimRow, article: Option<&'static str>) -> AppResult<()> {
    if claim.applicant_id != caller.id {
        let err = AppError::new(Code::StepNotForRole);
        return Err(match article {
            Some(article) => err.detail(article),
            None => err,
        });
    }
    Ok(())
}

/// The building as the caller may see it, with its estate's jurisdiction and developer.
pub fn building_in_scope(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
) -> AppResult<(BuildingRow, String, String)> {
    let scope = reg::scope(conn, &user.viewer())?;
    let (building, jurisdiction) = reg::find_building(conn, &scope, id)?;
    let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
    Ok((building, jurisdiction, estate.developer_id))
}
