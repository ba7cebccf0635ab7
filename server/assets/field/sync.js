// Talking to the server: sign-in and the phone's enrolment (an Ed25519 key made by Web Crypto,
// never extractable), uploads through tus that resume after a cut, pushes of the outbox in order
// under a Web Lock (one tab at a time), and pulls of the work set with the protocol's cursor.
// Nothing here decides what is true: the server's exactly-once rules (seq, mutation ids) make every
// retry harmless, and its answers are what the outbox records.

import * as store from "./store.js";
import { canonical } from "./canonical.js";

export const PROTOCOL_VERSION = 4;
const LIMIT_MUTATIONS = 100;

/** Transient trouble (no connection, a 5xx, a 429): try again later. */
export class Offline extends Error {}
/** The session ended and could not be renewed: the technician signs in again; nothing is lost. */
export class SignedOut extends Error {}
/** The server refused for good; `code` is its error code. */
export class Refused extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
  }
}

async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new Offline(e.message);
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new Offline(String(response.status));
  }
  return response;
}

async function refused(response) {
  let body = {};
  try {
    body = await response.json();
  } catch (_) {
    // Not JSON: the status says enough.
  }
  if (response.status === 401) return new SignedOut(body.code || "401");
  return new Refused(response.status, body.code, body.message);
}

/** Trades the stored refresh token for new ones, both stored before either is used. */
async function refresh() {
  const token = await store.meta("refresh_token");
  if (!token) throw new SignedOut("no_refresh_token");
  const response = await request("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: token }),
  });
  if (!response.ok) {
    if (response.status === 401) await store.setMeta({ access_token: undefined, refresh_token: undefined });
    throw await refused(response);
  }
  const tokens = await response.json();
  await store.setMeta({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
  return tokens.access_token;
}

/** An authenticated call; a refused access token is renewed once. */
export async function api(path, options = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = attempt === 0 ? await store.meta("access_token") : await refresh();
    if (!token) {
      if (attempt === 0) continue;
      throw new SignedOut("no_token");
    }
    const headers = { ...(options.headers || {}), Authorization: "Bearer " + token };
    const response = await request(path, { ...options, headers });
    if (response.status === 401 && attempt === 0) continue;
    if (!response.ok) throw await refused(response);
    return response;
  }
  throw new SignedOut("401");
}

function base64(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** A UUIDv7: 48 bits of milliseconds, then random bits, with version and variant set. */
export function uuid7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = BigInt(Date.now());
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Signs in, and enrols this phone the first time (or when another account signs in with nothing
 * waiting). An account that differs from the one whose work is still queued is refused here, so
 * one person's unsent work is never sent under another's name.
 */
export async function signIn(username, password, deviceName) {
  const response = await request("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await refused(response);
  const tokens = await response.json();
  const me = tokens.user || {};
  const held = await store.meta("user_id");
  if (held && held !== me.id) {
    const waiting = (await store.outbox()).some((r) => r.state === "waiting" || r.state === "held");
    if (waiting) throw new Refused(409, "field_other_account");
    await resetPhone();
  }
  await store.setMeta({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    user_id: me.id,
    username: me.username || username,
    display_name: me.display_name || username,
  });
  if (!(await store.meta("device_id"))) await enrol(deviceName);
}

async function enrol(deviceName) {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = await crypto.subtle.exportKey("raw", keys.publicKey);
  const deviceId = uuid7();
  await api("/api/v1/devices", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ device_id: deviceId, name: deviceName, public_key: base64(publicKey) }),
  });
  // The private key object is kept as it is: IndexedDB stores it, but no script can read its bytes.
  await store.setMeta({ device_id: deviceId, device_key: keys.privateKey, next_seq: 1 });
}

async function resetPhone() {
  const d = await store.db();
  const tx = d.transaction(["meta", "claims", "outbox", "blobs", "drafts"], "readwrite");
  for (const name of ["meta", "claims", "outbox", "blobs", "drafts"]) tx.objectStore(name).clear();
  await tx.done;
}

/** The device's Ed25519 signature (standard base64) over a value's canonical JSON. */
export async function deviceSignature(value) {
  const key = await store.meta("device_key");
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key, new TextEncoder().encode(canonical(value)));
  return base64(signature);
}

/** Uploads one stored file through tus, resuming where the last attempt stopped. */
async function upload(record, onProgress) {
  const token = (await store.meta("access_token")) || (await refresh());
  const deviceId = await store.meta("device_id");
  return new Promise((resolve, reject) => {
    const task = new window.tus.Upload(record.blob, {
      endpoint: "/api/v1/uploads",
      uploadUrl: record.uploadUrl || undefined,
      chunkSize: 512 * 1024,
      retryDelays: [],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      headers: { Authorization: "Bearer " + token },
      metadata: { sha256: record.sha256, filename: record.name || record.sha256, device_id: deviceId },
      async onUploadUrlAvailable() {
        record.uploadUrl = new URL(task.url, location.href).pathname;
        await store.putBlob(record);
      },
      onProgress(sent, total) {
        record.sent = sent;
        onProgress?.(record.sha256, sent, total);
      },
      async onSuccess() {
        record.uploaded = true;
        record.sent = record.size;
        await store.putBlob(record);
        resolve();
      },
      async onError(error) {
        const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (status === 401) return reject(new SignedOut("401"));
        if (status === 404 || status === 410) {
          // The server forgot the upload (expired): start again next time.
          record.uploadUrl = null;
          await store.putBlob(record);
          return reject(new Offline(String(status)));
        }
        if (status >= 400 && status < 500 && status !== 409 && status !== 408 && status !== 429) {
          let code = "";
          try {
            code = JSON.parse(error.originalResponse.getBody()).code || "";
          } catch (_) {
            // No JSON body.
          }
          return reject(new Refused(status, code || "upload_refused"));
        }
        reject(new Offline(error.message));
      },
    });
    task.start();
  });
}

/** Holds back for good the acts among `rows` that need the file `sha`, with the reason. */
async function hold(rows, sha, reason) {
  for (const row of rows.filter((r) => r.blobs.includes(sha))) {
    row.state = "held";
    row.reason = reason;
    await store.putRow(row);
  }
}

/** Uploads every file the queued acts need; a file refused for good holds back only its own act. */
async function uploadAll(onProgress) {
  const rows = (await store.outbox()).filter((r) => r.state === "waiting");
  for (const row of rows) {
    for (const sha of row.blobs) {
      const record = await store.blob(sha);
      if (!record || record.uploaded) continue;
      if (!record.blob) {
        // Its bytes went after an earlier act applied (`store.prune`), and the server has lost the
        // file since: there is nothing to send, so the acts that need it are held.
        await hold(rows, sha, "field_file_gone");
        continue;
      }
      try {
        try {
          await upload(record, onProgress);
        } catch (e) {
          // An access token that lapsed while offline: renewed once, and the upload resumes.
          if (!(e instanceof SignedOut)) throw e;
          await refresh();
          await upload(await store.blob(sha), onProgress);
        }
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        await hold(rows, sha, e.code);
      }
    }
  }
}

/** Pushes the outbox in order, in batches the server accepts, recording each answer. */
async function pushAll() {
  const deviceId = await store.meta("device_id");
  // Halved when the server finds a batch too large (413), never below one act.
  let cap = LIMIT_MUTATIONS;
  for (;;) {
    const batch = await store.numberReady(cap);
    if (batch.length === 0) return;
    const body = {
      protocol_version: PROTOCOL_VERSION,
      device_id: deviceId,
      mutations: batch.map((r) => ({
        seq: r.seq,
        id: r.id,
        kind: r.kind,
        base_version: r.base_version,
        payload: r.payload,
        payload_hash: r.payload_hash,
      })),
    };
    let response;
    try {
      response = await api("/api/sync/push", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      if (e instanceof Refused && e.status === 413 && batch.length > 1) {
        cap = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      throw e;
    }
    const answer = await response.json();
    await store.recordResults(answer.results);
    await requeueRetryable(answer.results);
  }
}

/** A `missing_blob` answer is the one worth sending again: its file goes up anew, then a new act. */
async function requeueRetryable(results) {
  for (const result of results.filter((r) => r.outcome === "rejected" && r.retryable)) {
    const row = (await store.outbox()).find((r) => r.seq === result.seq);
    if (!row) continue;
    for (const sha of row.blobs) {
      const record = await store.blob(sha);
      if (record) await store.putBlob({ ...record, uploaded: false, uploadUrl: null });
    }
    row.state = "replaced";
    await store.putRow(row);
    const { local: _local, seq: _seq, state: _state, reason: _reason, ...rest } = row;
    await store.enqueue({ ...rest, id: uuid7() }, row.blobs.map((sha256) => ({ sha256 })));
  }
}

/** Pulls every page since the stored cursor. */
async function pullAll() {
  for (;;) {
    const cursor = await store.meta("cursor");
    const query = new URLSearchParams({ protocol_version: String(PROTOCOL_VERSION) });
    if (cursor) query.set("cursor", cursor);
    const response = await api("/api/sync/pull?" + query);
    const page = await response.json();
    await store.storePull(page, new Date().toISOString());
    if (!page.more) return;
  }
}

/**
 * One round: files, then the outbox, then a pull, under the outbox lock so two tabs never send at
 * once. Resolves to "done", "busy" (another tab holds the lock), or throws Offline / SignedOut.
 */
export async function round(onProgress) {
  const run = async () => {
    await uploadAll(onProgress);
    await pushAll();
    await pullAll();
    await store.prune();
    return "done";
  };
  if (!navigator.locks) return run();
  return navigator.locks.request("baoxiu-field-outbox", { ifAvailable: true }, (lock) => (lock ? run() : "busy"));
}
