//! Filing a claim: who may apply for which part (Art. 20), whether the defect is still covered
//! (Art. 18), and the emergency path with its evidence and signed cost sheet (Art. 25).

use baoxiu_sync_protocol::cost_sheet::{check_budget, check_line_count, line_amount, LineError, LineKind};
use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::notices::{self, Event};
use super::view::{claim_response, ClaimResponse};
use crate::db::accounts::now;
use crate::db::claims::{self as db, ClaimRow, LineRow};
use crate::db::registry::{self as reg, Scope};
use crate::db::{files as files_db, DbConnection};
use crate::domain::coverage::{
    self, Applicant, ApplicantRefusal, BuildingWarranty, Defect, PartLocation, ReportDateRefused,
    WarrantyCategory,
};
use crate::domain::deadlines::shanghai_date;
use crate::domain::defects::{CodeList, Kind};
use crate::domain::evidence::EvidenceKind;
use crate::domain::lifecycle::{Claim, ClaimKind, ClaimState};
use crate::domain::next_step::Party;
use crate::domain::recurrence::Severity;
use crate::domain::registry::Role;
use crate::domain::rules::RuleSettings;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Hint};
use crate::service::Context;
use crate::service::{optional_text, parse_id, text, Caller};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    /// The id of a file the caller uploaded (`POST /files` or a finished `/uploads`).
    pub id: String,
    /// before, during, after, receipt, inspection_report or signature.
    pub kind: String,
}

// The API document's name for `LineKind`, whose wire type lives in the sync-protocol crate, which
// knows nothing of OpenAPI.
/// What a cost-sheet line pays for.
#[derive(ToSchema)]
#[schema(as = LineKind)]
#[allow(dead_code)]
pub enum LineKindName {
    #[schema(rename = "material")]
    Material,
    #[schema(rename = "labour")]
    Labour,
    #[schema(rename = "machinery")]
    Machinery,
    #[schema(rename = "other")]
    Other,
}

/// A quantity in plain decimal notation (`cost_sheet::parse_quantity`): `1e3` or `-0` are refused
/// as they arrive.
fn plain_quantity<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(de)?;
    baoxiu_sync_protocol::cost_sheet::parse_quantity(&text).map_err(serde::de::Error::custom)
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// material, labour, machinery or other.
    #[schema(value_type = LineKindName)]
    pub kind: LineKind,
    pub description: String,
    /// Unit of measure, e.g. m², 工日, 个.
    pub unit: String,
    /// Decimal string in plain notation, up to three places.
    #[schema(value_type = String, example = "12.5", pattern = r"^[0-9]+(\.[0-9]{1,3})?$")]
    #[serde(deserialize_with = "plain_quantity")]
    pub quantity: Decimal,
    pub unit_price: Money,
    /// This line's budget; zero when none. Leave it out with `plan_line`, which carries the
    /// approved plan's budget for that line.
    pub budget: Option<Money>,
    /// The line of the approved plan (numbered from 1) this line carries out (Art. 22).
    #[serde(default)]
    pub plan_line: Option<i32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceInput {
    /// What the applicant paid; must equal the cost sheet's total.
    pub amount: Money,
    pub lines: Vec<LineInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "standard", "building_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e", "unit_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e", "location": "private_part", "category": "seepage", "location_detail": "主卧卫生间顶棚", "description": "楼上卫生间渗水，顶棚发霉，墙面起皮。"}))]
pub struct FileClaim {
    pub kind: ClaimKind,
    pub building_id: String,
    /// Required for a private part.
    pub unit_id: Option<String>,
    pub location: PartLocation,
    pub category: WarrantyCategory,
    /// Where in the building, e.g. "主卧卫生间顶棚".
    #[schema(max_length = 200)]
    pub location_detail: String,
    #[schema(max_length = 4000)]
    pub description: String,
    /// When the defect was first reported; default today. Not in the future.
    pub reported_on: Option<NaiveDate>,
    /// A property manager applying for common parts without an owners' committee must apply with
    /// elected owner representatives (Art. 20).
    #[serde(default)]
    pub with_owner_representatives: bool,
    /// Their names, as they sign the application (e.g. "王建国、刘秀英"), shown on the claim; kept
    /// only with `with_owner_representatives`. The filing page asks for them.
    #[schema(max_length = 500)]
    #[serde(default)]
    pub owner_representatives: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    /// Where the defect is and in what, from the code list (`GET /defect-codes`), and how grave;
    /// the pages ask for it, an API filing without it is coded later.
    #[serde(default)]
    pub defect: Option<DefectCoding>,
    /// The repair already done and paid, for an emergency advance claim (Art. 25).
    pub advance: Option<AdvanceInput>,
}

/// A defect's coding: a location and a component offered by the code list, and a severity.
#[derive(Deserialize, serde::Serialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct DefectCoding {
    #[schema(example = "roof")]
    pub location: String,
    #[schema(example = "waterproofing")]
    pub component: String,
    pub severity: Severity,
}

/// The defect code list new claims are coded with, and its version.
pub fn defect_codes(ctx: &Context) -> CodeList {
    ctx.rules.defect_codes.clone()
}

/// Prices and bounds a sheet's lines by the shared arithmetic (`cost_sheet`): each line within its
/// maxima, the total and the budget total summed with checked arithmetic and within theirs.
pub fn priced_lines(inputs: &[LineInput]) -> AppResult<Vec<LineRow>> {
    check_line_count(inputs.len()).map_err(line_error(None))?;
    let rows = inputs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let amount = line_amount(l.quantity, l.unit_price).map_err(line_error(Some(i)))?;
            let budget = check_budget(l.budget.unwrap_or(Money::ZERO)).map_err(line_error(Some(i)))?;
            Ok(LineRow {
                cost_sheet_id: String::new(),
                line_no: i as i32 + 1,
                kind: l.kind.as_str().to_string(),
                description: text(&l.description, "lines.description", 200)?,
                unit: text(&l.unit, "lines.unit", 20)?,
                quantity: l.quantity.normalize().to_string(),
                unit_price_fen: l.unit_price.to_fen(),
                amount_fen: amount.to_fen(),
                budget_fen: budget.to_fen(),
                decision: None,
                approved_fen: None,
                decision_reason: None,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    db::sheet_totals(&rows)?;
    Ok(rows)
}

fn line_error(line: Option<usize>) -> impl Fn(LineError) -> AppError {
    move |e| {
        let detail = match line {
            Some(i) => format!("line {}: {e}", i + 1),
            None => e.to_string(),
        };
        AppError::invalid("lines").detail(detail)
    }
}

/// Files a claim for `user` (an owner or a property manager), checking every rule of Art. 18-20
/// and 25; shared by `POST /claims` and the sync protocol's `emergency_claim`.
pub(crate) fn file_in(
    conn: &mut DbConnection,
    user: &Caller,
    device_id: Option<&str>,
    rules: &RuleSettings,
    req: FileClaim,
) -> AppResult<ClaimRow> {
    let building_id = parse_id(&req.building_id)?;
    let unit_id = req.unit_id.as_deref().map(parse_id).transpose()?;
    let location_detail = text(&req.location_detail, "location_detail", 200)?;
    let description = text(&req.description, "description", 4000)?;
    let coding = req.defect.clone();
    if let Some(d) = &coding {
        let codes = &rules.defect_codes;
        if !codes.offers(Kind::Location, &d.location) {
            return Err(AppError::invalid("defect.location"));
        }
        if !codes.offers(Kind::Component, &d.component) {
            return Err(AppError::invalid("defect.component"));
        }
    }
    let representatives = match req.with_owner_representatives {
        true => optional_text(req.owner_representatives.as_deref(), "owner_representatives", 500)?,
        false => None,
    };
    let today = shanghai_date(Utc::now());
    let reported_on = req.reported_on.unwrap_or(today);
    let evidence: Vec<(String, String)> = req
        .evidence
        .iter()
        .map(|e| {
            let kind = e.kind.parse::<EvidenceKind>().map_err(|_| AppError::invalid("evidence.kind"))?;
            // What the applicant may attach to a claim just filed.
            let emergency = req.kind == ClaimKind::EmergencyAdvance;
            kind.may_attach(Party::Applicant, ClaimState::Filed, emergency)?;
            Ok((parse_id(&e.id)?, e.kind.clone()))
        })
        .collect::<AppResult<_>>()?;
    if req.advance.as_ref().is_some_and(|a| a.lines.iter().any(|l| l.plan_line.is_some())) {
        // An emergency was repaired before any plan existed (Art. 25).
        return Err(AppError::invalid("advance.lines.plan_line"));
    }
    let advance_lines = req.advance.as_ref().map(|a| priced_lines(&a.lines)).transpose()?;
    let claim = match req.kind {
        ClaimKind::Standard if req.advance.is_some() => return Err(AppError::invalid("advance")),
        ClaimKind::Standard => Claim::file(),
        // The applicant files the sheet themselves, which is their signature on it (Art. 22).
        ClaimKind::EmergencyAdvance => Claim::file_emergency(!evidence.is_empty(), advance_lines.is_some())?,
    };
    // Art. 18: the report date decides the warranty, so a date long past needs evidence, and
    // the reviewer sees it flagged beside the filing date.
    coverage::check_report_date(reported_on, today, rules.report_grace_days, !evidence.is_empty()).map_err(
        |e| match e {
            ReportDateRefused::InTheFuture => AppError::invalid("reported_on"),
            ReportDateRefused::BackdatedWithoutEvidence { days, .. } => {
                AppError::new(Code::ReportDateNeedsEvidence).detail(format!("Art. 18: {days}"))
            }
        },
    )?;
    if let (Some(advance), Some(lines)) = (&req.advance, &advance_lines) {
        let (total, _) = db::sheet_totals(lines)?;
        if advance.amount != total {
            return Err(AppError::new(Code::AdvancedAmountMismatch).detail(total.to_string()));
        }
    }
    let viewer = user.viewer();
    let actor = user.actor(device_id);
    let scope = reg::scope(conn, &viewer)?;
    let (building, _) = reg::find_building(conn, &scope, &building_id)?;
    let estate = reg::find_estate(conn, &Scope::All, &building.estate_id)?;
    let owns_the_unit = match &unit_id {
        Some(unit) => {
            let found = reg::find_unit(conn, &scope, unit)?;
            if found.building_id != building.id {
                return Err(AppError::invalid("unit_id"));
            }
            reg::my_units(conn, &viewer.user_id)?.iter().any(|u| u.id == *unit)
        }
        None => false,
    };
    if req.location == PartLocation::PrivatePart && unit_id.is_none() {
        return Err(AppError::invalid("unit_id"));
    }
    // An estate with an owners' committee: its members apply for common parts as the committee,
    // and the property manager needs no elected representatives (Art. 20).
    let committee = reg::committee_of(conn, &estate.id)?;
    let on_committee = committee.as_ref().is_some_and(|(_, members)| members.contains(&viewer.user_id));
    let who = match viewer.role {
        Role::Owner if req.location == PartLocation::CommonPart && on_committee => Applicant::OwnersCommittee,
        Role::Owner => Applicant::Owner { owns_the_unit },
        _ => Applicant::PropertyManager { with_owner_representatives: req.with_owner_representatives },
    };
    let eligible = match claim.kind {
        ClaimKind::Standard => coverage::may_apply(who, req.location, committee.is_some()),
        ClaimKind::EmergencyAdvance => coverage::may_advance(who, req.location, committee.is_some()),
    };
    if let Err(refusal) = eligible {
        let hint = match refusal {
            ApplicantRefusal::PrivatePartNeedsItsOwner => Hint::PrivatePartByItsOwner,
            ApplicantRefusal::CommonPartNeedsManagerOrCommittee => Hint::CommonPartByManagerOrCommittee,
            ApplicantRefusal::NeedsOwnerRepresentatives => Hint::ApplyWithOwnerRepresentatives,
            ApplicantRefusal::NotAnAdvancer => Hint::OnlyOwnerOrManagerAdvances,
        };
        return Err(AppError::new(Code::IneligibleApplicant)
            .detail(refusal.article().to_string())
            .hint(hint));
    }
    let handover = building.handover_date.ok_or(AppError::new(Code::BeforeHandover).detail("Art. 18"))?;
    let warranty = BuildingWarranty::of_building(handover, building.design_life_years);
    let defect = Defect { category: req.category, location: req.location, reported_on, exclusion: None };
    let covered = coverage::assess(&defect, &warranty, &rules.seasons)?;
    let filed_at = now();
    let mut row = ClaimRow {
        id: reg::fresh_id(),
        kind: claim.kind,
        state: claim.state,
        waiting_on: claim.state.waiting_on(),
        jurisdiction: estate.jurisdiction,
        estate_id: estate.id,
        building_id: building.id,
        unit_id,
        developer_id: estate.developer_id,
        property_manager_id: estate.property_manager_id,
        location: req.location,
        category: req.category,
        location_detail,
        description,
        applicant_id: viewer.user_id.clone(),
        applicant_capacity: match who {
            Applicant::OwnersCommittee => "owners_committee",
            Applicant::Owner { .. } => "owner",
            Applicant::PropertyManager { .. } => "property_manager",
        }
        .into(),
        with_owner_representatives: req.with_owner_representatives,
        warranty_last_day: covered.last_day,
        advanced_amount_fen: req.advance.as_ref().map(|a| a.amount.to_fen()),
        repair_unit_id: None,
        rejection_reason: None,
        rejection_note: None,
        plan_approved: false,
        cost_sheet_signed: claim.cost_sheet_signed,
        cost_sheet_verified: false,
        developer_reply_due_on: None,
        cost_sheet_received_at: None,
        payout_due_on: None,
        usage_notice_due_on: None,
        bureau_due_on: None,
        version: 1,
        filed_at,
        reported_on: Some(reported_on),
        repair_due_on: None,
        inspection_due_on: None,
        owner_representatives: representatives,
        defect_location: coding.as_ref().map(|d| d.location.clone()),
        defect_component: coding.as_ref().map(|d| d.component.clone()),
        severity: coding.as_ref().map(|d| d.severity.as_str().to_string()),
        defect_codes_version: coding.as_ref().map(|_| rules.defect_codes.version.clone()),
        duplicate_of: None,
        repeat_of: None,
        defect_cause: None,
        defect_solution: None,
    };
    row.refresh_queue_fields(claim.state);
    let settings = *rules.recurrence.of(&row.jurisdiction);
    crate::service::recurrence::link_same_defect(conn, &mut row, &settings)?;
    files_db::require_own_files(conn, &actor.user_id, evidence.iter().map(|(id, _)| id))?;
    db::insert_claim(conn, &row, &actor, &evidence)?;
    let params = json!({"state": row.state, "kind": row.kind, "category": row.category});
    notices::tell(conn, &row, Event::Filed, &actor.user_id, params)?;
    if let Some(lines) = advance_lines {
        // The claim is new in this transaction: no one else sees it, so no lock is needed.
        let sheet = db::insert_cost_sheet(conn, &row.id, None, lines, &actor.user_id)?;
        // The applicant who advanced the money files the sheet they paid: they sign it as they
        // file it (Art. 25).
        db::sign_latest(conn, sheet, &actor.user_id, db::Signing::Own { drawing: None })?;
    }
    Ok(row)
}

/// Files a claim for the caller (an owner or a property manager), in one transaction, and answers
/// with the claim as the caller now sees it.
pub async fn file(ctx: &Context, caller: &Caller, req: FileClaim) -> AppResult<ClaimResponse> {
    let who = caller.clone();
    let rules = ctx.rules.clone();
    let (row, people) = ctx
        .db
        .write(move |conn| {
            let row = file_in(conn, &who, None, &rules, req)?;
            let people = crate::db::accounts::people(conn, &[row.applicant_id.as_str()])?;
            Ok::<_, AppError>((row, people))
        })
        .await?;
    claim_response(row, caller, &Default::default(), &people)
}
