//! What each sync mutation kind does (`sync-protocol/PROTOCOL.md`, "Mutation kinds"). Every kind
//! runs in its own savepoint: a rejected mutation leaves nothing behind while the batch goes on.
//! Refusals the device can act on become a [`RejectReason`]; anything else aborts the batch, so
//! nothing is acknowledged that did not happen.

use std::collections::HashMap;

use baoxiu_sync_protocol::payloads::{EmergencyClaim, EvidenceAttached, VisitNote, VisitReport};
use baoxiu_sync_protocol::wire::{CostSheetRevision, MutationKind, RejectReason, SignedConfirmation, Signer};
use baoxiu_sync_protocol::Money;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::Connection;
use ed25519_dalek::Signature;
use serde_json::json;

use super::stop::{id, parse, reject, Stop};
use crate::db::accounts::now;
use crate::db::claims::{self as claims_db, Actor, ClaimRow, NewAudit, NewRevision, OnSiteSignature};
use crate::db::files::{self as files_db, EvidenceRow};
use crate::db::work_orders as wo_db;
use crate::db::{notify, DbConnection};
use crate::domain::evidence::EvidenceKind;
use crate::domain::lifecycle::{Act, ClaimKind, ClaimState};
use crate::domain::registry::Role;
use crate::domain::rules::RuleSettings;
use crate::domain::signing::{self, Signing};
use crate::domain::work_order::{with_note, witnessed_on_site, SiteVisit};
use crate::error::{AppError, AppResult};
use crate::messages::Notice;
use crate::service::claims::{
    file_in, priced_lines, record_signing, request_signatures, revision_audits, AdvanceInput, EvidenceRef,
    FileClaim, LineInput,
};
use crate::service::devices::parse_public_key;
use crate::service::evidence::attach_on;
use crate::service::policy::{claim_scope, is_designated_unit};
use crate::service::work_orders::{check_in_on, check_out_on, SiteReport};
use crate::service::{position, text, Caller};

/// The kinds this server applies: all of them.
pub const CAPABILITIES: &[MutationKind] = &MutationKind::ALL;

/// Who is pushing: the account, its enrolled device and that device's public key.
pub struct Pusher {
    pub user: Caller,
    pub device_id: String,
    pub public_key: String,
    pub claim_quota: u64,
    /// How long after a check-out a signature may still be recorded in person (Art. 22).
    pub signature_window: chrono::Duration,
    /// The deployment's rules (a report date's grace, the seasons: Art. 18).
    pub rules: std::sync::Arc<RuleSettings>,
}

impl Pusher {
    fn actor(&self) -> Actor {
        self.user.actor(Some(&self.device_id))
    }
}

/// Applies one mutation: `Ok(Ok(version))` applied, `Ok(Err(reason))` rejected and recorded,
/// `Err` aborts the batch.
pub fn apply(
    conn: &mut DbConnection,
    pusher: &Pusher,
    kind: MutationKind,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Result<Option<i64>, RejectReason>, AppError> {
    if !CAPABILITIES.contains(&kind) {
        return Ok(Err(RejectReason::NotAllowed));
    }
    let applied = conn.transaction(|conn| match kind {
        MutationKind::CheckIn | MutationKind::CheckOut => visit(conn, pusher, kind, base_version, payload),
        MutationKind::VisitNote => visit_note(conn, pusher, base_version, payload),
        MutationKind::EvidenceAttached => evidence(conn, pusher, base_version, payload),
        MutationKind::CostSheetRevision => {
            let revision = Revision::prepare(&pusher.user, base_version, payload)?;
            let (mut outcomes, audits) = revisions(conn, pusher, &[&revision])?;
            claims_db::insert_audits(conn, audits)?;
            outcomes.remove(0).or_else(reject)
        }
        MutationKind::OwnerConfirmation => owner_confirmation(conn, pusher, base_version, payload),
        MutationKind::EmergencyClaim => emergency_claim(conn, pusher, payload),
    });
    match applied {
        Ok(version) => Ok(Ok(version)),
        Err(Stop::Reject(reason)) => Ok(Err(reason)),
        Err(Stop::Fail(err)) => Err(err),
    }
}

/// A device time on the wire: RFC 3339.
fn device_time(raw: &Option<String>) -> Result<Option<DateTime<Utc>>, Stop> {
    raw.as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Stop::Reject(RejectReason::InvalidPayload))
        })
        .transpose()
}

/// A position sent as decimal strings, both or neither, finite and on the earth.
fn coordinates(lat: &Option<String>, lng: &Option<String>) -> Result<(Option<f64>, Option<f64>), Stop> {
    let parse = |raw: &Option<String>| {
        raw.as_deref()
            .map(|c| c.parse::<f64>().map_err(|_| Stop::Reject(RejectReason::InvalidPayload)))
            .transpose()
    };
    Ok(position(parse(lat)?, parse(lng)?, "lat")?.unzip())
}

fn visit(
    conn: &mut DbConnection,
    pusher: &Pusher,
    kind: MutationKind,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Option<i64>, Stop> {
    let p: VisitReport = parse(payload)?;
    let work_order = id(&p.work_order_id)?;
    let (lat, lng) = coordinates(&p.lat, &p.lng)?;
    let report = SiteReport {
        device_id: Some(pusher.device_id.clone()),
        device_time: device_time(&p.device_time)?,
        lat,
        lng,
        notes: p.notes,
        outcome: p.outcome,
    };
    let version = base_version.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
    let view = match kind {
        MutationKind::CheckIn => check_in_on(conn, &pusher.user, &work_order, version, report)?,
        _ => check_out_on(conn, &pusher.user, &work_order, version, report)?,
    };
    Ok(Some(i64::from(view.version)))
}

/// A note on the technician's latest visit of the work order.
fn visit_note(
    conn: &mut DbConnection,
    pusher: &Pusher,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Option<i64>, Stop> {
    let p: VisitNote = parse(payload)?;
    let note = text(&p.note, "note", 2000)?;
    let scope = crate::service::policy::work_order_scope(conn, &pusher.user)?;
    let order = wo_db::find(conn, &scope, &id(&p.work_order_id)?)?;
    // Only the order's repair unit writes on its visits; others who may see it (the applicant, the
    // bureau) may not.
    if !pusher.user.organisation_ids.contains(&order.repair_unit_id) {
        return reject(RejectReason::NotAllowed);
    }
    if base_version.is_some_and(|v| v != i64::from(order.version)) {
        return reject(RejectReason::StaleVersion);
    }
    let Some(mut visit) =
        wo_db::visits_of(conn, &order.id)?.into_iter().rev().find(|v| v.technician_id == pusher.user.id)
    else {
        return reject(RejectReason::RuleRefused);
    };
    let Some(notes) = with_note(visit.notes.as_deref(), &note) else {
        return reject(RejectReason::RuleRefused);
    };
    visit.notes = Some(notes);
    wo_db::update_visit(conn, &visit)?;
    let claim = claims_db::find_claim(conn, &claims_db::ClaimScope::All, &order.claim_id)?;
    let detail = json!({"work_order_id": order.id, "visit_id": visit.id, "note": note});
    claims_db::append_audit(
        conn,
        &claim.id,
        &pusher.actor(),
        Act::VisitNote,
        Some(claim.state),
        claim.state,
        detail,
    )?;
    Ok(Some(i64::from(order.version)))
}

/// The claim as the pusher may see it, at the version the device worked against.
fn claim_at(
    conn: &mut DbConnection,
    pusher: &Pusher,
    claim_id: &str,
    base_version: Option<i64>,
) -> Result<ClaimRow, Stop> {
    let scope = claim_scope(conn, &pusher.user)?;
    let claim = claims_db::find_claim(conn, &scope, &id(claim_id)?)?;
    if base_version.is_some_and(|v| v != i64::from(claim.version)) {
        return reject(RejectReason::StaleVersion);
    }
    Ok(claim)
}

fn evidence(
    conn: &mut DbConnection,
    pusher: &Pusher,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Option<i64>, Stop> {
    let p: EvidenceAttached = parse(payload)?;
    let (reported_lat, reported_lng) = coordinates(&p.lat, &p.lng)?;
    if p.kind.parse::<EvidenceKind>().is_err() {
        return reject(RejectReason::InvalidPayload);
    }
    let claim = claim_at(conn, pusher, &p.claim_id, base_version)?;
    let Some(file) = files_db::own_file_by_hash(conn, &pusher.user.id, &p.sha256.to_ascii_lowercase())?
    else {
        return reject(RejectReason::MissingBlob);
    };
    let row = EvidenceRow {
        claim_id: claim.id.clone(),
        evidence_id: file.id,
        kind: p.kind,
        attached_by: pusher.user.id.clone(),
        attached_at: now(),
        visit_id: p.visit_id.as_deref().map(id).transpose()?,
        cost_sheet_id: p.cost_sheet_id.as_deref().map(id).transpose()?,
        line_no: p.line,
        reported_taken_at: device_time(&p.taken_at)?.map(|t| t.naive_utc()),
        reported_lat,
        reported_lng,
    };
    attach_on(conn, &pusher.user, Some(&pusher.device_id), &row, pusher.claim_quota)?;
    Ok(Some(i64::from(claim.version)))
}

/// A cost-sheet revision from the repair unit's phone, checked as far as it can be without the
/// database, before the batch takes the write lock that all pushes share: parsed, its lines
/// priced in the normal form the server stores (trimmed text, quantities without trailing zeros)
/// and hashed. The device's hash must be that hash, so that an owner's signature binds to what
/// the server keeps.
pub struct Revision {
    base_version: Option<i64>,
    checked: Result<NewRevision, RejectReason>,
}

impl Revision {
    /// `Err` only for trouble on our side.
    pub fn prepare(
        user: &Caller,
        base_version: Option<i64>,
        payload: &serde_json::Value,
    ) -> AppResult<Revision> {
        let checked = match prepared_revision(user, payload) {
            Ok(new) => Ok(new),
            Err(Stop::Reject(reason)) => Err(reason),
            Err(Stop::Fail(err)) => return Err(err),
        };
        Ok(Revision { base_version, checked })
    }
}

fn prepared_revision(user: &Caller, payload: &serde_json::Value) -> Result<NewRevision, Stop> {
    if !matches!(user.role, Role::Technician | Role::PropertyManager) {
        return reject(RejectReason::NotAllowed);
    }
    let rev: CostSheetRevision = parse(payload)?;
    let inputs = rev
        .lines
        .iter()
        .map(|l| {
            Ok(LineInput {
                kind: l.kind,
                description: l.description.clone(),
                unit: l.unit.clone(),
                quantity: baoxiu_sync_protocol::cost_sheet::parse_quantity(&l.quantity)
                    .map_err(|_| Stop::Reject(RejectReason::InvalidPayload))?,
                unit_price: l.unit_price,
                budget: Some(l.budget),
                plan_line: None,
            })
        })
        .collect::<Result<Vec<_>, Stop>>()?;
    let (new, stored) = NewRevision::with_wire(
        &id(&rev.claim_id)?,
        &id(&rev.revision_id)?,
        rev.parent_hash.clone(),
        priced_lines(&inputs)?,
        &user.id,
    )?;
    // What the server stores must be exactly what the device sent, so that both hash alike:
    // compared field by field, which costs less than hashing a second time.
    if stored != rev {
        return reject(RejectReason::InvalidPayload);
    }
    Ok(new)
}

/// What became of each mutation of a run, in order: `Ok(version)` applied, `Err(reason)` rejected.
pub type Outcomes = Vec<Result<Option<i64>, RejectReason>>;

/// Applies a run of consecutive cost-sheet revisions together, because one at a time costs some
/// twenty round trips each: every refusal is decided before anything is written, then the rest are
/// written in a few multi-row statements, so each revision is still all or nothing. Should the
/// database refuse the writing itself (a constraint the checks did not foresee), the run is
/// applied again one revision per savepoint, and only the offending one is rejected.
///
/// The audit entries are left in `audits` for the caller to append at the end of the batch: the
/// change number they take locks the counter until commit, and on PostgreSQL batches from
/// different phones write side by side until then.
pub fn cost_sheet_revisions(
    conn: &mut DbConnection,
    pusher: &Pusher,
    run: &[&Revision],
    audits: &mut Vec<NewAudit>,
) -> Result<Outcomes, AppError> {
    match conn.transaction(|conn| revisions(conn, pusher, run)) {
        Ok((outcomes, entries)) => {
            audits.extend(entries);
            Ok(outcomes)
        }
        Err(Stop::Fail(err)) => Err(err),
        Err(Stop::Reject(reason)) if run.len() == 1 => Ok(vec![Err(reason)]),
        Err(Stop::Reject(_)) => run
            .iter()
            .map(|one| Ok(cost_sheet_revisions(conn, pusher, std::slice::from_ref(one), audits)?.remove(0)))
            .collect(),
    }
}

/// The revisions' claims as the pusher may see them, at the versions the device worked against.
fn revisions(
    conn: &mut DbConnection,
    pusher: &Pusher,
    run: &[&Revision],
) -> Result<(Outcomes, Vec<NewAudit>), Stop> {
    let claim_ids: Vec<&str> =
        run.iter().filter_map(|r| r.checked.as_ref().ok()).map(|n| n.claim_id.as_str()).collect();
    let scope = claim_scope(conn, &pusher.user)?;
    // Locked before they are read: a reviewer's step cannot change a claim between the checks
    // below and the commit, and no other push appends to its sheets meanwhile.
    claims_db::lock_claims(conn, &claim_ids)?;
    let claims: HashMap<String, ClaimRow> =
        claims_db::find_claims(conn, &scope, &claim_ids)?.into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut outcomes = Vec::with_capacity(run.len());
    let (mut checked, mut slots) = (Vec::new(), Vec::new());
    for revision in run {
        let new = match &revision.checked {
            Ok(new) => new,
            Err(reason) => {
                outcomes.push(Err(*reason));
                continue;
            }
        };
        let Some(claim) = claims.get(&new.claim_id).filter(|c| is_designated_unit(&pusher.user, c)) else {
            outcomes.push(Err(RejectReason::NotAllowed));
            continue;
        };
        if revision.base_version.is_some_and(|v| v != i64::from(claim.version)) {
            outcomes.push(Err(RejectReason::StaleVersion));
        } else if claim.state != ClaimState::InRepair {
            outcomes.push(Err(RejectReason::RuleRefused));
        } else {
            slots.push((outcomes.len(), claim));
            checked.push(new.clone());
            outcomes.push(Err(RejectReason::InvalidPayload));
        }
    }
    let mut added = Vec::new();
    for ((slot, claim), inserted) in slots.into_iter().zip(claims_db::insert_revisions(conn, checked)?) {
        outcomes[slot] = match inserted.map_err(Stop::from) {
            Ok((sheet, is_new)) => {
                if is_new {
                    added.push((claim, sheet));
                }
                Ok(Some(i64::from(claim.version)))
            }
            Err(Stop::Reject(reason)) => Err(reason),
            Err(fail) => return Err(fail),
        };
    }
    let added: Vec<_> = added.iter().map(|(claim, sheet)| (*claim, sheet)).collect();
    request_signatures(conn, &added)?;
    Ok((outcomes, revision_audits(&pusher.actor(), &added)))
}

/// The technician's visits to the claim on the work orders assigned to them.
fn own_visits(conn: &mut DbConnection, technician: &str, claim_id: &str) -> AppResult<Vec<SiteVisit>> {
    let orders: Vec<String> = wo_db::for_claims(conn, &[claim_id.to_string()])?
        .into_iter()
        .filter(|o| o.technician_id.as_deref() == Some(technician))
        .map(|o| o.id)
        .collect();
    Ok(wo_db::visits_of_claim(conn, claim_id)?
        .into_iter()
        .filter(|v| v.technician_id == technician && orders.contains(&v.work_order_id))
        .map(|v| SiteVisit {
            checked_in: v.check_in_device_at.unwrap_or(v.check_in_at).and_utc(),
            checked_out: v.check_out_device_at.or(v.check_out_at).map(|t| t.and_utc()),
        })
        .collect())
}

/// The applicant's confirmation of one exact revision, captured on a phone and signed by it.
fn owner_confirmation(
    conn: &mut DbConnection,
    pusher: &Pusher,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> Result<Option<i64>, Stop> {
    let signed: SignedConfirmation = parse(payload)?;
    let c = &signed.confirmation;
    if id(&c.device_id)? != pusher.device_id {
        return reject(RejectReason::NotAllowed);
    }
    let key = parse_public_key(&pusher.public_key)?;
    let signature = STANDARD
        .decode(signed.device_signature.trim())
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or(Stop::Reject(RejectReason::BadSignature))?;
    let bytes = c.signing_bytes().map_err(|_| Stop::Reject(RejectReason::InvalidPayload))?;
    if key.verify_strict(&bytes, &signature).is_err() {
        return reject(RejectReason::BadSignature);
    }
    let claim = claim_at(conn, pusher, &c.claim_id, base_version)?;
    let (signer, signer_name, signer_phone) = match &c.signer {
        Signer::Account { account_id } => {
            let is_applicant = *account_id == claim.applicant_id && *account_id == pusher.user.id;
            (signing::Signer::Applicant { is_applicant }, None, None)
        }
        Signer::InPerson { name, phone } => {
            // Captured on site by the designated repair unit's staff only (Art. 21-22), and only
            // by a technician of one of its work orders on this claim, during a visit with a
            // recorded check-in or shortly after it.
            let signed_at =
                device_time(&Some(c.signed_at.clone()))?.ok_or(Stop::Reject(RejectReason::InvalidPayload))?;
            if signed_at > Utc::now() + chrono::Duration::minutes(10) {
                return reject(RejectReason::InvalidPayload);
            }
            let of_designated_unit = matches!(pusher.user.role, Role::Technician | Role::PropertyManager)
                && is_designated_unit(&pusher.user, &claim);
            let visits = own_visits(conn, &pusher.user.id, &claim.id)?;
            let on_site = witnessed_on_site(&visits, signed_at, pusher.signature_window);
            let witness = signing::Signer::Witness { of_designated_unit, on_site };
            (witness, Some(text(name, "signer.name", 50)?), Some(text(phone, "signer.phone", 30)?))
        }
    };
    let in_person = matches!(c.signer, Signer::InPerson { .. });
    let latest = claims_db::latest_cost_sheet(conn, &claim.id)?;
    let decided = signing::decide(&signing::Attempt {
        signer,
        state: claim.state,
        revision: None,
        shown: &c.revision_hash,
        latest: latest.as_ref().map(claims_db::CostSheetRow::as_signed),
    })?;
    let Some(latest) = latest else { return reject(RejectReason::RuleRefused) };
    // The drawing is the one this phone captured, and new to the claim: bytes fetched elsewhere
    // (the owner's own drawing on an earlier revision) and uploaded again are a copy, not a signature.
    let sha256 = c.signature_image_sha256.to_ascii_lowercase();
    let Some(image) = files_db::device_file_by_hash(conn, &pusher.user.id, &pusher.device_id, &sha256)?
    else {
        // Uploaded by the account from elsewhere: refused; not uploaded yet: retried.
        return match files_db::own_file_by_hash(conn, &pusher.user.id, &sha256)? {
            Some(_) => reject(RejectReason::NotAllowed),
            None => reject(RejectReason::MissingBlob),
        };
    };
    if decided != Signing::AlreadySigned {
        signing::fresh_drawing(&claims_db::drawing_hashes(conn, &claim.id)?, &image.sha256)?;
    }
    let on_site = OnSiteSignature {
        witness: in_person.then(|| pusher.user.id.clone()),
        signer_name,
        signer_phone,
        signature_file_id: image.id,
        device_id: pusher.device_id.clone(),
        device_signature: signed.device_signature.clone(),
    };
    // In person, the technician witnesses on the applicant's behalf, who is told at once; on the
    // applicant's own phone, the applicant signs (or confirms what a technician witnessed).
    let how = claims_db::Signing::OnSite(on_site);
    let (sheet, action) = record_signing(conn, decided, latest, &claim.applicant_id, how)?;
    if in_person && decided == Signing::Sign {
        let key = format!("{}:{}", sheet.revision, sheet.revision_hash.as_deref().unwrap_or(""));
        let notice = notify::Notify {
            notice: Notice::SignedInPerson,
            claim_id: Some(&claim.id),
            work_order_id: None,
            key: &key,
            params: json!({"revision": sheet.revision, "total": Money::from_fen(sheet.total_fen)}),
        };
        notify::notify(conn, std::slice::from_ref(&claim.applicant_id), &notice)?;
        // Signed on the spot: the request to sign on their own phone is answered; it is withdrawn
        // rather than left asking for a signature already given.
        notify::withdraw(conn, &claim.applicant_id, Notice::SignatureRequested, &claim.id)?;
    }
    let detail = json!({
        "revision": sheet.revision,
        "hash": sheet.revision_hash,
        "signed_at_device": c.signed_at,
        "signature": if in_person { "in_person" } else { "account" },
        "on_behalf_of": in_person.then_some(&claim.applicant_id),
    });
    claims_db::append_audit(
        conn,
        &claim.id,
        &pusher.actor(),
        action,
        Some(claim.state),
        claim.state,
        detail,
    )?;
    Ok(Some(i64::from(claim.version)))
}

/// An emergency repair already done and paid, filed from the phone of the owner or property
/// manager who advanced the money (Art. 25): the `POST /claims` body with `kind` set to
/// `emergency_advance`, except that evidence names uploaded blobs by hash.
fn emergency_claim(
    conn: &mut DbConnection,
    pusher: &Pusher,
    payload: &serde_json::Value,
) -> Result<Option<i64>, Stop> {
    if !matches!(pusher.user.role, Role::Owner | Role::PropertyManager) {
        return reject(RejectReason::NotAllowed);
    }
    let p: EmergencyClaim = parse(payload)?;
    if p.kind != ClaimKind::EmergencyAdvance.as_str() {
        return reject(RejectReason::InvalidPayload);
    }
    let mut evidence = Vec::new();
    for item in &p.evidence {
        let Some(file) =
            files_db::own_file_by_hash(conn, &pusher.user.id, &item.sha256.to_ascii_lowercase())?
        else {
            return reject(RejectReason::MissingBlob);
        };
        evidence.push(EvidenceRef { id: file.id, kind: item.kind.clone() });
    }
    let request = file_claim_of(p, evidence)?;
    let row = file_in(conn, &pusher.user, Some(&pusher.device_id), &pusher.rules, request)?;
    Ok(Some(i64::from(row.version)))
}

/// The REST filing command an emergency claim from the phone stands for; a name or number the
/// server cannot read is an invalid payload.
fn file_claim_of(p: EmergencyClaim, evidence: Vec<EvidenceRef>) -> Result<FileClaim, Stop> {
    fn name<T: std::str::FromStr>(raw: &str) -> Result<T, Stop> {
        raw.parse().map_err(|_| Stop::Reject(RejectReason::InvalidPayload))
    }
    let advance = p
        .advance
        .map(|a| {
            let lines = a
                .lines
                .into_iter()
                .map(|l| {
                    Ok(LineInput {
                        kind: l.kind,
                        description: l.description,
                        unit: l.unit,
                        quantity: name(&l.quantity)?,
                        unit_price: l.unit_price,
                        budget: l.budget,
                        plan_line: None,
                    })
                })
                .collect::<Result<_, Stop>>()?;
            Ok::<_, Stop>(AdvanceInput { amount: a.amount, lines })
        })
        .transpose()?;
    Ok(FileClaim {
        kind: ClaimKind::EmergencyAdvance,
        building_id: p.building_id,
        unit_id: p.unit_id,
        location: name(&p.location)?,
        category: name(&p.category)?,
        location_detail: p.location_detail,
        description: p.description,
        reported_on: p.reported_on.as_deref().map(name).transpose()?,
        with_owner_representatives: p.with_owner_representatives,
        // The frozen payload carries no names: a phone's filing records the flag only.
        owner_representatives: None,
        // Nor a defect coding: the bureau codes a phone's filing.
        defect: None,
        evidence,
        advance,
    })
}
