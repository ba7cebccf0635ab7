//! Deposit notices and payments (Art. 8-16): the bureau notifies, the developer may object, the
//! bureau re-checks, payments follow with late fees, and the paid notice yields its certificate.

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::accounts::{new_id, now};
use crate::db::fund::{self as db, NoticeRow, PaymentRow, Posting};
use crate::db::notify::{self, Notify};
use crate::db::registry as reg;
use crate::db::{files as files_db, DbConnection};
use crate::domain::articles::Article;
use crate::domain::deadlines::{self, shanghai_date, Clock};
use crate::domain::deposit::{self, AwardLevel, Certification, Reductions};
use crate::domain::deposit_notice::{NoticeEvent, NoticeRefusal, NoticeStatus};
use crate::domain::evidence::DepositEvidenceKind;
use crate::domain::ids::BuildingId;
use crate::domain::ledger::{self, EntryKind};
use crate::domain::registry::BuildingClass;
use crate::domain::rules::RuleSettings;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Notice};
use crate::service::policy;
use crate::service::utc;
use crate::service::Context;
use crate::service::{parse_id, text, Caller};

/// The reductions a reviewer approves (Art. 9), as the wire carries them.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, Default)]
#[serde(deny_unknown_fields)]
pub struct ReductionsInput {
    /// (i) Engineering quality liability insurance: no deposit.
    #[serde(default)]
    pub insured: bool,
    /// (ii) `3a`, `2a` or `1a`.
    pub certification: Option<Certification>,
    /// (iii) `national`, `provincial` or `municipal`; refunded after the award.
    pub award: Option<AwardLevel>,
    /// (iv) At most 1 percentage point, as a decimal string.
    #[schema(value_type = Option<String>, pattern = r"^[0-9]+(\.[0-9]{1,2})?$", example = "0.5")]
    pub credit_points: Option<Decimal>,
}

impl ReductionsInput {
    pub(super) fn domain(self) -> Reductions {
        Reductions {
            insured: self.insured,
            certification: self.certification,
            award: self.award,
            credit_points: self.credit_points.unwrap_or(Decimal::ZERO),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    pub id: String,
    /// insurance_policy, performance_certificate, award or credit_rating.
    pub kind: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositNoticeRequest {
    /// The base: the building's construction and installation cost unless the bureau uses its
    /// published average for the building type (Art. 10).
    pub cost: Option<Money>,
    #[serde(default)]
    pub reductions: ReductionsInput,
    /// Pay by this date, before hand-over (Art. 12).
    pub due_on: NaiveDate,
    #[serde(default)]
    pub evidence: Vec<EvidenceInput>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub late_fee: Money,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    pub id: String,
    pub building_id: String,
    pub status: NoticeStatus,
    pub cost: Money,
    pub class: BuildingClass,
    /// The rate applied, in percent.
    pub rate: String,
    pub reductions: serde_json::Value,
    pub amount: Money,
    pub due_on: NaiveDate,
    pub notified_at: DateTime<Utc>,
    /// The developer may object until this day (Art. 11).
    pub objection_due_on: NaiveDate,
    pub objection: Option<String>,
    pub recheck_note: Option<String>,
    pub paid: Money,
    pub outstanding: Money,
    /// Late fees charged with payments so far (Art. 16).
    pub late_fee_charged: Money,
    /// The late fee accrued on the unpaid part as of today, not yet charged (Art. 16).
    pub late_fee_accruing: Money,
    pub certificate_number: Option<String>,
    pub payments: Vec<PaymentView>,
    pub evidence: Vec<EvidenceRef>,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceRef {
    pub id: String,
    pub kind: String,
}

pub(crate) fn notice_view(conn: &mut DbConnection, row: NoticeRow) -> AppResult<NoticeView> {
    let payments = db::payments_of(conn, &row.id)?;
    let evidence = db::evidence_of(conn, &row.id)?;
    let today = shanghai_date(Utc::now());
    let paid: Vec<(NaiveDate, Money)> =
        payments.iter().map(|p| (p.paid_on, Money::from_fen(p.amount_fen))).collect();
    let accrued = deposit::late_fee(Money::from_fen(row.amount_fen), fee_start(&row), &paid, today)
        .map_err(AppError::internal)?;
    let accruing = accrued - Money::from_fen(row.late_fee_fen);
    Ok(NoticeView {
        id: row.id,
        building_id: row.building_id,
        status: row.status,
        cost: Money::from_fen(row.cost_fen),
        class: row.class,
        rate: row.rate,
        reductions: serde_json::from_str(&row.reductions).unwrap_or(serde_json::Value::Null),
        amount: Money::from_fen(row.amount_fen),
        due_on: row.due_on,
        notified_at: utc(row.notified_at),
        objection_due_on: row.objection_due_on,
        objection: row.objection,
        recheck_note: row.recheck_note,
        paid: Money::from_fen(row.paid_fen),
        outstanding: Money::from_fen(row.amount_fen - row.paid_fen),
        late_fee_charged: Money::from_fen(row.late_fee_fen),
        late_fee_accruing: if accruing.is_negative() { Money::ZERO } else { accruing },
        certificate_number: row.certificate_number,
        payments: payments
            .into_iter()
            .map(|p| PaymentView {
                amount: Money::from_fen(p.amount_fen),
                paid_on: p.paid_on,
                bank_reference: p.bank_reference,
                late_fee: Money::from_fen(p.late_fee_fen),
            })
            .collect(),
        evidence: evidence.into_iter().map(|(id, kind)| EvidenceRef { id, kind }).collect(),
        version: row.version,
    })
}

fn assess(class: BuildingClass, cost: Money, reductions: ReductionsInput) -> AppResult<deposit::Assessment> {
    deposit::assess(class, cost, &reductions.domain())
        .map_err(|e| AppError::invalid("reductions").detail(e.article().to_string()))
}

/// The bureau notifies the developer of the deposit a building owes (Art. 8-10, 12). One per
/// building; the developer may object within 7 days (Art. 11).
pub async fn notify_deposit(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    body: DepositNoticeRequest,
) -> AppResult<NoticeView> {
    let (user, id, rules) = (caller.clone(), id.to_string(), ctx.rules.clone());
    ctx.db.write(move |conn| notify_deposit_in(conn, &rules, &user, &id, body, now())).await
}

/// The notice, served at `notified_at`, in the caller's transaction: for the API (now) and for the
/// demo estate's history.
pub fn notify_deposit_in(
    conn: &mut DbConnection,
    rules: &RuleSettings,
    user: &Caller,
    id: &str,
    req: DepositNoticeRequest,
    notified_at: chrono::NaiveDateTime,
) -> AppResult<NoticeView> {
    let building_id = parse_id(id)?;
    let evidence: Vec<(String, String)> =
        req.evidence.iter().map(|e| Ok((parse_id(&e.id)?, e.kind.clone()))).collect::<AppResult<_>>()?;
    for needed in req.reductions.domain().required_evidence() {
        if !evidence.iter().any(|(_, kind)| kind == needed.as_str()) {
            return Err(AppError::invalid("evidence").detail(format!("{needed} (Art. 9)")));
        }
    }
    if evidence.iter().any(|(_, k)| k.parse::<DepositEvidenceKind>().is_err()) {
        return Err(AppError::invalid("evidence.kind"));
    }
    let (building, jurisdiction, developer_id) = policy::building_in_scope(conn, user, &building_id)?;
    deposit::check_due_date(req.due_on, shanghai_date(notified_at.and_utc()), building.handover_date)
        .map_err(|e| {
            let article = match e {
                deposit::DueDateRefused::BeforeNotice => Article::LATE_FEE,
                deposit::DueDateRefused::AfterHandover => Article::DEPOSIT_BEFORE_HANDOVER,
            };
            AppError::invalid("due_on").detail(format!("due_on ({article})"))
        })?;
    let cost = req.cost.unwrap_or(Money::from_fen(building.construction_cost_fen));
    let assessment = assess(building.class, cost, req.reductions)?;
    let objection =
        deadlines::due(Clock::DepositObjection, notified_at.and_utc(), rules.day_count, &rules.calendar)
            .map_err(AppError::internal)?;
    let exempt = assessment.amount == Money::ZERO;
    let row = NoticeRow {
        id: new_id(),
        // Exempt (Art. 9 (i)): certified as served, without a payment (Art. 15).
        certificate_number: exempt
            .then(|| certificate_number(&jurisdiction, shanghai_date(notified_at.and_utc()))),
        building_id: building.id.clone(),
        jurisdiction,
        developer_id: developer_id.clone(),
        cost_fen: cost.to_fen(),
        class: building.class,
        rate: assessment.rate.normalize().to_string(),
        reductions: serde_json::to_string(&req.reductions).map_err(AppError::internal)?,
        amount_fen: assessment.amount.to_fen(),
        due_on: req.due_on,
        notified_at,
        objection_due_on: objection.due_on,
        status: NoticeStatus::served(exempt),
        objection: None,
        objected_at: None,
        recheck_note: None,
        rechecked_at: None,
        paid_fen: 0,
        late_fee_fen: 0,
        version: 1,
    };
    files_db::require_own_files(conn, &user.id, evidence.iter().map(|(id, _)| id))?;
    db::insert_notice(conn, &row, &evidence)?;
    let developers = notify::members_of(conn, &developer_id)?;
    notify::notify(
        conn,
        &developers,
        &Notify {
            notice: Notice::DepositNotified,
            claim_id: None,
            work_order_id: None,
            key: &row.id,
            params: json!({"building_id": row.building_id, "amount": assessment.amount, "due_on": row.due_on}),
        },
    )?;
    notice_view(conn, row)
}

/// A building's deposit notice with its payments and the late fee accruing today.
pub async fn get_notice(ctx: &Context, caller: &Caller, id: &BuildingId) -> AppResult<NoticeView> {
    let user = caller.clone();
    let building_id = id.to_string();
    ctx.db
        .read(move |conn| {
            let row = visible_notice(conn, &user, &building_id)?;
            notice_view(conn, row)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    #[schema(max_length = 4000)]
    pub reason: String,
}

/// The developer objects to the notified amount, within 7 days of the notice (Art. 11).
pub async fn object_to_notice(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    body: ObjectionRequest,
) -> AppResult<NoticeView> {
    let user = caller.clone();
    let building_id = id.to_string();
    let reason = text(&body.reason, "reason", 4000)?;
    ctx.db
        .write(move |conn| {
            let mut row = visible_notice(conn, &user, &building_id)?;
            let event =
                NoticeEvent::Object { on: shanghai_date(Utc::now()), objection_due_on: row.objection_due_on };
            advance(&mut row, event)?;
            row.objection = Some(reason);
            row.objected_at = Some(now());
            db::save_notice(conn, &mut row)?;
            notice_view(conn, row)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecheckRequest {
    pub version: Option<i32>,
    /// Keep the notified amount, or correct it with new reductions or a new cost.
    pub corrected: bool,
    pub cost: Option<Money>,
    pub reductions: Option<ReductionsInput>,
    #[schema(max_length = 4000)]
    pub note: String,
}

/// The bureau re-checks an objected notice and confirms or corrects it (Art. 11).
pub async fn recheck(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    req: RecheckRequest,
) -> AppResult<NoticeView> {
    let user = caller.clone();
    let building_id = id.to_string();
    let note = text(&req.note, "note", 4000)?;
    ctx.db
        .write(move |conn| {
            let mut row = visible_notice(conn, &user, &building_id)?;
            if req.version.is_some_and(|v| v != row.version) {
                return Err(AppError::new(Code::StaleVersion).detail(row.version.to_string()));
            }
            advance(&mut row, NoticeEvent::Recheck)?;
            if req.corrected {
                let cost = req.cost.unwrap_or(Money::from_fen(row.cost_fen));
                let reductions = match req.reductions {
                    Some(r) => r,
                    None => serde_json::from_str(&row.reductions).map_err(AppError::internal)?,
                };
                let assessment = assess(row.class, cost, reductions)?;
                row.cost_fen = cost.to_fen();
                row.rate = assessment.rate.normalize().to_string();
                row.reductions = serde_json::to_string(&reductions).map_err(AppError::internal)?;
                row.amount_fen = assessment.amount.to_fen();
            }
            row.recheck_note = Some(note);
            row.rechecked_at = Some(now());
            db::save_notice(conn, &mut row)?;
            notice_view(conn, row)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    pub amount: Money,
    pub paid_on: NaiveDate,
    #[schema(max_length = 100)]
    pub bank_reference: String,
}

/// Records a deposit payment. A late payment is charged the late fee on the unpaid part from the
/// day after the due date (Art. 16); deposit and fee enter the journal, shared among the
/// categories. Paid in full, the notice yields a deposit certificate (Art. 15).
pub async fn record_payment(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    body: PaymentRequest,
) -> AppResult<NoticeView> {
    let (user, id) = (caller.clone(), id.to_string());
    ctx.db.write(move |conn| record_payment_in(conn, &user, &id, body)).await
}

/// The payment in the caller's transaction: for the API and for the demo estate's history.
pub fn record_payment_in(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
    req: PaymentRequest,
) -> AppResult<NoticeView> {
    let building_id = parse_id(id)?;
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    if req.amount.is_negative() || req.amount == Money::ZERO {
        return Err(AppError::invalid("amount"));
    }
    if req.paid_on > shanghai_date(Utc::now()) {
        return Err(AppError::invalid("paid_on"));
    }
    let mut row = visible_notice(conn, user, &building_id)?;
    let settles = req.amount.to_fen() == row.amount_fen - row.paid_fen;
    advance(&mut row, NoticeEvent::Pay { settles })?;
    if req.amount.to_fen() > row.amount_fen - row.paid_fen {
        return Err(AppError::new(Code::PaymentExceedsOutstanding)
            .detail(Money::from_fen(row.amount_fen - row.paid_fen).to_string()));
    }
    let earlier = db::payments_of(conn, &row.id)?;
    if earlier.iter().any(|p| p.paid_on > req.paid_on) {
        return Err(AppError::invalid("paid_on").detail("before an earlier payment"));
    }
    let mut paid: Vec<(NaiveDate, Money)> =
        earlier.iter().map(|p| (p.paid_on, Money::from_fen(p.amount_fen))).collect();
    paid.push((req.paid_on, req.amount));
    let fee_to_date = deposit::late_fee(Money::from_fen(row.amount_fen), fee_start(&row), &paid, req.paid_on)
        .map_err(AppError::internal)?;
    let fee = fee_to_date - Money::from_fen(row.late_fee_fen);
    let fee = if fee.is_negative() { Money::ZERO } else { fee };
    db::insert_payment(
        conn,
        &PaymentRow {
            id: new_id(),
            notice_id: row.id.clone(),
            amount_fen: req.amount.to_fen(),
            paid_on: req.paid_on,
            bank_reference: bank_reference.clone(),
            late_fee_fen: fee.to_fen(),
            recorded_by: user.id.clone(),
            recorded_at: now(),
        },
    )?;
    let posting = |kind, reason| Posting {
        jurisdiction: &row.jurisdiction,
        building_id: &row.building_id,
        kind,
        entry_date: req.paid_on,
        claim_id: None,
        reason,
        recorded_by: &user.id,
    };
    db::post(conn, &posting(EntryKind::Deposit, "deposit (Art. 12)"), &ledger::shares(req.amount))?;
    db::post(conn, &posting(EntryKind::LateFee, "late fee (Art. 16)"), &ledger::shares(fee))?;
    row.paid_fen += req.amount.to_fen();
    row.late_fee_fen += fee.to_fen();
    if settles {
        row.certificate_number = Some(certificate_number(&row.jurisdiction, req.paid_on));
    }
    db::save_notice(conn, &mut row)?;
    notice_view(conn, row)
}

/// The day the notice's late fee counts from: its due date, never before it was served (Art. 16).
fn fee_start(row: &NoticeRow) -> NaiveDate {
    deposit::fee_runs_after(row.due_on, shanghai_date(row.notified_at.and_utc()))
}

/// The building's deposit notice, if the caller may see the building; otherwise `not_found`.
fn visible_notice(conn: &mut DbConnection, user: &Caller, building_id: &str) -> AppResult<NoticeRow> {
    policy::building_in_scope(conn, user, building_id)?;
    db::notice_of(conn, building_id)?.ok_or(AppError::new(Code::NotFound))
}

/// Moves the notice on by `event`, as `domain::deposit_notice` allows.
fn advance(row: &mut NoticeRow, event: NoticeEvent) -> AppResult<()> {
    let next = row.status.after(event).map_err(|refusal| match refusal {
        NoticeRefusal::OutOfOrder(article) => AppError::new(Code::StepOutOfOrder).detail(article.to_string()),
        NoticeRefusal::ObjectionPeriodOver(due) => {
            AppError::new(Code::ObjectionPeriodOver).detail(due.to_string())
        }
    })?;
    row.status = next;
    Ok(())
}

/// A deposit certificate number 交存证明编号: jurisdiction, year, and 48 random bits, so numbers can be
/// printed on paper and checked, but not guessed.
fn certificate_number(jurisdiction: &str, paid_on: NaiveDate) -> String {
    let random: u64 = rand::random();
    format!("BXJ-{jurisdiction}-{}-{:012X}", chrono::Datelike::year(&paid_on), random & 0xFFFF_FFFF_FFFF)
}

#[derive(Serialize, ToSchema)]
pub struct CertificateView {
    pub certificate_number: String,
    pub estate: String,
    pub building: String,
    pub amount: Money,
    pub paid_on: Option<NaiveDate>,
    pub valid: bool,
}

/// Checks a deposit certificate by its number (Art. 15): anyone holding one may verify it, so no
/// sign-in is needed; only what is printed on the certificate is returned.
pub async fn verify_certificate(ctx: &Context, number: &str) -> AppResult<CertificateView> {
    let number = number.to_string();
    if number.len() > 64 || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::new(Code::NotFound));
    }
    ctx.db
        .read(move |conn| {
            let row = db::notice_by_certificate(conn, &number)?.ok_or(AppError::new(Code::NotFound))?;
            let (building, _) = reg::find_building(conn, &reg::Scope::All, &row.building_id)?;
            let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
            let paid_on = db::payments_of(conn, &row.id)?.last().map(|p| p.paid_on);
            Ok(CertificateView {
                certificate_number: number,
                estate: estate.name,
                building: building.name,
                amount: Money::from_fen(row.amount_fen),
                paid_on,
                valid: row.status == NoticeStatus::Paid,
            })
        })
        .await
}

/// A building's fund together with its deposit notice, if it has one, read at once: the
/// console's building page.
pub async fn building_with_notice(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
) -> AppResult<(super::BuildingFund, Option<NoticeView>)> {
    let user = caller.clone();
    let building_id = id.to_string();
    let seasons = ctx.rules.seasons;
    ctx.db
        .read(move |conn| {
            let fund = super::visible_fund(conn, &user, building_id.clone(), &seasons)?;
            let notice = db::notice_of(conn, &building_id)?.map(|row| notice_view(conn, row)).transpose()?;
            Ok((fund, notice))
        })
        .await
}
