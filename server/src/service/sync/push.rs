//! A push of mutations recorded offline (`sync-protocol/PROTOCOL.md`, "Push"): applied exactly
//! once, in order; a retry gets the recorded outcome back; a rejected one is kept and acknowledged
//! with its reason. The batch commits once, before the answer: acknowledged means durable.

use baoxiu_sync_protocol::wire::{
    check_batch, wire_name, BatchError, Mutation, MutationKind, MutationResult, Outcome, PushRequest,
    PushResponse, RejectReason,
};
use baoxiu_sync_protocol::SUPPORTED_VERSIONS;

use super::kinds::{self, Pusher, Revision};
use super::LIMITS;
use crate::db::claims::{self as claims_db, NewAudit};
use crate::db::sync::{self as db, RecordedMutation};
use crate::db::{accounts, DbConnection};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::Context;
use crate::service::{parse_id, Caller};

/// Applies a pushed batch for the caller's enrolled device, in one transaction.
pub async fn push(ctx: &Context, caller: &Caller, request: PushRequest) -> AppResult<PushResponse> {
    let device_id = parse_id(&request.device_id)?;
    if request.mutations.len() > LIMITS.max_mutations as usize {
        return Err(AppError::new(Code::PayloadTooLarge).detail(LIMITS.max_mutations.to_string()));
    }
    let user = caller.clone();
    let quota = ctx.limits.claim_quota_bytes;
    let signature_window = chrono::Duration::minutes(i64::from(ctx.limits.in_person_signature_window_mins));
    let rules = ctx.rules.clone();
    let kinds: Vec<(u64, String)> = request.mutations.iter().map(|m| (m.seq, wire_name(m.kind))).collect();
    // What needs no database is done first, off the write lock that every push shares.
    let (request, user, prepared) = tokio::task::spawn_blocking(move || {
        let prepared =
            request.mutations.iter().map(|m| Prepared::new(&user, m)).collect::<AppResult<Vec<_>>>();
        prepared.map(|p| (request, user, p))
    })
    .await
    .map_err(AppError::internal)??;
    ctx.db
        .write(move |conn| {
            let device = accounts::active_device_of(conn, &user.id, &device_id)?
                // Someone else's phone is outside the caller's scope, like any other object.
                .ok_or_else(|| AppError::new(Code::NotFound).detail("device_id"))?;
            let pusher = Pusher {
                user,
                device_id: device_id.clone(),
                public_key: device.public_key,
                claim_quota: quota,
                signature_window,
                rules,
            };
            let acked = db::acknowledged_through(conn, &device_id)?;
            check_batch(&request, (*SUPPORTED_VERSIONS.start(), *SUPPORTED_VERSIONS.end()), acked).map_err(
                |e| match e {
                    BatchError::UnsupportedVersion { .. } => super::unsupported_version(),
                    BatchError::Gap { expected } => {
                        AppError::new(Code::SequenceGap).detail(expected.to_string())
                    }
                    BatchError::NotConsecutive | BatchError::SeqOutOfRange => {
                        AppError::invalid("mutations.seq")
                    }
                },
            )?;
            let recorded = match request.mutations.first() {
                Some(first) if first.seq <= acked => {
                    db::recorded_between(conn, &device_id, first.seq, acked)?
                }
                _ => Default::default(),
            };
            let mut ledger = Ledger {
                device_id: device_id.clone(),
                results: Vec::new(),
                records: Vec::new(),
                audits: Vec::new(),
            };
            // A new mutation whose id another (or this batch's earlier one) carries is a replay:
            // rejected on its own, never failing the batch.
            let fresh: Vec<&str> =
                request.mutations.iter().filter(|m| m.seq > acked).map(|m| m.id.as_str()).collect();
            let mut taken = db::recorded_ids(conn, &fresh)?;
            // Consecutive cost-sheet revisions, the bulk of what phones send, are applied together.
            let mut run = Vec::new();
            for (m, p) in request.mutations.iter().zip(&prepared) {
                if m.seq <= acked {
                    let found = recorded.get(&m.seq).ok_or(AppError::new(Code::SequenceGap))?;
                    ledger.results.push(duplicate(m, found)?);
                } else if !taken.insert(m.id.clone()) {
                    ledger.settle_run(conn, &pusher, &mut run)?;
                    ledger.settle(m, p, Err(RejectReason::InvalidPayload));
                    if let Some(record) = ledger.records.last_mut() {
                        record.mutation_id = db::replay_id(&record.device_id, record.seq);
                    }
                } else if p.revision.is_some() {
                    run.push((m, p));
                } else {
                    ledger.settle_run(conn, &pusher, &mut run)?;
                    // The batch's change number is taken before the mutation's savepoint: were
                    // it taken inside and the mutation rejected, the rollback would undo the
                    // counter under a number the rest of the batch goes on using.
                    crate::db::transaction_change(|| claims_db::next_change(conn))?;
                    let outcome = if p.intact {
                        kinds::apply(conn, &pusher, m.kind, m.base_version, &m.payload)?
                    } else {
                        Err(RejectReason::InvalidPayload)
                    };
                    ledger.settle(m, p, outcome);
                }
            }
            ledger.settle_run(conn, &pusher, &mut run)?;
            // Last, so that the counter is locked only from here to the commit.
            claims_db::insert_audits(conn, ledger.audits)?;
            db::record(conn, &ledger.records)?;
            let acked = request.mutations.last().map_or(acked, |m| m.seq.max(acked));
            db::set_acknowledged(conn, &device_id, acked)?;
            Ok(PushResponse { acknowledged_through: acked, results: ledger.results })
        })
        .await
        .inspect(|response| {
            for (result, (_, kind)) in
                response.results.iter().zip(&kinds).filter(|(r, (seq, _))| r.seq == *seq)
            {
                let outcome = match result.outcome {
                    Outcome::Applied => "applied",
                    Outcome::Duplicate => "duplicate",
                    Outcome::Rejected => "rejected",
                };
                ctx.metrics.mutation(kind, outcome);
            }
        })
}

/// The answer to a mutation applied before: its recorded outcome, or an idempotency conflict
/// when the same number now carries something else.
fn duplicate(m: &Mutation, recorded: &RecordedMutation) -> AppResult<MutationResult> {
    let kind: MutationKind = serde_json::from_value(serde_json::Value::String(recorded.kind.clone()))
        .map_err(AppError::internal)?;
    // A replay's rejection is kept under its device and number, not the id it reused.
    let replayed = recorded.mutation_id == db::replay_id(&recorded.device_id, recorded.seq);
    let id = if replayed { m.id.as_str() } else { recorded.mutation_id.as_str() };
    if !m.same_as(id, kind, &recorded.payload_hash) {
        return Err(AppError::new(Code::IdempotencyConflict).detail(m.seq.to_string()));
    }
    let reason: Option<RejectReason> = recorded
        .reason
        .as_ref()
        .and_then(|r| serde_json::from_value(serde_json::Value::String(r.clone())).ok());
    Ok(MutationResult {
        seq: m.seq,
        id: m.id.clone(),
        outcome: if recorded.outcome == "applied" { Outcome::Duplicate } else { Outcome::Rejected },
        retryable: reason.is_some_and(RejectReason::retryable),
        reason,
        entity_version: recorded.entity_version,
    })
}

/// A push's answers and the outcomes to record, in the device's order.
struct Ledger {
    device_id: String,
    results: Vec<MutationResult>,
    records: Vec<RecordedMutation>,
    /// The audit entries of revisions, appended when the batch ends.
    audits: Vec<NewAudit>,
}

/// What can be known of a mutation before the write lock.
struct Prepared {
    /// The payload matches its hash and is within the advertised size.
    intact: bool,
    /// The payload as recorded; `null` for one above the size limit, which is not kept.
    text: String,
    /// An intact cost-sheet revision, checked as far as it can be without the database.
    revision: Option<Revision>,
}

impl Prepared {
    fn new(user: &Caller, m: &Mutation) -> AppResult<Prepared> {
        let text = m.payload.to_string();
        let fits = text.len() as u64 <= LIMITS.max_payload_bytes;
        let intact = fits && m.payload_matches();
        let revision = if intact && m.kind == MutationKind::CostSheetRevision {
            Some(Revision::prepare(user, m.base_version, &m.payload)?)
        } else {
            None
        };
        Ok(Prepared { intact, text: if fits { text } else { "null".into() }, revision })
    }
}

impl Ledger {
    fn settle(&mut self, m: &Mutation, p: &Prepared, outcome: Result<Option<i64>, RejectReason>) {
        let (reason, entity_version) = match outcome {
            Ok(version) => (None, version),
            Err(reason) => (Some(reason), None),
        };
        let outcome = if reason.is_none() { Outcome::Applied } else { Outcome::Rejected };
        self.records.push(RecordedMutation {
            device_id: self.device_id.clone(),
            seq: i64::try_from(m.seq).unwrap_or(i64::MAX),
            mutation_id: m.id.clone(),
            kind: wire_name(m.kind),
            payload: p.text.clone(),
            payload_hash: m.payload_hash.clone(),
            outcome: if outcome == Outcome::Applied { "applied" } else { "rejected" }.into(),
            reason: reason.map(wire_name),
            entity_version,
            received_at: db::received_now(),
        });
        self.results.push(MutationResult {
            seq: m.seq,
            id: m.id.clone(),
            outcome,
            retryable: reason.is_some_and(RejectReason::retryable),
            reason,
            entity_version,
        });
    }

    /// Applies the run of cost-sheet revisions gathered so far, and empties it.
    fn settle_run(
        &mut self,
        conn: &mut DbConnection,
        pusher: &Pusher,
        run: &mut Vec<(&Mutation, &Prepared)>,
    ) -> AppResult<()> {
        if run.is_empty() {
            return Ok(());
        }
        let revisions: Vec<&Revision> = run.iter().filter_map(|(_, p)| p.revision.as_ref()).collect();
        let outcomes = kinds::cost_sheet_revisions(conn, pusher, &revisions, &mut self.audits)?;
        for ((m, p), outcome) in run.drain(..).zip(outcomes) {
            self.settle(m, p, outcome);
        }
        Ok(())
    }
}
