// The phone's durable state, in IndexedDB (through idb): the outbox of acts in the order they were
// made, the photos and drawings they need uploaded first, what the server answered, the pulled work
// set with its cursor, the device's key and tokens, and drafts of whatever is being typed. Every
// change is one IndexedDB transaction, so a page closed at any moment reopens consistent.

import { openDB } from "./idb-8.0.4.js";

const NAME = "baoxiu-field";
// Version 1. A later version upgrades in `upgrade` and carries every outbox row forward.
const VERSION = 1;

let opened = null;

export function db() {
  if (!opened) {
    opened = openDB(NAME, VERSION, {
      upgrade(store) {
        store.createObjectStore("meta");
        store.createObjectStore("claims", { keyPath: "claim_id" });
        const outbox = store.createObjectStore("outbox", { keyPath: "local", autoIncrement: true });
        outbox.createIndex("state", "state");
        store.createObjectStore("blobs", { keyPath: "sha256" });
        store.createObjectStore("drafts");
      },
      blocking() {
        // A newer version of the app wants to upgrade: let it, and reload into it.
        opened?.then((d) => d.close());
        opened = null;
      },
    });
  }
  return opened;
}

export async function meta(key) {
  return (await db()).get("meta", key);
}

export async function setMeta(entries) {
  const tx = (await db()).transaction("meta", "readwrite");
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) tx.store.delete(key);
    else tx.store.put(value, key);
  }
  await tx.done;
}

export async function draft(key) {
  return (await db()).get("drafts", key);
}

/** Drafts whose key starts with `prefix`, as [key, value] pairs. */
export async function drafts(prefix) {
  const d = await db();
  const keys = (await d.getAllKeys("drafts")).filter((k) => String(k).startsWith(prefix));
  return Promise.all(keys.map(async (k) => [k, await d.get("drafts", k)]));
}

export async function setDraft(key, value) {
  const d = await db();
  if (value === undefined) await d.delete("drafts", key);
  else await d.put("drafts", value, key);
}

/** Every claim held, as pulled. */
export async function claims() {
  return (await db()).getAll("claims");
}

export async function claim(id) {
  return (await db()).get("claims", id);
}

/** Stores one pulled page and its cursor together; a reset page first drops what was held. */
export async function storePull(page, pulledAt) {
  const tx = (await db()).transaction(["claims", "meta"], "readwrite");
  const claimsStore = tx.objectStore("claims");
  if (page.reset) await claimsStore.clear();
  for (const change of page.changes) {
    await claimsStore.put(change);
  }
  const metaStore = tx.objectStore("meta");
  metaStore.put(page.cursor, "cursor");
  metaStore.put(pulledAt, "pulled_at");
  if (page.reference) metaStore.put(page.reference, "reference");
  await tx.done;
}

/**
 * Queues one act, with the blobs (photo or drawing files) it needs on the server first. `row` holds
 * kind, base_version, payload, payload_hash, id and what the page shows of it; `doneDraft` names
 * the draft it was made from, removed with it.
 */
export async function enqueue(row, blobs = [], doneDraft = null) {
  const tx = (await db()).transaction(["outbox", "blobs", "drafts"], "readwrite");
  // The draft the act was made from goes in the same transaction: never both, never neither.
  if (doneDraft) tx.objectStore("drafts").delete(doneDraft);
  for (const blob of blobs) {
    const held = await tx.objectStore("blobs").get(blob.sha256);
    // A file kept, or one whose bytes went (`prune`) and is taken again: the bytes come back.
    if (!held) tx.objectStore("blobs").put({ ...blob, uploadUrl: null, uploaded: false });
    else if (!held.blob && blob.blob) tx.objectStore("blobs").put({ ...held, blob: blob.blob });
  }
  const local = await tx.objectStore("outbox").add({
    ...row,
    blobs: blobs.map((b) => b.sha256),
    state: "waiting",
    seq: null,
    reason: null,
    made_at: new Date().toISOString(),
  });
  await tx.done;
  return local;
}

/** Every outbox row in the order the acts were made. */
export async function outbox() {
  return (await db()).getAll("outbox");
}

export async function putRow(row) {
  await (await db()).put("outbox", row);
}

export async function blob(sha256) {
  return (await db()).get("blobs", sha256);
}

export async function putBlob(record) {
  await (await db()).put("blobs", record);
}

/**
 * Numbers the rows that may go now, in order, and returns them: rows numbered before (a resend),
 * then waiting rows whose files are all on the server, stopping at the first whose files are still
 * on their way (nothing reaches the server before what it refers to). A row held back for good
 * (its file was refused) is passed over. The numbering is stored before anything is sent.
 */
export async function numberReady(limit) {
  const tx = (await db()).transaction(["outbox", "blobs", "meta"], "readwrite");
  const rows = await tx.objectStore("outbox").index("state").getAll("waiting");
  rows.sort((a, b) => a.local - b.local);
  let next = (await tx.objectStore("meta").get("next_seq")) || 1;
  const ready = rows.filter((r) => r.seq !== null).sort((a, b) => a.seq - b.seq);
  for (const row of rows) {
    if (ready.length >= limit) break;
    if (row.seq !== null) continue;
    let waiting = false;
    for (const sha of row.blobs) {
      const b = await tx.objectStore("blobs").get(sha);
      if (!b || !b.uploaded) waiting = true;
    }
    if (waiting) break;
    row.seq = next++;
    await tx.objectStore("outbox").put(row);
    ready.push(row);
  }
  await tx.objectStore("meta").put(next, "next_seq");
  await tx.done;
  return ready.slice(0, limit);
}

/** Stores the server's answers for numbered rows, in one transaction. */
export async function recordResults(results) {
  const tx = (await db()).transaction("outbox", "readwrite");
  const rows = await tx.store.index("state").getAll("waiting");
  for (const result of results) {
    const row = rows.find((r) => r.seq === result.seq);
    if (!row) continue;
    row.state = result.outcome === "duplicate" ? "applied" : result.outcome;
    row.reason = result.reason || null;
    row.retryable = !!result.retryable;
    row.answered_at = new Date().toISOString();
    await tx.store.put(row);
  }
  await tx.done;
}

/** How long the bytes of a file stay on the phone after every act that uses it applied. */
export const KEEP_APPLIED_FILES_MS = 3 * 24 * 3600 * 1000;

/**
 * Frees the phone's storage: a photo or drawing whose acts all applied, the last of them more than
 * `keepMs` before `now`, is on the server for good, so its bytes go (the record stays, uploaded,
 * so a later act naming it needs nothing sent). A file any act still waits on, or one refused,
 * keeps its bytes. Returns how many files were freed.
 */
export async function prune(now = Date.now(), keepMs = KEEP_APPLIED_FILES_MS) {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const rows = await tx.objectStore("outbox").getAll();
  const lastApplied = new Map();
  const needed = new Set();
  for (const row of rows) {
    for (const sha of row.blobs || []) {
      if (row.state === "applied") {
        const at = Date.parse(row.answered_at || "") || now;
        lastApplied.set(sha, Math.max(lastApplied.get(sha) || 0, at));
      } else {
        needed.add(sha);
      }
    }
  }
  let freed = 0;
  for (const [sha, at] of lastApplied) {
    if (needed.has(sha) || now - at < keepMs) continue;
    const record = await tx.objectStore("blobs").get(sha);
    if (!record || !record.blob || !record.uploaded) continue;
    await tx.objectStore("blobs").put({ ...record, blob: null, pruned_at: new Date(now).toISOString() });
    freed += 1;
  }
  await tx.done;
  return freed;
}

/** What a broken phone held: every row not applied, with the payloads, for the office. */
export async function unsent() {
  return (await outbox()).filter((r) => r.state !== "applied");
}
