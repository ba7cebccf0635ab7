//! Evidence on a claim: attach an uploaded file as a before/during/after photo, a receipt, an
//! inspection report or a signature, optionally tied to a visit or a cost-sheet line; and the list a
//! reviewer reads, with EXIF beside the device's own report, plausibility flags, and signed links.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::accounts::now;
use crate::db::claims as claims_db;
use crate::db::files::{self as db, EvidenceRow};
use crate::db::work_orders as wo_db;
use crate::db::DbConnection;
use crate::domain::evidence::EvidenceKind;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::{Act, ClaimKind};
use crate::domain::next_step::Party;
use crate::domain::plausibility::{self, Photo, Reference};
use crate::error::{AppError, AppResult};
use crate::media::inspect::MediaType;
use crate::media::store::Variant;
use crate::service::claims::notices::{self, Event};
use crate::service::files::{check_quota, signed_link, FileView};
use crate::service::policy::{self, Caller};
use crate::service::utc;
use crate::service::Context;
use crate::service::{parse_id, position};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e", "kind": "before"}))]
pub struct AttachEvidence {
    /// A file the caller uploaded.
    pub file_id: String,
    /// before, during, after, receipt, inspection_report or signature.
    pub kind: String,
    /// The visit it documents, on one of this claim's work orders.
    pub visit_id: Option<String>,
    /// The cost sheet and line it supports (a receipt for a material line, say).
    pub cost_sheet_id: Option<String>,
    pub line: Option<i32>,
    /// When and where the device says it was taken.
    pub taken_at: Option<DateTime<Utc>>,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
}

/// What the device reported, beside what the file says.
#[derive(Serialize, ToSchema)]
pub struct ReportedView {
    pub taken_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Short-lived links for `<img>` tags and downloads.
#[derive(Serialize, ToSchema)]
pub struct LinksView {
    pub original: String,
    pub preview: Option<String>,
    pub thumbnail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceItem {
    pub file: FileView,
    pub kind: String,
    pub visit_id: Option<String>,
    pub cost_sheet_id: Option<String>,
    pub line: Option<i32>,
    pub reported: Option<ReportedView>,
    pub attached_by: String,
    pub attached_at: DateTime<Utc>,
    /// `no_exif`, `far_from_site`, `outside_visit_time`, `reused_on_other_claim`: reasons for a
    /// reviewer to look twice, never refusals.
    pub flags: Vec<String>,
    pub links: LinksView,
}

/// Attaches an uploaded file to a claim; false when it was attached already, which changes nothing.
pub async fn attach(ctx: &Context, caller: &Caller, id: &ClaimId, req: AttachEvidence) -> AppResult<bool> {
    let user = caller.clone();
    let claim_id = id.to_string();
    let file_id = parse_id(&req.file_id)?;
    req.kind.parse::<EvidenceKind>().map_err(|_| AppError::invalid("kind"))?;
    position(req.latitude, req.longitude, "latitude")?;
    if req.line.is_some() && req.cost_sheet_id.is_none() {
        return Err(AppError::invalid("cost_sheet_id"));
    }
    let visit_id = req.visit_id.as_deref().map(parse_id).transpose()?;
    let cost_sheet_id = req.cost_sheet_id.as_deref().map(parse_id).transpose()?;
    let quota = ctx.limits.claim_quota_bytes;
    let row = EvidenceRow {
        claim_id,
        evidence_id: file_id,
        kind: req.kind,
        attached_by: user.id.clone(),
        attached_at: now(),
        visit_id,
        cost_sheet_id,
        line_no: req.line,
        reported_taken_at: req.taken_at.map(|t| t.naive_utc()),
        reported_lat: req.latitude,
        reported_lng: req.longitude,
    };
    ctx.db.write(move |conn| attach_on(conn, &user, None, &row, quota)).await
}

/// Uploads a file in one request and attaches it to a claim as `kind` (a page's form: the
/// developer's testing report, say). Whether the caller may attach that kind to this claim now is
/// asked before any byte is kept; the attachment then checks it all again with the claim locked.
pub async fn attach_upload<S, C, E>(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    kind: &str,
    new: crate::service::files::PlainUpload,
    body: S,
) -> AppResult<()>
where
    S: futures_util::Stream<Item = Result<C, E>> + Unpin,
    C: AsRef<[u8]>,
    E: crate::service::files::BodyError,
{
    let parsed: EvidenceKind = kind.parse().map_err(|_| AppError::invalid("kind"))?;
    let (who, claim_id) = (caller.clone(), id.to_string());
    ctx.db
        .read(move |conn| {
            let claim = policy::visible_claim(conn, &who, &claim_id)?;
            let emergency = claim.kind == ClaimKind::EmergencyAdvance;
            parsed.may_attach(policy::attacher(&who, &claim), claim.state, emergency).map_err(AppError::from)
        })
        .await?;
    let file = crate::service::files::store_plain(ctx, caller, new, body).await?;
    let req = AttachEvidence {
        file_id: file.id,
        kind: kind.to_string(),
        visit_id: None,
        cost_sheet_id: None,
        line: None,
        taken_at: None,
        latitude: None,
        longitude: None,
    };
    attach(ctx, caller, id, req).await.map(|_| ())
}

/// Attaches a file the caller uploaded to a claim they can see, checking what it is linked to and the
/// claim's quota, and records it in the claim's audit trail. Returns false when it was attached
/// already. Shared by the REST endpoint and the sync protocol's `evidence_attached`.
pub(crate) fn attach_on(
    conn: &mut DbConnection,
    user: &Caller,
    device_id: Option<&str>,
    row: &EvidenceRow,
    quota: u64,
) -> AppResult<bool> {
    // The claim's lock first, so that two attachments cannot both pass its quota on PostgreSQL.
    claims_db::lock_claims(conn, &[row.claim_id.as_str()])?;
    let scope = policy::claim_scope(conn, user)?;
    let claim = claims_db::find_claim(conn, &scope, &row.claim_id)?;
    let kind: EvidenceKind = row.kind.parse().map_err(|_| AppError::invalid("kind"))?;
    let emergency = claim.kind == ClaimKind::EmergencyAdvance;
    kind.may_attach(policy::attacher(user, &claim), claim.state, emergency).map_err(AppError::from)?;
    db::require_own_files(conn, &user.id, [&row.evidence_id])?;
    if let Some(visit) = &row.visit_id {
        if !wo_db::visits_of_claim(conn, &claim.id)?.iter().any(|v| &v.id == visit) {
            return Err(AppError::invalid("visit_id"));
        }
    }
    if let Some(sheet) = &row.cost_sheet_id {
        if !claims_db::cost_sheets_of(conn, &claim.id)?.iter().any(|s| &s.id == sheet) {
            return Err(AppError::invalid("cost_sheet_id"));
        }
        if let Some(line) = row.line_no {
            if !claims_db::lines_of(conn, sheet)?.iter().any(|l| l.line_no == line) {
                return Err(AppError::invalid("line"));
            }
        }
    }
    let (_, blob) = db::file(conn, &row.evidence_id)?;
    check_quota(conn, &claim.id, u64::try_from(blob.size).unwrap_or(0), quota)?;
    let added = db::attach(conn, row)?;
    if added {
        let actor = user.actor(device_id);
        let detail = json!({"file_id": row.evidence_id, "kind": row.kind, "sha256": blob.sha256});
        claims_db::append_audit(
            conn,
            &claim.id,
            &actor,
            Act::EvidenceAttached,
            Some(claim.state),
            claim.state,
            detail,
        )?;
        // The developer's testing report is what the reviewer waits for to record the finding.
        if kind == EvidenceKind::InspectionReport && policy::parties(user, &claim).contains(&Party::Developer)
        {
            let params = json!({"file_id": row.evidence_id});
            notices::tell(conn, &claim, Event::InspectionReportFiled, &user.id, params)?;
        }
    }
    Ok(added)
}

/// A claim's evidence for a reviewer: each file with its EXIF, the device's report, what it is
/// linked to, plausibility flags, and links valid for a few minutes.
pub async fn list(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<Vec<EvidenceItem>> {
    let user = caller.clone();
    let claim_id = id.to_string();
    let stored = ctx
        .db
        .read(move |conn| {
            let scope = policy::claim_scope(conn, &user)?;
            let claim = claims_db::find_claim(conn, &scope, &claim_id)?;
            read_evidence(conn, &claim.id)
        })
        .await?;
    Ok(evidence_items(ctx, stored))
}

/// What a claim's evidence list is made of, as stored.
pub(crate) struct StoredEvidence {
    items: Vec<(db::EvidenceRow, db::FileRow, db::BlobRow)>,
    visits: Vec<wo_db::VisitRow>,
    reused: std::collections::HashSet<String>,
}

/// Reads a claim's evidence, its visits and which of its files appear on other claims. The
/// caller has already checked that the claim is visible.
pub(crate) fn read_evidence(conn: &mut DbConnection, claim_id: &str) -> AppResult<StoredEvidence> {
    let items = db::evidence_detail(conn, claim_id)?;
    let hashes: Vec<String> = items.iter().map(|(_, f, _)| f.sha256.clone()).collect();
    let reused = db::reused_elsewhere(conn, claim_id, &hashes)?;
    Ok(StoredEvidence { items, visits: wo_db::visits_of_claim(conn, claim_id)?, reused })
}

/// The evidence list from what is stored: flags against the visits, links signed now.
pub(crate) fn evidence_items(ctx: &Context, stored: StoredEvidence) -> Vec<EvidenceItem> {
    let StoredEvidence { items, visits, reused } = stored;
    let site = visits.iter().find_map(|v| v.check_in_lat.zip(v.check_in_lng));
    let window_of = |vs: &mut dyn Iterator<Item = &wo_db::VisitRow>| {
        vs.map(|v| (v.check_in_at, v.check_out_at.unwrap_or(v.check_in_at + Duration::hours(12))))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    };
    items
        .into_iter()
        .map(|(ev, file, blob)| {
            let linked = ev.visit_id.as_ref().and_then(|id| visits.iter().find(|v| &v.id == id));
            let reference = match linked {
                Some(v) => Reference {
                    site: v.check_in_lat.zip(v.check_in_lng).or(site),
                    window: window_of(&mut std::iter::once(v)),
                },
                // Claim-level photos of the repair are compared with all its visits; "before"
                // photos and documents only with the site.
                None => Reference {
                    site,
                    window: ev
                        .kind
                        .parse::<EvidenceKind>()
                        .is_ok_and(EvidenceKind::documents_the_repair)
                        .then(|| window_of(&mut visits.iter()))
                        .flatten(),
                },
            };
            let is_image = MediaType::parse(&blob.media_type).is_some_and(MediaType::is_image);
            let photo = Photo {
                is_image,
                has_exif: blob.has_exif,
                taken_at: blob.taken_at,
                position: blob.gps_lat.zip(blob.gps_lng),
                reused: reused.contains(&blob.sha256),
            };
            let flags =
                plausibility::flags(&photo, &reference).into_iter().map(|f| f.as_str().to_string()).collect();
            let ready = blob.derivatives == "ready";
            let links = LinksView {
                original: signed_link(ctx, &file.id, Variant::Original),
                preview: ready.then(|| signed_link(ctx, &file.id, Variant::Preview)),
                thumbnail: ready.then(|| signed_link(ctx, &file.id, Variant::Thumbnail)),
            };
            let reported =
                (ev.reported_taken_at.is_some() || ev.reported_lat.is_some()).then(|| ReportedView {
                    taken_at: ev.reported_taken_at.map(utc),
                    latitude: ev.reported_lat,
                    longitude: ev.reported_lng,
                });
            EvidenceItem {
                file: FileView::new(file, blob),
                kind: ev.kind,
                visit_id: ev.visit_id,
                cost_sheet_id: ev.cost_sheet_id,
                line: ev.line_no,
                reported,
                attached_by: ev.attached_by,
                attached_at: utc(ev.attached_at),
                flags,
                links,
            }
        })
        .collect()
}
