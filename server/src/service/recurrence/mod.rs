//! Defects that come back (issue 32, Art. 30): the earlier claims of a defect, the building's
//! Art. 30 register (opened when a repair completes and makes the defect a candidate, decided by
//! the bureau), the early warnings (`warnings`) and the insights pages' figures (`insights`).

pub mod insights;
mod kept;
pub mod warnings;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::claims::{self as claims_db, ClaimRow};
use crate::db::recurrence::{self as db, EntryRow, Scope};
use crate::db::{files as files_db, notify, registry as reg, DbConnection};
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::defects::Kind;
use crate::domain::lifecycle::{Act, ClaimState};
use crate::domain::recurrence::{
    self, Earlier, EntryDecision, EntryStatus, Link, RecurrenceSettings, Severity,
};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::{category_name, Code, Lang, Notice};
use crate::service::claims::code_name;
use crate::service::{text, utc, Caller, Context};

/// The earlier claims of a claim's defect key, as the rules read them.
pub(crate) fn earlier_of(conn: &mut DbConnection, row: &ClaimRow) -> AppResult<Vec<Earlier>> {
    let day = |at| shanghai_date(utc(at));
    Ok(claims_db::same_defect(conn, row)?
        .into_iter()
        .map(|(claim_id, filed_at, state, received, duplicate_of)| Earlier {
            claim_id,
            filed_on: day(filed_at),
            open: received.is_none()
                && !matches!(
                    state,
                    ClaimState::DeveloperNotified | ClaimState::Closed | ClaimState::Rejected
                ),
            repaired_on: received.map(day),
            duplicate: duplicate_of.is_some(),
        })
        .collect())
}

/// Links a coded claim to the earlier claims of its defect: the open one it duplicates, or the
/// repair completed within the window that it repeats.
pub(crate) fn link_same_defect(
    conn: &mut DbConnection,
    row: &mut ClaimRow,
    settings: &RecurrenceSettings,
) -> AppResult<()> {
    let earlier = earlier_of(conn, row)?;
    row.duplicate_of = None;
    row.repeat_of = None;
    match recurrence::link(shanghai_date(utc(row.filed_at)), &earlier, settings) {
        Link::DuplicateOf(id) => row.duplicate_of = Some(id),
        Link::RepeatOf { claim_id, .. } => row.repeat_of = Some(claim_id),
        Link::New => {}
    }
    Ok(())
}

/// When a claim's repair completes (its signed cost sheet reaches the bureau): if the defect is now
/// an Art. 30 candidate and no entry of it stands, opens one in the building's register and tells
/// the reviewers and the developer. Returns the new entry's id.
pub(crate) fn on_repair(
    conn: &mut DbConnection,
    row: &ClaimRow,
    settings: &RecurrenceSettings,
    at: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let (Some(location), Some(component)) = (&row.defect_location, &row.defect_component) else {
        return Ok(None);
    };
    let severity = row.severity.as_deref().and_then(|s| s.parse().ok()).unwrap_or(Severity::Ordinary);
    let earlier = earlier_of(conn, row)?;
    let filed_on = shanghai_date(utc(row.filed_at));
    let link = match (&row.duplicate_of, &row.repeat_of) {
        (Some(of), _) => Link::DuplicateOf(of.clone()),
        (None, Some(of)) => {
            earlier.iter().find(|e| &e.claim_id == of).and_then(|e| e.repaired_on).map_or(Link::New, |on| {
                Link::RepeatOf { claim_id: of.clone(), days_after: (filed_on - on).num_days() }
            })
        }
        (None, None) => Link::New,
    };
    let today = shanghai_date(at);
    let Some(reason) =
        recurrence::art30_candidate(&link, severity, &earlier, Some(today), row.warranty_last_day, settings)
    else {
        return Ok(None);
    };
    let (unit, category) = (row.unit_id.as_deref(), row.category);
    if db::standing_entry(conn, &row.building_id, unit, category, location, component)?.is_some() {
        return Ok(None);
    }
    let counted: Vec<&str> = earlier
        .iter()
        .filter(|e| !e.duplicate && e.repaired_on.is_some_and(|d| d <= row.warranty_last_day))
        .map(|e| e.claim_id.as_str())
        .chain(std::iter::once(row.id.as_str()))
        .collect();
    let entry = EntryRow {
        id: crate::db::accounts::new_id(),
        jurisdiction: row.jurisdiction.clone(),
        building_id: row.building_id.clone(),
        category,
        unit_id: row.unit_id.clone(),
        defect_location: location.clone(),
        defect_component: component.clone(),
        claim_id: row.id.clone(),
        reason: reason.as_str().to_string(),
        repairs: i32::try_from(counted.len()).unwrap_or(i32::MAX),
        claim_ids: json!(counted).to_string(),
        warranty_last_day: row.warranty_last_day,
        status: EntryStatus::Open,
        opened_at: at.naive_utc(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        evidence_ids: "[]".into(),
    };
    db::insert_entry(conn, &entry)?;
    let mut told = notify::reviewers_of(conn, &row.jurisdiction)?;
    told.extend(notify::members_of(conn, &row.developer_id)?);
    notify::notify(
        conn,
        &told,
        &notify::Notify {
            notice: Notice::RegisterEntryOpened,
            claim_id: Some(&row.id),
            work_order_id: None,
            key: &entry.id,
            params: json!({"entry_id": entry.id, "repairs": counted.len()}),
        },
    )?;
    Ok(Some(entry.id))
}

/// One entry of a building's Art. 30 register, as its reader sees it.
#[derive(Serialize, ToSchema)]
pub struct RegisterEntry {
    pub id: String,
    pub building_id: String,
    pub building_name: String,
    pub estate_name: String,
    pub category: WarrantyCategory,
    pub category_name: &'static str,
    /// The unit's number, or none for the common parts.
    pub unit_number: Option<String>,
    pub location: String,
    pub location_name: String,
    pub component: String,
    pub component_name: String,
    /// The claim whose completed repair opened the entry.
    pub claim_id: String,
    /// `serious_repeat` or `repaired_times`.
    pub reason: String,
    /// Why, in the reader's language.
    pub reason_text: String,
    pub repairs: i32,
    /// The claims counted.
    pub claim_ids: Vec<String>,
    pub warranty_last_day: NaiveDate,
    /// The first day the category's refund may be paid (Art. 29), when the building has one.
    pub refund_due_on: Option<NaiveDate>,
    /// `open`, `confirmed` or `dismissed`: open and confirmed entries refuse the refund.
    pub status: EntryStatus,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    /// The decision's evidence (files the reviewer uploaded).
    pub evidence_ids: Vec<String>,
}

/// Whose register the caller reads: a reviewer's jurisdictions, a developer's buildings, all of
/// it for the administrator.
pub(crate) fn scope_of(conn: &mut DbConnection, caller: &Caller) -> AppResult<Scope> {
    Ok(match caller.role {
        Role::Admin => Scope::All,
        Role::Reviewer => Scope::Jurisdictions(reg::reviewer_jurisdictions(conn, &caller.id)?),
        Role::Developer => Scope::Developers(caller.organisation_ids.clone()),
        _ => return Err(AppError::new(Code::Forbidden)),
    })
}

/// The Art. 30 register as the caller may read it, newest first; of one building if named.
pub async fn register(
    ctx: &Context,
    caller: &Caller,
    building: Option<String>,
) -> AppResult<Vec<RegisterEntry>> {
    let user = caller.clone();
    let seasons = ctx.rules.seasons;
    ctx.db
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let rows = db::entries(conn, &scope, building.as_deref(), 500)?;
            rows.into_iter().map(|row| entry_view(conn, row, user.lang, &seasons)).collect()
        })
        .await
}

/// The entries that name a claim, for its dossier.
pub(crate) fn entries_of_claim(
    conn: &mut DbConnection,
    claim_id: &str,
    lang: Lang,
) -> AppResult<Vec<RegisterEntry>> {
    let seasons = crate::domain::coverage::SeasonSettings::default();
    db::entries_of_claim(conn, claim_id)?
        .into_iter()
        .map(|row| entry_view(conn, row, lang, &seasons))
        .collect()
}

fn entry_view(
    conn: &mut DbConnection,
    row: EntryRow,
    lang: Lang,
    seasons: &crate::domain::coverage::SeasonSettings,
) -> AppResult<RegisterEntry> {
    let (building, _) = reg::find_building(conn, &reg::Scope::All, &row.building_id)?;
    let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
    let unit_number = match &row.unit_id {
        Some(unit) => Some(reg::find_unit(conn, &reg::Scope::All, unit)?.number),
        None => None,
    };
    let refund_due_on =
        crate::service::fund::refund_window(conn, &building, row.category, seasons)?.map(|(_, due)| due);
    let reason_text = match (row.reason.as_str(), lang) {
        ("serious_repeat", Lang::ZhCn) => "严重质量问题在维修完成后短期内再次发生".to_string(),
        ("serious_repeat", Lang::En) => "A serious defect came back soon after its repair".to_string(),
        (_, Lang::ZhCn) => format!("保修期内同一部位同一问题已维修{}次", row.repairs),
        (_, Lang::En) => {
            format!("The same defect at the same place repaired {} times inside its warranty", row.repairs)
        }
    };
    Ok(RegisterEntry {
        building_name: building.name,
        estate_name: estate.name,
        category_name: category_name(row.category, lang),
        unit_number,
        location_name: code_name(Kind::Location, &row.defect_location, lang),
        component_name: code_name(Kind::Component, &row.defect_component, lang),
        claim_ids: serde_json::from_str(&row.claim_ids).unwrap_or_default(),
        evidence_ids: serde_json::from_str(&row.evidence_ids).unwrap_or_default(),
        refund_due_on,
        reason_text,
        id: row.id,
        building_id: row.building_id,
        category: row.category,
        location: row.defect_location,
        component: row.defect_component,
        claim_id: row.claim_id,
        reason: row.reason,
        repairs: row.repairs,
        warranty_last_day: row.warranty_last_day,
        status: row.status,
        opened_at: utc(row.opened_at),
        decided_at: row.decided_at.map(utc),
        decision_reason: row.decision_reason,
    })
}

/// The bureau's decision of a register entry (Art. 30).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideEntryRequest {
    /// `confirm` (the defect still impairs normal use: no refund) or `dismiss` (it does not).
    pub decision: EntryDecision,
    #[schema(max_length = 2000)]
    pub reason: String,
    /// Files the reviewer uploaded that show it: an inspection report, photos (one or more).
    pub evidence: Vec<String>,
}

/// The bureau confirms or dismisses an entry of its register, with a reason and evidence; the
/// claim that opened it records the decision in its timeline, and the developer is told.
pub async fn decide(
    ctx: &Context,
    caller: &Caller,
    id: String,
    req: DecideEntryRequest,
) -> AppResult<RegisterEntry> {
    let user = caller.clone();
    let reason = text(&req.reason, "reason", 2000)?;
    if req.evidence.is_empty() || req.evidence.len() > 20 {
        return Err(AppError::invalid("evidence"));
    }
    let evidence =
        req.evidence.iter().map(|e| crate::service::parse_id(e)).collect::<AppResult<Vec<String>>>()?;
    let id = crate::service::parse_id(&id)?;
    let seasons = ctx.rules.seasons;
    ctx.db
        .write(move |conn| {
            let mut row = db::find_entry(conn, &id)?.ok_or(AppError::new(Code::NotFound))?;
            let Scope::Jurisdictions(mine) = scope_of(conn, &user)? else {
                return Err(AppError::new(Code::Forbidden));
            };
            if !mine.contains(&row.jurisdiction) {
                return Err(AppError::new(Code::NotFound));
            }
            let next = row.status.decide(req.decision).ok_or_else(|| {
                AppError::new(Code::StepOutOfOrder).detail(format!("Art. 30: {}", row.status))
            })?;
            files_db::require_own_files(conn, &user.id, &evidence)?;
            row.status = next;
            row.decided_by = Some(user.id.clone());
            row.decided_at = Some(crate::db::accounts::now());
            row.decision_reason = Some(reason.clone());
            row.evidence_ids = json!(evidence).to_string();
            db::save_decision(conn, &row)?;
            let claim = claims_db::find_claim(conn, &crate::db::claims::ClaimScope::All, &row.claim_id)?;
            let detail = json!({"entry_id": row.id, "decision": req.decision, "reason": reason});
            claims_db::append_audit(
                conn,
                &claim.id,
                &user.actor(None),
                Act::RegisterDecided,
                Some(claim.state),
                claim.state,
                detail,
            )?;
            for file in &evidence {
                claims_db::attach_evidence(conn, &claim.id, file, "inspection_report", &user.id)?;
            }
            let developer = notify::members_of(conn, &claim.developer_id)?;
            notify::notify(
                conn,
                &developer,
                &notify::Notify {
                    notice: Notice::RegisterEntryDecided,
                    claim_id: Some(&claim.id),
                    work_order_id: None,
                    key: &format!("{}:{}", row.id, row.status),
                    params: json!({"entry_id": row.id, "status": row.status}),
                },
            )?;
            entry_view(conn, row, user.lang, &seasons)
        })
        .await
}

/// The entries of a building's category that refuse its refund (Art. 29-30), as the refund reads them.
pub(crate) fn refund_refused_by(
    conn: &mut DbConnection,
    building_id: &str,
    category: WarrantyCategory,
) -> AppResult<Option<String>> {
    let standing = db::entries_holding(conn, building_id, category)?;
    Ok((!standing.is_empty()).then(|| {
        let ids: Vec<&str> = standing.iter().map(|e| e.id.as_str()).collect();
        format!("Art. 29-30: {}", ids.join(", "))
    }))
}

/// The bureau's correction of a claim's defect coding (issue 32).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecodeRequest {
    /// The claim's version the reviewer saw.
    pub version: i32,
    #[schema(example = "roof")]
    pub location: String,
    #[schema(example = "waterproofing")]
    pub component: String,
    pub severity: Severity,
    /// Why the coding changes: kept in the claim's timeline.
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// The bureau corrects a claim's coding with a reason: the new codes come from the current list,
/// the change and its reason go into the claim's timeline, and the claim is linked again to the
/// earlier claims of its defect as now coded.
pub async fn recode(ctx: &Context, caller: &Caller, claim_id: String, req: RecodeRequest) -> AppResult<()> {
    let user = caller.clone();
    let reason = text(&req.reason, "reason", 2000)?;
    let codes = &ctx.rules.defect_codes;
    if !codes.offers(Kind::Location, &req.location) {
        return Err(AppError::invalid("location"));
    }
    if !codes.offers(Kind::Component, &req.component) {
        return Err(AppError::invalid("component"));
    }
    let rules = ctx.rules.clone();
    ctx.db
        .write(move |conn| {
            if user.role != Role::Reviewer {
                return Err(AppError::new(Code::StepNotForRole));
            }
            let mut row = crate::service::policy::visible_claim(conn, &user, &claim_id)?;
            if row.version != req.version {
                return Err(AppError::new(Code::StaleVersion).detail(row.version.to_string()));
            }
            let coding = |l: &Option<String>, c: &Option<String>, s: &Option<String>| {
                json!({"location": l, "component": c, "severity": s})
            };
            let from = coding(&row.defect_location, &row.defect_component, &row.severity);
            row.defect_location = Some(req.location.clone());
            row.defect_component = Some(req.component.clone());
            row.severity = Some(req.severity.as_str().to_string());
            row.defect_codes_version = Some(rules.defect_codes.version.clone());
            let settings = *rules.recurrence.of(&row.jurisdiction);
            link_same_defect(conn, &mut row, &settings)?;
            let to = coding(&row.defect_location, &row.defect_component, &row.severity);
            claims_db::save_step(conn, &mut row)?;
            let detail = json!({"from": from, "to": to, "reason": reason});
            claims_db::append_audit(conn, &row.id, &user.actor(None), Act::DefectRecoded, Some(row.state), row.state, detail)?;
            Ok(())
        })
        .await
}
