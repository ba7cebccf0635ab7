//! The phone's durable state, in SQLite: the outbox of numbered mutations, the blobs they need
//! uploaded first, what the server answered, and what pulls brought down. Every change is one SQLite
//! transaction, so a phone that dies at any moment resumes from a consistent outbox.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::payloads::{ClaimSnapshot, CostSheetSnapshot, PlanSnapshot, WorkOrderSnapshot};
use crate::wire::WireLine;
use crate::wire::{wire_name, Mutation, MutationKind, MutationResult, Outcome, PullResponse};
use crate::Money;

/// A mutation the server refused, kept for the person to see.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub seq: u64,
    pub kind: String,
    pub reason: Option<String>,
    pub retryable: bool,
    pub payload: serde_json::Value,
}

impl Rejected {
    /// The reason in words for the person holding the phone (`RejectReason::text`), in Chinese or
    /// (`english`) English; `None` for a reason this build does not know.
    pub fn reason_text(&self, english: bool) -> Option<&'static str> {
        let code = self.reason.as_deref()?;
        crate::wire::RejectReason::ALL.into_iter().find(|r| wire_name(*r) == code).map(|r| r.text(english))
    }
}

/// A blob waiting to be uploaded, and how far it got.
#[derive(Clone, Debug)]
pub struct PendingBlob {
    pub sha256: String,
    pub path: PathBuf,
    pub upload_url: Option<String>,
}

/// The local store.
pub struct Outbox {
    conn: Connection,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_version INTEGER,
    payload TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    entity_version INTEGER
);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, upload_url TEXT, file_id TEXT);
CREATE TABLE IF NOT EXISTS mutation_blobs (seq INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (seq, sha256));
CREATE TABLE IF NOT EXISTS claims (claim_id TEXT PRIMARY KEY, change INTEGER NOT NULL, snapshot TEXT NOT NULL);
";

impl Outbox {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Outbox> {
        let conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Outbox { conn })
    }

    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
    }

    pub fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        put_meta(&self.conn, key, value)
    }

    /// Keeps a rotated pair of tokens, together: the refresh token that replaced the one spent
    /// must never be lost.
    pub fn set_tokens(&mut self, access: &str, refresh: &str) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        put_meta(&tx, "access_token", access)?;
        put_meta(&tx, "refresh_token", refresh)?;
        tx.commit()
    }

    /// Records a mutation made offline, with the blobs (hash, file) it needs on the server first.
    /// It takes the next number; once this returns, it survives a crash.
    pub fn enqueue(
        &mut self,
        kind: MutationKind,
        base_version: Option<i64>,
        payload: serde_json::Value,
        blobs: &[(String, PathBuf)],
    ) -> anyhow::Result<Mutation> {
        let tx = self.conn.transaction()?;
        let seq: u64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox", [], |r| r.get(0))?;
        let mutation = Mutation::new(seq, uuid::Uuid::now_v7().to_string(), kind, base_version, payload)?;
        tx.execute(
            "INSERT INTO outbox (seq, id, kind, base_version, payload, payload_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                seq,
                mutation.id,
                wire_name(kind),
                base_version,
                mutation.payload.to_string(),
                mutation.payload_hash
            ],
        )?;
        for (sha256, path) in blobs {
            tx.execute(
                "INSERT INTO blobs (sha256, path) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
                params![sha256, path.to_string_lossy()],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO mutation_blobs (seq, sha256) VALUES (?1, ?2)",
                params![seq, sha256],
            )?;
        }
        tx.commit()?;
        Ok(mutation)
    }

    /// The oldest mutations not yet acknowledged, in order, stopping before the first whose blobs
    /// are not uploaded yet (a mutation never reaches the server before what it references).
    pub fn pending(&self, limit: usize) -> anyhow::Result<Vec<Mutation>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.seq, o.id, o.kind, o.base_version, o.payload, o.payload_hash,
                    (SELECT COUNT(*) FROM mutation_blobs mb JOIN blobs b ON b.sha256 = mb.sha256
                      WHERE mb.seq = o.seq AND b.file_id IS NULL)
               FROM outbox o WHERE o.state = 'pending' ORDER BY o.seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, base_version, payload, payload_hash, missing) = row?;
            if missing > 0 {
                break;
            }
            out.push(Mutation {
                seq,
                id,
                kind: serde_json::from_value(serde_json::Value::String(kind))?,
                base_version,
                payload: serde_json::from_str(&payload)?,
                payload_hash,
            });
        }
        Ok(out)
    }

    /// How many mutations wait for the server.
    pub fn pending_count(&self) -> rusqlite::Result<u64> {
        self.conn.query_row("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", [], |r| r.get(0))
    }

    /// Stores the server's answers, all in one transaction.
    pub fn record(&mut self, results: &[MutationResult]) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        for r in results {
            let state = match r.outcome {
                Outcome::Applied => "applied",
                Outcome::Duplicate => "duplicate",
                Outcome::Rejected => "rejected",
            };
            let reason = r.reason.map(wire_name);
            tx.execute(
                "UPDATE outbox SET state = ?2, reason = ?3, retryable = ?4, entity_version = ?5 WHERE seq = ?1",
                params![r.seq, state, reason, r.retryable, r.entity_version],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Mutations the server refused, oldest first, for the app to show.
    pub fn rejected(&self) -> anyhow::Result<Vec<Rejected>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, kind, reason, retryable, payload FROM outbox WHERE state = 'rejected' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, u64>(0)?, r.get(1)?, r.get(2)?, r.get::<_, bool>(3)?, r.get::<_, String>(4)?))
        })?;
        rows.map(|row| {
            let (seq, kind, reason, retryable, payload) = row?;
            Ok(Rejected { seq, kind, reason, retryable, payload: serde_json::from_str(&payload)? })
        })
        .collect()
    }

    /// The state of one mutation: `pending`, `applied`, `duplicate` or `rejected`.
    pub fn state_of(&self, seq: u64) -> rusqlite::Result<Option<String>> {
        self.conn.query_row("SELECT state FROM outbox WHERE seq = ?1", [seq], |r| r.get(0)).optional()
    }

    /// Blobs still to upload.
    pub fn blobs_to_upload(&self) -> rusqlite::Result<Vec<PendingBlob>> {
        let mut stmt =
            self.conn.prepare("SELECT sha256, path, upload_url FROM blobs WHERE file_id IS NULL")?;
        let rows = stmt.query_map([], |r| {
            Ok(PendingBlob {
                sha256: r.get(0)?,
                path: PathBuf::from(r.get::<_, String>(1)?),
                upload_url: r.get(2)?,
            })
        })?;
        rows.collect()
    }

    pub fn set_upload_url(&self, sha256: &str, url: Option<&str>) -> rusqlite::Result<()> {
        self.conn.execute("UPDATE blobs SET upload_url = ?2 WHERE sha256 = ?1", params![sha256, url])?;
        Ok(())
    }

    pub fn blob_uploaded(&self, sha256: &str, file_id: &str) -> rusqlite::Result<()> {
        self.conn.execute("UPDATE blobs SET file_id = ?2 WHERE sha256 = ?1", params![sha256, file_id])?;
        Ok(())
    }

    /// Stores a pulled page and its cursor together.
    pub fn store_pull(&mut self, page: &PullResponse) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        if page.reset {
            // What the account may see changed as a whole: this page starts a fresh snapshot.
            tx.execute("DELETE FROM claims", [])?;
        }
        for change in &page.changes {
            let snapshot = serde_json::to_string(&HeldClaim {
                claim: change.claim.clone(),
                work_orders: change.work_orders.clone(),
                cost_sheets: change.cost_sheets.clone(),
                plan: change.plan.clone(),
            })?;
            tx.execute(
                "INSERT INTO claims (claim_id, change, snapshot) VALUES (?1, ?2, ?3)
                 ON CONFLICT (claim_id) DO UPDATE SET change = excluded.change, snapshot = excluded.snapshot",
                params![change.claim_id, change.change, snapshot],
            )?;
        }
        if let Some(reference) = &page.reference {
            put_meta(&tx, "reference", &reference.to_string())?;
        }
        put_meta(&tx, "cursor", &page.cursor)?;
        tx.commit()?;
        Ok(())
    }

    /// A pulled claim.
    pub fn claim(&self, claim_id: &str) -> anyhow::Result<Option<HeldClaim>> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT snapshot FROM claims WHERE claim_id = ?1", [claim_id], |r| r.get(0))
            .optional()?;
        Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?)
    }

    /// Every pulled claim.
    pub fn claims(&self) -> anyhow::Result<Vec<HeldClaim>> {
        let mut stmt = self.conn.prepare("SELECT snapshot FROM claims ORDER BY claim_id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }
}

/// A claim as the phone holds it since its last pull: the claim, the work orders the account works
/// on, and its cost-sheet revisions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldClaim {
    pub claim: ClaimSnapshot,
    pub work_orders: Vec<WorkOrderSnapshot>,
    pub cost_sheets: Vec<CostSheetSnapshot>,
    /// The approved plan, once there is one (protocol 3; absent in what an older build stored).
    #[serde(default)]
    pub plan: Option<PlanSnapshot>,
}

impl HeldClaim {
    /// A cost-sheet line carrying out line `line` of the approved plan (numbered from 1): its
    /// kind, description, unit and budget come from the plan, so budget and actual compare like
    /// with like (Art. 22); the technician gives what was used and its price.
    pub fn line_from_plan(&self, line: i32, quantity: &str, unit_price: Money) -> anyhow::Result<WireLine> {
        let plan = self.plan.as_ref().ok_or_else(|| anyhow::anyhow!("the claim has no approved plan yet"))?;
        let planned = plan
            .lines
            .iter()
            .find(|l| l.line == line)
            .ok_or_else(|| anyhow::anyhow!("the approved plan has no line {line}"))?;
        Ok(WireLine {
            kind: planned.kind,
            description: planned.description.clone(),
            unit: planned.unit.clone(),
            quantity: quantity.to_string(),
            unit_price,
            budget: planned.budget,
        })
    }

    /// The work order `id` of this claim, if work can still be queued on it: a completed order
    /// takes no more visits, so the phone refuses at once rather than queue what the server
    /// will refuse.
    pub fn open_work_order(&self, id: &str) -> anyhow::Result<&WorkOrderSnapshot> {
        let order = self
            .work_orders
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(|| anyhow::anyhow!("work order {id} is not in the local store; run `sync`"))?;
        anyhow::ensure!(
            order.status != "completed",
            "work order {id} is completed; nothing more can be recorded on it (run `sync` if it was reopened)"
        );
        Ok(order)
    }
}

/// Sets one `meta` value, on the outbox's connection or inside one of its transactions.
fn put_meta(conn: &rusqlite::Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
