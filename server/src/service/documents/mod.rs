//! Printable documents (`printing`): the repair cost sheet of one revision, the claim dossier, the
//! deposit certificate (Art. 15) and notice (Art. 10), the usage notice to the developer (Art. 26)
//! and a building's yearly publication (Art. 28), for those who may see the claim or the building.
//!
//! Each issued PDF has a number and is stored as a blob, so the same number always gives the same
//! bytes. The number is found again by what was printed (the content key, a SHA-256 of the
//! document's model): printing unchanged content gives the same number and bytes; a new revision,
//! a signature, a verdict or a payment gives a new one. Anyone holding a copy can check its number
//! and hash on the public verification page, which shows no personal data.

use std::io::Write;

use baoxiu_sync_protocol::Money;
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::accounts::now;
use crate::db::documents::{self as db, IssuedRow};
use crate::domain::deadlines::shanghai_date;
use crate::error::{AppError, AppResult};
use crate::media::store::Variant;
use crate::messages::Code;
use crate::printing::labels::ZH as L;
use crate::printing::{self, Block, Printed};
use crate::service::policy::Caller;
use crate::service::Context;

mod claim;
mod fund;

pub use claim::{cost_sheet, dossier, usage_notice};
pub use fund::{deposit, publication};

/// The kinds of document, with the prefix of their numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    CostSheet,
    Dossier,
    DepositCertificate,
    DepositNotice,
    UsageNotice,
    Publication,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::CostSheet,
        Kind::Dossier,
        Kind::DepositCertificate,
        Kind::DepositNotice,
        Kind::UsageNotice,
        Kind::Publication,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CostSheet => "cost_sheet",
            Kind::Dossier => "dossier",
            Kind::DepositCertificate => "deposit_certificate",
            Kind::DepositNotice => "deposit_notice",
            Kind::UsageNotice => "usage_notice",
            Kind::Publication => "publication",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::CostSheet => "FY",
            Kind::Dossier => "JZ",
            Kind::DepositCertificate => "JC",
            Kind::DepositNotice => "TZ",
            Kind::UsageNotice => "SY",
            Kind::Publication => "GS",
        }
    }

    /// The document's printed title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::CostSheet => L.cost_sheet_title,
            Kind::Dossier => L.dossier_title,
            Kind::DepositCertificate => L.certificate_title,
            Kind::DepositNotice => L.deposit_notice_title,
            Kind::UsageNotice => L.usage_notice_title,
            Kind::Publication => L.publication_title,
        }
    }
}

/// An issued PDF.
pub struct Issued {
    pub number: String,
    pub pdf: Vec<u8>,
    pub filename: String,
}

/// What the public verification page shows of a document: no names, no addresses, no phones.
#[derive(Serialize, ToSchema)]
pub struct Verification {
    pub number: String,
    /// cost_sheet, dossier, deposit_certificate, deposit_notice, usage_notice or publication.
    pub kind: String,
    pub title: String,
    pub issued_at: chrono::DateTime<Utc>,
    /// SHA-256 of the PDF as issued, lowercase hex: a copy whose hash differs is not this document.
    pub sha256: String,
    pub size: i64,
    /// The amounts and dates printed on it, by label.
    #[schema(value_type = Object)]
    pub facts: Value,
}

fn not_enabled() -> AppError {
    AppError::new(Code::NotFound).detail("pdf_enabled = false")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bytes of a stored blob.
async fn read_blob(ctx: &Context, sha256: &str, variant: Variant) -> AppResult<Option<Vec<u8>>> {
    ctx.media.store.read(sha256, variant).await.map_err(AppError::internal)
}

/// Issues `doc` as `kind` of `subject`, or returns what was issued for the same content before.
async fn issue(
    ctx: &Context,
    caller: &Caller,
    kind: Kind,
    subject: String,
    blocks: Vec<Block>,
    facts: Value,
) -> AppResult<Issued> {
    let mut doc = Printed {
        title: kind.title().into(),
        number: String::new(),
        issued_on: String::new(),
        verify_url: String::new(),
        blocks,
    };
    let fonts = ctx.fonts.clone().ok_or_else(not_enabled)?;
    let key = sha256_hex(&serde_json::to_vec(&(&doc.title, &doc.blocks)).map_err(AppError::internal)?);
    let (k, s, c) = (kind.as_str(), subject.clone(), key.clone());
    let found = ctx.db.read(move |conn| db::issued_for(conn, k, &s, &c)).await?;
    if let Some(row) = found {
        return stored(ctx, kind, row).await;
    }
    let today = shanghai_date(Utc::now());
    let number = format!(
        "BXW-{}-{}-{}",
        kind.prefix(),
        today.format("%Y%m%d"),
        hex::encode_upper(&uuid::Uuid::now_v7().as_bytes()[10..16])
    );
    doc.number = number.clone();
    doc.issued_on = today.to_string();
    doc.verify_url = format!("{}/verify/{number}", ctx.limits.public_url.trim_end_matches('/'));
    let pdf = tokio::task::spawn_blocking(move || printing::render(&doc, &fonts))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(anyhow::anyhow!("pdf: {e}")))?;
    let sha256 = sha256_hex(&pdf);
    // Kept like evidence: content-addressed, written once, durable before it is named.
    let staged = ctx.media.staging_file("document");
    let mut file = std::fs::File::create(&staged.0).map_err(AppError::internal)?;
    file.write_all(&pdf).and_then(|()| file.sync_all()).map_err(AppError::internal)?;
    ctx.media.store.adopt(&staged.0, &sha256, "application/pdf").await.map_err(AppError::internal)?;
    let row = IssuedRow {
        number: number.clone(),
        kind: kind.as_str().to_string(),
        subject_id: subject,
        content_key: key,
        sha256,
        size: i64::try_from(pdf.len()).unwrap_or(i64::MAX),
        summary: facts.to_string(),
        issued_by: caller.id.clone(),
        issued_at: now(),
    };
    let (kind_name, subject, content) = (row.kind.clone(), row.subject_id.clone(), row.content_key.clone());
    let winner = ctx
        .db
        .write(move |conn| match db::insert(conn, &row)? {
            true => Ok(None),
            // Issued meanwhile by another request: that one is the document.
            false => db::issued_for(conn, &kind_name, &subject, &content),
        })
        .await?;
    match winner {
        Some(row) => stored(ctx, kind, row).await,
        None => Ok(Issued { filename: filename(kind, &number), number, pdf }),
    }
}

fn filename(kind: Kind, number: &str) -> String {
    format!("{}-{number}.pdf", kind.as_str())
}

/// An amount as documents print it.
fn money(m: Money) -> String {
    crate::messages::yuan(m)
}

/// A document issued before, as it was stored.
async fn stored(ctx: &Context, kind: Kind, row: IssuedRow) -> AppResult<Issued> {
    let pdf = read_blob(ctx, &row.sha256, Variant::Original).await?.ok_or(AppError::new(Code::NotFound))?;
    Ok(Issued { filename: filename(kind, &row.number), number: row.number, pdf })
}

/// What anyone may check of a document by its number.
pub async fn verify(ctx: &Context, number: &str) -> AppResult<Verification> {
    let number = number.to_string();
    if number.len() > 64 || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::new(Code::NotFound));
    }
    let row =
        ctx.db.read(move |conn| db::by_number(conn, &number)).await?.ok_or(AppError::new(Code::NotFound))?;
    let kind = Kind::ALL.into_iter().find(|k| k.as_str() == row.kind).ok_or(AppError::new(Code::NotFound))?;
    Ok(Verification {
        title: kind.title().to_string(),
        number: row.number,
        kind: row.kind,
        issued_at: crate::service::utc(row.issued_at),
        sha256: row.sha256,
        size: row.size,
        facts: serde_json::from_str(&row.summary).unwrap_or(Value::Null),
    })
}
