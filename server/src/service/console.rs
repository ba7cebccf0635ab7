//! What the bureau's web console shows on one page, read in one transaction: the reviewer queue
//! with its counts and filters, and a claim's dossier with its evidence and the choices its forms
//! offer. The steps themselves are the same use cases the API calls (`service::claims`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::claims as db;
use crate::db::registry as reg;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::{ClaimState, StepName};
use crate::domain::next_step::Party;
use crate::domain::registry::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::media::store::Variant;
use crate::service::claims::{page_of, ClaimPage, ClaimQuery, ClaimResponse, CostSheetView, SignatureKind};
use crate::service::evidence::{evidence_items, read_evidence, EvidenceItem};
use crate::service::files::{signed_link, store_plain, FileView, PlainUpload};
use crate::service::policy::Caller;
use crate::service::work_orders::{self, WorkOrderView};
use crate::service::Context;

/// The reviewer queue as the console shows it.
pub struct QueueOverview {
    /// This page of the queue, nearest deadline first.
    pub claims: Vec<ClaimResponse>,
    /// How many claims match the filters, over all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// Claims waiting on the bureau by state, unfiltered, in the lifecycle's order.
    pub counts: Vec<(ClaimState, i64)>,
    /// The jurisdiction's buildings to filter by: (id, estate name, building name).
    pub buildings: Vec<(String, String, String)>,
}

/// Each reviewer's queue counts by state, kept for a moment: every queue page shows them, and they
/// cost a scan of all the claims waiting on the bureau (an index scan, but of tens of thousands of
/// entries). An entry holds while this process commits no write and for at most [`COUNTS_TTL`],
/// within which another instance's writes to the same database show too. Bounded in size.
#[derive(Default)]
pub struct QueueCounts(Mutex<HashMap<String, KeptCounts>>);

/// Counts by state, with the commits before they were read and when.
type KeptCounts = (u64, Instant, Vec<(String, i64)>);

/// How long counts may lag another instance's writes.
pub const COUNTS_TTL: Duration = Duration::from_secs(2);

/// Reviewers whose counts are kept at once.
const COUNTS_KEPT: usize = 4096;

impl QueueCounts {
    fn get(&self, reviewer: &str) -> Option<Vec<(String, i64)>> {
        let kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(reviewer)
            .filter(|(commits, at, _)| *commits == crate::db::commits() && at.elapsed() < COUNTS_TTL)
            .map(|(_, _, counts)| counts.clone())
    }

    /// Keeps counts read after `commits` writes: one that committed during the read makes them
    /// stale at once.
    fn put(&self, reviewer: &str, commits: u64, counts: &[(String, i64)]) {
        let mut kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() >= COUNTS_KEPT {
            kept.clear();
        }
        kept.insert(reviewer.to_string(), (commits, Instant::now(), counts.to_vec()));
    }
}

/// The reviewer's queue with what its page needs around it.
pub async fn queue(ctx: &Context, caller: &Caller, query: &ClaimQuery) -> AppResult<QueueOverview> {
    let (limit, offset) = query.page()?;
    let filter = query.filter()?;
    let who = caller.clone();
    let cached = ctx.queue_counts.get(&caller.id);
    let commits = crate::db::commits();
    let fresh = cached.is_none();
    let (rows, total, counts, buildings) = ctx
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &who.id)?;
            let rows = db::queue(conn, &jurisdictions, &filter, limit, offset)?;
            let counts = match cached {
                Some(counts) => counts,
                None => db::queue_counts(conn, &jurisdictions)?,
            };
            // Filtered by state at most, the counts already hold the total: one count fewer.
            let total = if filter.narrows_beyond_states() {
                db::queue_total(conn, &jurisdictions, &filter)?
            } else {
                counts
                    .iter()
                    .filter(|(ctx, _)| filter.states.is_empty() || filter.states.contains(ctx))
                    .map(|(_, n)| n)
                    .sum()
            };
            let buildings = reg::buildings_in(conn, &jurisdictions)?;
            Ok::<_, AppError>((crate::service::claims::with_progress(conn, rows)?, total, counts, buildings))
        })
        .await?;
    if fresh {
        ctx.queue_counts.put(&caller.id, commits, &counts);
    }
    let claims = crate::service::claims::responses(rows, caller, limit, offset)?.items;
    let by_state: HashMap<String, i64> = counts.into_iter().collect();
    let counts = ClaimState::ALL.iter().filter_map(|s| by_state.get(s.as_str()).map(|n| (*s, *n))).collect();
    Ok(QueueOverview { claims, total, limit, offset, counts, buildings })
}

/// A claim's dossier: its page, its evidence with flags, the names of its place, and what the
/// caller's forms offer as the party they are to it. The bureau's console and every other party's
/// claim page show it.
pub struct Dossier {
    pub page: ClaimPage,
    pub evidence: Vec<EvidenceItem>,
    pub estate: String,
    pub building: String,
    pub unit: Option<String>,
    /// What the caller is to this claim: its applicant, its designated unit, its developer…
    pub parties: Vec<Party>,
    /// The lifecycle steps the caller may take in the claim's state, by name (`Action::name`).
    pub steps: Vec<StepName>,
    /// The organisations the bureau may designate to repair: (id, name).
    pub repair_units: Vec<(String, String)>,
    /// The designated repair unit's name, once there is one (the pay form names the payee).
    pub repair_unit_name: Option<String>,
    /// Short-lived links to the signature images the caller may see, by cost-sheet revision: the
    /// applicant and the bureau see every drawing; the designated unit only those captured in
    /// person on its phones, never the applicant's own.
    pub signature_links: Vec<(i32, String)>,
    /// Revisions whose signature drawing has the same bytes as an earlier revision's: (revision,
    /// earlier revision). A drawing is made for the sheet it signs; the same bytes twice are a copy.
    pub repeated_drawings: Vec<(i32, i32)>,
    /// The claim's work orders, for the unit doing the work.
    pub work_orders: Vec<WorkOrderView>,
    /// Whom the unit may send: its technicians and staff, (id, name).
    pub colleagues: Vec<(String, String)>,
}

impl Dossier {
    pub fn is(&self, party: &Party) -> bool {
        self.parties.contains(party)
    }

    /// Revisions in conflict, to compare side by side.
    pub fn conflicting(&self) -> Vec<&CostSheetView> {
        self.page.cost_sheets.iter().filter(|s| s.conflict).collect()
    }

    /// The link to a revision's signature image, if it has one.
    pub fn signature_link(&self, revision: &i32) -> Option<&str> {
        self.signature_links.iter().find(|(r, _)| r == revision).map(|(_, l)| l.as_str())
    }

    /// The earlier revision whose drawing this revision's repeats, if any.
    pub fn repeats_drawing_of(&self, revision: &i32) -> Option<i32> {
        self.repeated_drawings.iter().find(|(r, _)| r == revision).map(|(_, earlier)| *earlier)
    }

    pub fn is_signed_in_person(&self, sheet: &CostSheetView) -> bool {
        sheet.signature == Some(SignatureKind::InPerson)
    }

    /// The latest cost-sheet revision.
    pub fn latest_sheet(&self) -> Option<&CostSheetView> {
        self.page.cost_sheets.last()
    }
}

/// A claim's dossier, if the caller may see the claim.
pub async fn dossier(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<Dossier> {
    let who = caller.clone();
    let id = id.to_string();
    let (
        page,
        stored,
        (estate, building, unit),
        (parties, steps),
        (repair_units, repair_unit_name, work_orders, colleagues),
        drawings,
    ) = ctx
        .db
        .read(move |conn| {
            let row = crate::service::policy::visible_claim(conn, &who, &id)?;
            let stored = read_evidence(conn, &id)?;
            let drawings = db::drawing_hashes(conn, &id)?;
            let names = reg::place_names(conn, &row.building_id, row.unit_id.as_deref())?;
            let parties = crate::service::policy::parties(&who, &row);
            let steps = row.machine().possible_steps_for(who.role, &parties);
            let units =
                if steps.contains(&StepName::Approve) { reg::designatable_units(conn)? } else { Vec::new() };
            let unit_name = match &row.repair_unit_id {
                Some(unit) => reg::organisation_name(conn, unit)?,
                None => None,
            };
            let (orders, colleagues) = match &row.repair_unit_id {
                Some(unit) if parties.contains(&Party::DesignatedUnit) => {
                    (work_orders::of_claim(conn, &who, &row.id)?, work_orders::assignable(conn, unit)?)
                }
                _ => (Vec::new(), Vec::new()),
            };
            let page = page_of(conn, &who, row)?;
            let others = (units, unit_name, orders, colleagues);
            Ok::<_, AppError>((page, stored, names, (parties, steps), others, drawings))
        })
        .await?;
    let sees_drawing = |s: &CostSheetView| {
        parties.contains(&Party::Applicant)
            || parties.contains(&Party::Reviewer)
            || caller.role == Role::Admin
            || (parties.contains(&Party::DesignatedUnit) && s.signature == Some(SignatureKind::InPerson))
    };
    let signature_links = page
        .cost_sheets
        .iter()
        .filter(|s| sees_drawing(s))
        .filter_map(|s| {
            s.signature_file_id.as_deref().map(|f| (s.revision, signed_link(ctx, f, Variant::Original)))
        })
        .collect();
    let repeated_drawings = drawings
        .iter()
        .filter_map(|(revision, sha)| {
            let earlier = drawings.iter().filter(|(r, h)| h == sha && r < revision).map(|(r, _)| *r).min()?;
            Some((*revision, earlier))
        })
        .collect();
    Ok(Dossier {
        signature_links,
        repeated_drawings,
        page,
        evidence: evidence_items(ctx, stored),
        estate,
        building,
        unit,
        parties,
        steps,
        repair_units,
        repair_unit_name,
        work_orders,
        colleagues,
    })
}

/// Stores a document a reviewer uploads for a step of one claim (the developer's deregistration,
/// the testing agency's report), only when the claim is theirs to see: nobody keeps files in the
/// name of a claim of another jurisdiction. The step that names the file attaches it.
pub async fn claim_document<S, C, E>(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    new: PlainUpload,
    body: S,
) -> AppResult<FileView>
where
    S: futures_util::Stream<Item = Result<C, E>> + Unpin,
    C: AsRef<[u8]>,
    E: crate::service::files::BodyError,
{
    let (who, claim) = (caller.clone(), id.to_string());
    ctx.db.read(move |conn| crate::service::policy::visible_claim(conn, &who, &claim).map(|_| ())).await?;
    store_plain(ctx, caller, new, body).await
}
