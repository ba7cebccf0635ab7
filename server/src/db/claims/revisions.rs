//! Cost-sheet revisions with their lines (a JSON document in line order), signatures, and the
//! bureau's verdicts on each line.

use std::borrow::Cow;

use baoxiu_sync_protocol::cost_sheet;
use baoxiu_sync_protocol::money::Money;
use baoxiu_sync_protocol::wire::{CostSheetRevision, WireLine};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::accounts::{new_id, now};
use crate::db::schema::{claims, cost_sheets, line_decisions};
use crate::db::DbConnection;
use crate::db::{StoreError, StoreResult};
use crate::domain::signing;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = cost_sheets, treat_none_as_default_value = false)]
pub struct CostSheetRow {
    pub id: String,
    pub claim_id: String,
    pub revision: i32,
    pub total_fen: i64,
    pub budget_total_fen: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub signed_by: Option<String>,
    pub signed_at: Option<NaiveDateTime>,
    pub approved_total_fen: Option<i64>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    /// Canonical SHA-256 of the revision (`sync-protocol`); a signature binds to it.
    pub revision_hash: Option<String>,
    pub parent_hash: Option<String>,
    /// Another revision names the same parent: a person must choose by adding a revision.
    pub conflict: bool,
    pub signer_name: Option<String>,
    pub signer_phone: Option<String>,
    pub signature_file_id: Option<String>,
    pub signing_device_id: Option<String>,
    /// The technician who captured the applicant's signature in person, on the applicant's
    /// behalf (Art. 22); `signed_by` stays empty for such a signature.
    pub witnessed_by: Option<String>,
    /// The applicant disputed the signature captured in person: it no longer counts.
    pub disputed_at: Option<NaiveDateTime>,
    pub dispute_reason: Option<String>,
}

/// How a revision was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// By the applicant on their own account.
    Account,
    /// In person on the technician's phone, witnessed by the technician.
    InPerson,
}

impl CostSheetRow {
    /// Signed, by the applicant's account or in person, and not disputed.
    pub fn is_signed(&self) -> bool {
        self.signed_at.is_some() && self.disputed_at.is_none()
    }

    /// The revision as the rule of signing sees it (`domain::signing`).
    pub fn as_signed(&self) -> signing::Latest<'_> {
        signing::Latest {
            revision: self.revision,
            hash: self.revision_hash.as_deref(),
            signed: self.is_signed(),
            witnessed_only: self.witnessed_by.is_some() && self.signed_by.is_none(),
            conflict: self.conflict,
        }
    }

    /// How it was signed, if it was.
    pub fn signature_kind(&self) -> Option<SignatureKind> {
        match (self.signed_at, &self.witnessed_by) {
            (None, _) => None,
            (Some(_), Some(_)) => Some(SignatureKind::InPerson),
            (Some(_), None) => Some(SignatureKind::Account),
        }
    }
}

/// One line of a cost-sheet revision, with the reviewer's decision once there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub cost_sheet_id: String,
    pub line_no: i32,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub budget_fen: i64,
    pub decision: Option<String>,
    pub approved_fen: Option<i64>,
    pub decision_reason: Option<String>,
}

/// A line as kept in its revision's document, `cost_sheets.lines`: a JSON array in line order.
/// A revision never changes once submitted, so its lines live in its own row rather than a row
/// each; a reviewer's decisions, which come later, are rows of `line_decisions`.
#[derive(Serialize, Deserialize)]
struct StoredLine<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    description: Cow<'a, str>,
    #[serde(borrow)]
    unit: Cow<'a, str>,
    #[serde(borrow)]
    quantity: Cow<'a, str>,
    unit_price_fen: i64,
    amount_fen: i64,
    budget_fen: i64,
}

/// The document that keeps these lines in their revision's row.
fn lines_document(lines: &[LineRow]) -> StoreResult<String> {
    let stored: Vec<StoredLine<'_>> = lines
        .iter()
        .map(|l| StoredLine {
            kind: Cow::Borrowed(&l.kind),
            description: Cow::Borrowed(&l.description),
            unit: Cow::Borrowed(&l.unit),
            quantity: Cow::Borrowed(&l.quantity),
            unit_price_fen: l.unit_price_fen,
            amount_fen: l.amount_fen,
            budget_fen: l.budget_fen,
        })
        .collect();
    serde_json::to_string(&stored).map_err(StoreError::corrupt)
}

/// A reviewer's decision on one line of a revision.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = line_decisions, treat_none_as_default_value = false)]
struct DecisionRow {
    cost_sheet_id: String,
    line_no: i32,
    decision: String,
    approved_fen: i64,
    reason: Option<String>,
}

/// A revision's lines from its document, with the decisions taken on them.
fn read_lines(sheet_id: &str, document: &str, decisions: &[DecisionRow]) -> StoreResult<Vec<LineRow>> {
    let stored: Vec<StoredLine<'_>> = serde_json::from_str(document).map_err(StoreError::corrupt)?;
    Ok(stored
        .into_iter()
        .zip(1..)
        .map(|(l, line_no)| {
            let decided = decisions.iter().find(|d| d.line_no == line_no);
            LineRow {
                cost_sheet_id: sheet_id.to_owned(),
                line_no,
                kind: l.kind.into_owned(),
                description: l.description.into_owned(),
                unit: l.unit.into_owned(),
                quantity: l.quantity.into_owned(),
                unit_price_fen: l.unit_price_fen,
                amount_fen: l.amount_fen,
                budget_fen: l.budget_fen,
                decision: decided.map(|d| d.decision.clone()),
                approved_fen: decided.map(|d| d.approved_fen),
                decision_reason: decided.and_then(|d| d.reason.clone()),
            }
        })
        .collect())
}

/// A new revision's row with its lines document.
#[derive(Insertable)]
#[diesel(table_name = cost_sheets)]
struct NewSheet {
    #[diesel(embed)]
    row: CostSheetRow,
    lines: String,
}

pub fn cost_sheets_of(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<CostSheetRow>> {
    Ok(cost_sheets::table
        .filter(cost_sheets::claim_id.eq(claim_id))
        .order(cost_sheets::revision.asc())
        .select(CostSheetRow::as_select())
        .load(conn)?)
}

pub fn lines_of(conn: &mut DbConnection, cost_sheet_id: &str) -> StoreResult<Vec<LineRow>> {
    let Some(document) =
        cost_sheets::table.find(cost_sheet_id).select(cost_sheets::lines).first::<String>(conn).optional()?
    else {
        return Ok(Vec::new());
    };
    let decisions: Vec<DecisionRow> = line_decisions::table
        .filter(line_decisions::cost_sheet_id.eq(cost_sheet_id))
        .select(DecisionRow::as_select())
        .load(conn)?;
    read_lines(cost_sheet_id, &document, &decisions)
}

/// The latest revision, if any.
pub fn latest_cost_sheet(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Option<CostSheetRow>> {
    Ok(cost_sheets::table
        .filter(cost_sheets::claim_id.eq(claim_id))
        .order(cost_sheets::revision.desc())
        .select(CostSheetRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new revision with its lines. `parent_revision` must be the latest revision the author
/// saw (none for the first): otherwise someone else revised it first and the answer is
/// `stale_version` with the current revision.
pub fn insert_cost_sheet(
    conn: &mut DbConnection,
    claim_id: &str,
    parent_revision: Option<i32>,
    lines: Vec<LineRow>,
    by: &str,
) -> StoreResult<CostSheetRow> {
    let latest = latest_cost_sheet(conn, claim_id)?;
    let current = latest.as_ref().map(|c| c.revision);
    if current != parent_revision {
        return Err(StoreError::Stale(i64::from(current.unwrap_or(0))));
    }
    let parent_hash = latest.and_then(|l| l.revision_hash);
    Ok(insert_revision(conn, NewRevision::new(claim_id, &new_id(), parent_hash, lines, by)?)?.0)
}

/// A sheet's total and budget total, summed with checked arithmetic and bounded by the shared
/// rules (`cost_sheet::total`).
pub fn sheet_totals(lines: &[LineRow]) -> StoreResult<(Money, Money)> {
    let sum = |fen: fn(&LineRow) -> i64| {
        cost_sheet::total(lines.iter().map(|l| Money::from_fen(fen(l))))
            .map_err(|e| StoreError::OutOfBounds(e.to_string()))
    };
    Ok((sum(|l| l.amount_fen)?, sum(|l| l.budget_fen)?))
}

/// The wire form of stored lines, for hashing.
pub fn wire_lines(lines: &[LineRow]) -> StoreResult<Vec<WireLine>> {
    lines
        .iter()
        .map(|l| {
            Ok(WireLine {
                kind: serde_json::from_value(serde_json::Value::String(l.kind.clone()))
                    .map_err(StoreError::corrupt)?,
                description: l.description.clone(),
                unit: l.unit.clone(),
                quantity: l.quantity.clone(),
                unit_price: Money::from_fen(l.unit_price_fen),
                budget: Money::from_fen(l.budget_fen),
            })
        })
        .collect()
}

/// A cost-sheet revision to append, with its canonical hash computed from the lines as stored.
#[derive(Debug, Clone)]
pub struct NewRevision {
    pub claim_id: String,
    pub revision_id: String,
    pub parent_hash: Option<String>,
    pub lines: Vec<LineRow>,
    pub by: String,
    /// The canonical SHA-256 the stored revision will have.
    pub hash: String,
    /// The lines as the revision's row keeps them.
    document: String,
    /// The sums of the lines' amounts and budgets, checked and bounded.
    total_fen: i64,
    budget_total_fen: i64,
}

impl NewRevision {
    pub fn new(
        claim_id: &str,
        revision_id: &str,
        parent_hash: Option<String>,
        lines: Vec<LineRow>,
        by: &str,
    ) -> StoreResult<NewRevision> {
        Ok(NewRevision::with_wire(claim_id, revision_id, parent_hash, lines, by)?.0)
    }

    /// The same, with the wire form that was hashed, for comparing with what a device sent.
    pub fn with_wire(
        claim_id: &str,
        revision_id: &str,
        parent_hash: Option<String>,
        lines: Vec<LineRow>,
        by: &str,
    ) -> StoreResult<(NewRevision, CostSheetRevision)> {
        let wire = CostSheetRevision {
            claim_id: claim_id.to_string(),
            revision_id: revision_id.to_string(),
            parent_hash: parent_hash.clone(),
            lines: wire_lines(&lines)?,
        };
        let hash = wire.hash().map_err(StoreError::corrupt)?;
        let document = lines_document(&lines)?;
        let (total, budget_total) = sheet_totals(&lines)?;
        let (total_fen, budget_total_fen) = (total.to_fen(), budget_total.to_fen());
        let new = NewRevision {
            claim_id: claim_id.into(),
            revision_id: revision_id.into(),
            parent_hash,
            lines,
            by: by.into(),
            hash,
            document,
            total_fen,
            budget_total_fen,
        };
        Ok((new, wire))
    }
}

/// Locks these claims until the transaction ends, on PostgreSQL, where two writers may run side
/// by side: take it before reading the claims, so that a check of a claim's state still holds at
/// the commit, and before appending to their cost sheets, so that two appends cannot both number
/// their revision n + 1. SQLite has a single writer already.
pub fn lock_claims(conn: &mut DbConnection, ids: &[&str]) -> StoreResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        // In id order, so that two batches never wait on each other in a circle.
        claims::table
            .filter(claims::id.eq_any(&ids))
            .order(claims::id)
            .select(claims::id)
            .for_no_key_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// Appends a revision; see [`insert_revisions`].
pub fn insert_revision(conn: &mut DbConnection, revision: NewRevision) -> StoreResult<(CostSheetRow, bool)> {
    insert_revisions(conn, vec![revision])?
        .pop()
        .unwrap_or_else(|| Err(StoreError::corrupt(anyhow::anyhow!("no outcome for the revision"))))
}

/// Appends revisions in order, each whose parent is the revision hashed `parent_hash`, which must
/// be one of its claim's, stored before or earlier in the list (else a missing parent).
/// When another revision already names the same parent, both are kept and flagged as a conflict
/// for a person to resolve by adding a revision; nothing is merged. The same content twice (same
/// id, parent and lines) is the existing revision, and the flag says whether one was added; an id
/// already used for other content is a duplicate.
///
/// Each revision gets its own outcome; a refused one leaves nothing behind. Everything is read in
/// two queries and written in multi-row statements, so a batch of a hundred from a phone costs a
/// handful of round trips instead of two thousand. The caller holds its claims' locks
/// ([`lock_claims`]), taken before it read them.
pub fn insert_revisions(
    conn: &mut DbConnection,
    revisions: Vec<NewRevision>,
) -> StoreResult<Vec<StoreResult<(CostSheetRow, bool)>>> {
    use std::collections::{HashMap, HashSet};
    let claim_ids: Vec<&str> = revisions.iter().map(|r| r.claim_id.as_str()).collect();
    let ids: Vec<&str> = revisions.iter().map(|r| r.revision_id.as_str()).collect();
    // Two index lookups: one `OR` of both would scan the table.
    let existing = cost_sheets::table
        .filter(cost_sheets::claim_id.eq_any(&claim_ids))
        .select(CostSheetRow::as_select())
        .order((cost_sheets::claim_id.asc(), cost_sheets::revision.asc()))
        .load::<CostSheetRow>(conn)?;
    let mut taken: HashSet<String> = cost_sheets::table
        .filter(cost_sheets::id.eq_any(&ids))
        .select(cost_sheets::id)
        .load(conn)?
        .into_iter()
        .collect();
    let mut sheets: HashMap<String, Vec<CostSheetRow>> = HashMap::new();
    for sheet in existing {
        sheets.entry(sheet.claim_id.clone()).or_default().push(sheet);
    }
    // Each added revision's lines document, by id.
    let (mut added, mut flagged) = (HashMap::new(), Vec::new());
    let mut outcomes = Vec::with_capacity(revisions.len());
    for new in revisions {
        let claim = sheets.entry(new.claim_id.clone()).or_default();
        if let Some(same) = claim.iter().find(|c| c.revision_hash.as_deref() == Some(new.hash.as_str())) {
            outcomes.push(Ok((same.clone(), false)));
            continue;
        }
        if taken.contains(&new.revision_id) {
            outcomes.push(Err(StoreError::Duplicate(Some("revision_id"))));
            continue;
        }
        if let Some(parent) = &new.parent_hash {
            if !claim.iter().any(|c| c.revision_hash.as_ref() == Some(parent)) {
                outcomes.push(Err(StoreError::MissingParent));
                continue;
            }
        }
        let mut conflict = false;
        for sibling in claim.iter_mut().filter(|c| c.parent_hash == new.parent_hash) {
            conflict = true;
            if !sibling.conflict && !added.contains_key(&sibling.id) {
                flagged.push(sibling.id.clone());
            }
            sibling.conflict = true;
        }
        let row = CostSheetRow {
            id: new.revision_id.clone(),
            claim_id: new.claim_id.clone(),
            revision: claim.last().map_or(0, |c| c.revision) + 1,
            total_fen: new.total_fen,
            budget_total_fen: new.budget_total_fen,
            created_by: new.by,
            created_at: now(),
            signed_by: None,
            signed_at: None,
            approved_total_fen: None,
            verified_by: None,
            verified_at: None,
            revision_hash: Some(new.hash),
            parent_hash: new.parent_hash,
            conflict,
            signer_name: None,
            signer_phone: None,
            signature_file_id: None,
            signing_device_id: None,
            witnessed_by: None,
            disputed_at: None,
            dispute_reason: None,
        };
        taken.insert(row.id.clone());
        added.insert(row.id.clone(), new.document);
        claim.push(row.clone());
        outcomes.push(Ok((row, true)));
    }
    if !flagged.is_empty() {
        diesel::update(cost_sheets::table.filter(cost_sheets::id.eq_any(&flagged)))
            .set(cost_sheets::conflict.eq(true))
            .execute(conn)?;
    }
    // The rows as they stand after the whole list: a later sibling flags an earlier one.
    let rows: Vec<NewSheet> = sheets
        .into_values()
        .flatten()
        .filter_map(|row| added.remove(&row.id).map(|lines| NewSheet { row, lines }))
        .collect();
    crate::db::insert_rows!(conn, cost_sheets::table, &rows);
    Ok(outcomes)
}

/// The applicant confirms, on their own account, a signature a technician witnessed in person:
/// the sheet keeps the witness and the drawing and now names the applicant as its signer too.
pub fn confirm_in_person(
    conn: &mut DbConnection,
    sheet: &CostSheetRow,
    by: &str,
) -> StoreResult<CostSheetRow> {
    diesel::update(cost_sheets::table.find(&sheet.id))
        .set(cost_sheets::signed_by.eq(Some(by)))
        .execute(conn)?;
    latest_cost_sheet(conn, &sheet.claim_id)?.ok_or(StoreError::NotFound)
}

/// How a confirmation captured on a phone was made: who signed in person, the signature image,
/// and the capturing device's signature over it all.
pub struct OnSiteSignature {
    /// The technician who witnessed the applicant sign on their phone; `None` when the applicant
    /// signed on their own phone.
    pub witness: Option<String>,
    pub signer_name: Option<String>,
    pub signer_phone: Option<String>,
    pub signature_file_id: String,
    pub device_id: String,
    pub device_signature: String,
}

/// How a revision is signed.
pub enum Signing {
    /// By the applicant on their own account, with the drawing they made if any.
    Own { drawing: Option<String> },
    /// Captured on a phone on site.
    OnSite(OnSiteSignature),
}

/// Records the signature on the latest revision, as `domain::signing` decided it may be.
///
/// The applicant `by` signs on their own account, on the web or on their own phone. With a
/// `witness`, the technician witnessed the applicant sign on the technician's phone: the sheet
/// records the witness and the name and phone given, and `signed_by` stays empty, for the
/// signature is not the applicant's own act (Art. 22). The applicant's own signature replaces a
/// disputed one.
pub fn sign_latest(
    conn: &mut DbConnection,
    latest: CostSheetRow,
    by: &str,
    how: Signing,
) -> StoreResult<CostSheetRow> {
    let cleared =
        (cost_sheets::disputed_at.eq(None::<NaiveDateTime>), cost_sheets::dispute_reason.eq(None::<String>));
    match how {
        // The drawing made on the applicant's own account is the one kept; without one, what the
        // sheet held stays.
        Signing::Own { drawing } => diesel::update(cost_sheets::table.find(&latest.id))
            .set((
                cost_sheets::signed_by.eq(Some(by)),
                cost_sheets::signed_at.eq(Some(now())),
                cost_sheets::witnessed_by.eq(None::<String>),
                cost_sheets::signer_name.eq(None::<String>),
                cost_sheets::signer_phone.eq(None::<String>),
                cost_sheets::signature_file_id.eq(drawing.or(latest.signature_file_id.clone())),
                cleared,
            ))
            .execute(conn)?,
        Signing::OnSite(s) => diesel::update(cost_sheets::table.find(&latest.id))
            .set((
                cost_sheets::signed_by.eq(s.witness.is_none().then_some(by)),
                cost_sheets::signed_at.eq(Some(now())),
                cost_sheets::witnessed_by.eq(s.witness),
                cost_sheets::signer_name.eq(s.signer_name),
                cost_sheets::signer_phone.eq(s.signer_phone),
                cost_sheets::signature_file_id.eq(Some(s.signature_file_id)),
                cost_sheets::signing_device_id.eq(Some(s.device_id)),
                cost_sheets::device_signature.eq(Some(s.device_signature)),
                cleared,
            ))
            .execute(conn)?,
    };
    latest_cost_sheet(conn, &latest.claim_id)?.ok_or(StoreError::NotFound)
}

/// The SHA-256 of each signature drawing on the claim's revisions, by revision: a drawing already
/// here is never accepted again, and a dossier shows the same bytes under two revisions.
pub fn drawing_hashes(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<(i32, String)>> {
    use crate::db::schema::files;
    Ok(cost_sheets::table
        .inner_join(files::table.on(cost_sheets::signature_file_id.eq(files::id.nullable())))
        .filter(cost_sheets::claim_id.eq(claim_id))
        .select((cost_sheets::revision, files::sha256))
        .load(conn)?)
}

/// The applicant disputes a signature captured in person: it stops counting, and the sheet needs
/// a signature again.
pub fn dispute_signature(conn: &mut DbConnection, sheet: &CostSheetRow, reason: &str) -> StoreResult<()> {
    diesel::update(cost_sheets::table.find(&sheet.id))
        .set((cost_sheets::disputed_at.eq(Some(now())), cost_sheets::dispute_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(())
}

/// Records the reviewer's decision on each line of the sheet, by its number, and the approved
/// total.
pub fn record_verification(
    conn: &mut DbConnection,
    sheet: &CostSheetRow,
    decisions: &[(i32, String, i64, Option<String>)],
    by: &str,
) -> StoreResult<i64> {
    let mut approved_total = 0;
    let mut rows = Vec::with_capacity(decisions.len());
    for (line_no, decision, approved_fen, reason) in decisions {
        approved_total += approved_fen;
        rows.push(DecisionRow {
            cost_sheet_id: sheet.id.clone(),
            line_no: *line_no,
            decision: decision.clone(),
            approved_fen: *approved_fen,
            reason: reason.clone(),
        });
    }
    // A verification replaces any earlier one of the same revision.
    diesel::delete(line_decisions::table.filter(line_decisions::cost_sheet_id.eq(&sheet.id)))
        .execute(conn)?;
    crate::db::insert_rows!(conn, line_decisions::table, &rows);
    diesel::update(cost_sheets::table.find(&sheet.id))
        .set((
            cost_sheets::approved_total_fen.eq(Some(approved_total)),
            cost_sheets::verified_by.eq(Some(by)),
            cost_sheets::verified_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(approved_total)
}

/// Every cost-sheet revision of these claims, with its lines.
pub fn cost_sheets_for(
    conn: &mut DbConnection,
    claim_ids: &[String],
) -> StoreResult<Vec<(CostSheetRow, Vec<LineRow>)>> {
    let sheets: Vec<(CostSheetRow, String)> = cost_sheets::table
        .filter(cost_sheets::claim_id.eq_any(claim_ids))
        .order((cost_sheets::claim_id.asc(), cost_sheets::revision.asc()))
        .select((CostSheetRow::as_select(), cost_sheets::lines))
        .load(conn)?;
    let ids: Vec<&String> = sheets.iter().map(|(s, _)| &s.id).collect();
    let mut decided: std::collections::HashMap<String, Vec<DecisionRow>> = std::collections::HashMap::new();
    for d in line_decisions::table
        .filter(line_decisions::cost_sheet_id.eq_any(ids))
        .select(DecisionRow::as_select())
        .load::<DecisionRow>(conn)?
    {
        decided.entry(d.cost_sheet_id.clone()).or_default().push(d);
    }
    sheets
        .into_iter()
        .map(|(sheet, document)| {
            let lines = read_lines(&sheet.id, &document, decided.get(&sheet.id).map_or(&[], Vec::as_slice))?;
            Ok((sheet, lines))
        })
        .collect()
}
