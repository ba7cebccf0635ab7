// The technician's field app: the work set held on the phone, acts queued offline as the sync
// protocol's mutations, and an outbox that shows each act's fate. Every text comes from the page's
// texts (codes with zh-CN and English, chosen by the server for the page's language); nothing the
// server or a person typed is ever put into the page as HTML.

import * as store from "./store.js";
import * as sync from "./sync.js";
import { canonicalHash, sha256Hex } from "./canonical.js";
import * as money from "./money.js";

const shell = document.getElementById("field");
const TEXTS = JSON.parse(document.getElementById("texts").textContent);
const VERSION = shell.dataset.version;
const view = document.getElementById("view");

/** The text of a code, with {0}, {1}… filled in. */
function t(code, ...args) {
  const text = TEXTS[code] ?? code;
  return text.replace(/\{(\d)\}/g, (_, n) => String(args[Number(n)] ?? ""));
}

/** An element with attributes and children; strings become text nodes, never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

function nowIso() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---- Status: connection, data age, storage, outbox, updates -------------------------------------

const status = { online: null, signedOut: false, busy: false, progress: {} };

async function renderStatus() {
  const pulledAt = await store.meta("pulled_at");
  const line = document.getElementById("status");
  const state = status.online === false ? t("field_offline") : status.online ? t("field_online") : t("field_connecting");
  line.textContent = t("field_status", state, time(pulledAt));
  line.className = status.online === false ? "field-status offline" : "field-status";
  const rows = await store.outbox();
  const open = rows.filter((r) => r.state === "waiting" || r.state === "held").length;
  const rejected = rows.filter((r) => r.state === "rejected").length;
  const link = document.getElementById("outbox-link");
  link.textContent = t("field_outbox_count", open, rejected);
  document.getElementById("signin-again").hidden = !status.signedOut;
}

async function renderStorage() {
  const out = document.getElementById("storage");
  if (!navigator.storage) return;
  let persisted = await navigator.storage.persisted();
  if (!persisted && navigator.storage.persist) persisted = await navigator.storage.persist();
  const estimate = navigator.storage.estimate ? await navigator.storage.estimate() : { usage: 0 };
  const mb = ((estimate.usage || 0) / 1048576).toFixed(1);
  out.textContent = t(persisted ? "field_storage_persisted" : "field_storage_not_persisted", mb);
}

let registration = null;
let switching = false;

async function watchForUpdates() {
  if (!("serviceWorker" in navigator)) return;
  // The worker in place stays (a newer one is found by asking the server, `checkVersion`); the
  // first visit registers this page's version.
  registration = (await navigator.serviceWorker.getRegistration("/field/")) || (await register(VERSION));
  watch(registration);
  // The first worker takes control quietly; a switch the technician asked for reloads the page
  // into the new version.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (switching) location.reload();
  });
  // A page that opened while its worker was activating is not among the clients that activation
  // claimed, and would not work offline until reloaded: it asks the active worker to claim it.
  const ready = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) ready.active?.postMessage("claim");
}

/** Registers the worker of `version` (a new version installs beside the one in control). */
async function register(version) {
  const registered = await navigator.serviceWorker.register("/field/sw.js?v=" + encodeURIComponent(version), {
    scope: "/field/",
  });
  watch(registered);
  return registered;
}

const watched = new WeakSet();

/** Offers the switch whenever a new worker of this registration waits behind the one in control. */
function watch(registered) {
  if (watched.has(registered)) return;
  watched.add(registered);
  const offer = () => {
    if (registered.waiting && navigator.serviceWorker.controller) showUpdate();
  };
  registered.addEventListener("updatefound", () => registered.installing?.addEventListener("statechange", offer));
  offer();
}

/** Asks the server which version it serves; a newer one is installed beside this one, to wait. */
async function checkVersion() {
  if (!("serviceWorker" in navigator)) return;
  // A worker that failed to register or install (the connection dropped meanwhile) is tried again.
  if (!registration?.active && !registration?.installing && !registration?.waiting) {
    registration = await register(VERSION);
  }
  const response = await fetch("/field/version", { cache: "no-store" });
  const { version } = await response.json();
  if (version && version !== VERSION && !registration.waiting && !registration.installing) {
    registration = await register(version);
  }
}

async function showUpdate() {
  const banner = document.getElementById("update");
  const open = (await store.outbox()).filter((r) => r.state === "waiting").length;
  banner.replaceChildren(
    h("p", {}, open ? t("field_update_ready_queued", open) : t("field_update_ready")),
    h(
      "button",
      {
        type: "button",
        id: "switch-version",
        onclick: () => {
          switching = true;
          registration.waiting?.postMessage("skip-waiting");
        },
      },
      t("field_update_switch"),
    ),
  );
  banner.hidden = false;
}

// ---- Sending ------------------------------------------------------------------------------------

let retryTimer = null;
let failures = 0;

/** Sends what is queued and pulls; on trouble, tries again later with backoff and jitter. */
async function drain() {
  if (status.busy) return;
  status.busy = true;
  clearTimeout(retryTimer);
  try {
    const outcome = await sync.round((sha, sent, total) => {
      status.progress[sha] = Math.floor((sent * 100) / Math.max(total, 1));
      const bar = document.querySelector(`[data-upload="${sha}"]`);
      if (bar) bar.textContent = t("field_uploading", status.progress[sha]);
    });
    status.online = true;
    status.signedOut = false;
    failures = 0;
    if (outcome === "busy") retryTimer = setTimeout(drain, 3000);
    checkVersion().catch(() => {});
  } catch (e) {
    if (e instanceof sync.SignedOut) {
      status.online = true;
      status.signedOut = true;
    } else {
      status.online = !(e instanceof sync.Offline);
      failures += 1;
      const ceiling = Math.min(60000, 2000 * 2 ** Math.min(failures, 5));
      retryTimer = setTimeout(drain, 1000 + Math.random() * ceiling);
    }
  } finally {
    status.busy = false;
  }
  await renderStatus();
  await route(true);
}

async function queue(kind, baseVersion, payload, blobs = [], shown = {}, doneDraft = null) {
  const row = {
    id: sync.uuid7(),
    kind,
    base_version: baseVersion,
    payload,
    payload_hash: await canonicalHash(payload),
    shown,
  };
  await store.enqueue(row, blobs, doneDraft);
  await renderStatus();
  drain();
  return row;
}

// ---- The work set -------------------------------------------------------------------------------

async function workOrders() {
  const list = [];
  for (const held of await store.claims()) {
    for (const order of held.work_orders) list.push({ order, held });
  }
  return list;
}

async function findOrder(id) {
  return (await workOrders()).find((w) => w.order.id === id);
}

/** The work order's version as the server will have it once the acts before this one apply. */
async function orderVersion(order) {
  const pulledAt = (await store.meta("pulled_at")) || "";
  const pending = (await store.outbox()).filter(
    (r) =>
      (r.kind === "check_in" || r.kind === "check_out") &&
      r.payload.work_order_id === order.id &&
      (r.state === "waiting" || (r.state === "applied" && (r.answered_at || "") > pulledAt)),
  );
  return order.version + pending.length;
}

/** An act that stands: waiting, applied, or held for its file (not refused, replaced or discarded). */
function standing(row) {
  return row.state === "waiting" || row.state === "applied" || row.state === "held";
}

/** On site: the last check-in or check-out still standing, else the server's status. */
async function onSite(order) {
  const acts = (await store.outbox()).filter(
    (r) => (r.kind === "check_in" || r.kind === "check_out") && r.payload.work_order_id === order.id && standing(r),
  );
  const last = acts.at(-1);
  return last ? last.kind === "check_in" : order.status === "in_progress";
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve(p.coords),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
    );
  });
}

// ---- Views --------------------------------------------------------------------------------------

function signInForm(again) {
  const error = h("p", { class: "field-error", role: "alert", id: "signin-error" });
  const form = h(
    "form",
    {
      class: "field-card",
      id: again ? "signin-again-form" : "signin-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        error.textContent = "";
        try {
          await sync.signIn(
            String(data.get("username")).trim(),
            String(data.get("password")),
            String(data.get("device_name") || t("field_device_default")).trim(),
          );
          status.signedOut = false;
          location.hash = "";
          await drain();
        } catch (e) {
          error.textContent =
            e instanceof sync.Offline ? t("field_signin_offline") : t(e.code || "field_signin_failed");
        }
      },
    },
    h("h2", {}, again ? t("field_signin_again") : t("field_signin")),
    again ? h("p", {}, t("field_signin_again_why")) : null,
    h("label", { for: "field-username" }, t("field_username")),
    h("input", { id: "field-username", name: "username", autocomplete: "username", required: true }),
    h("label", { for: "field-password" }, t("field_password")),
    h("input", { id: "field-password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    again
      ? null
      : [
          h("label", { for: "field-device-name" }, t("field_device_name")),
          h("input", { id: "field-device-name", name: "device_name", value: t("field_device_default"), maxlength: 100 }),
        ],
    h("button", { type: "submit", id: "field-sign-in" }, t("field_signin_button")),
    error,
  );
  return form;
}

async function homeView() {
  if (!(await store.meta("device_id"))) return [signInForm(false)];
  const orders = (await workOrders()).filter((w) => w.order.status !== "completed");
  const name = await store.meta("display_name");
  const items = orders.map(({ order, held }) =>
    h(
      "li",
      { class: "field-card" },
      h(
        "a",
        { href: "#wo=" + order.id, class: "field-order", dataset: { order: order.id } },
        h("strong", {}, order.description),
        order.urgent ? h("span", { class: "field-badge" }, t("field_urgent")) : null,
        h("span", {}, held.claim.location_detail),
        h("span", { class: "field-muted" }, t("field_order_status_" + order.status)),
        order.on_site_by ? h("span", { class: "field-muted" }, t("field_on_site_by", order.on_site_by.slice(0, 10))) : null,
      ),
    ),
  );
  return [
    h("p", {}, t("field_hello", name || "")),
    h("h2", {}, t("field_work_orders")),
    items.length ? h("ul", { class: "field-list", id: "orders" }, items) : h("p", { id: "orders-empty" }, t("field_no_orders")),
  ];
}

async function orderView(id) {
  const found = await findOrder(id);
  if (!found) return [h("p", {}, t("field_order_gone")), h("a", { href: "#" }, t("field_back"))];
  const { order, held } = found;
  const claim = held.claim;
  const here = await onSite(order);
  const noteKey = "note:" + order.id;
  const note = h("textarea", {
    id: "note",
    name: "note",
    rows: 3,
    maxlength: 2000,
    oninput: (e) => store.setDraft(noteKey, e.target.value),
  });
  note.value = (await store.draft(noteKey)) || "";
  const where = h("p", { class: "field-muted", id: "position" });

  const visit = async (kind) => {
    // The tap is kept at once; the position (which may never come underground) is waited for
    // after, and an app closed meanwhile records the act without one when it opens again.
    const started = { kind, work_order_id: order.id, device_time: nowIso(), outcome: kind === "check_out" ? outcome.value : undefined };
    await store.setDraft("visit:" + order.id, started);
    where.textContent = t("field_locating");
    await recordVisit(started, await position());
    route();
  };

  const outcome = h(
    "select",
    { id: "outcome", name: "outcome" },
    ["done", "partial", "follow_up"].map((o) => h("option", { value: o }, t("field_outcome_" + o))),
  );

  const photoKind = h(
    "select",
    { id: "photo-kind", name: "photo_kind" },
    ["before", "during", "after"].map((k) => h("option", { value: k }, t("field_photo_" + k))),
  );
  photoKind.value = "during";
  const photoInput = h("input", {
    id: "photo",
    type: "file",
    accept: "image/*",
    capture: "environment",
    multiple: true,
    onchange: async (e) => {
      for (const file of Array.from(e.target.files)) await addPhoto(claim, file, photoKind.value);
      e.target.value = "";
      route();
    },
  });

  return [
    h("a", { href: "#", class: "field-back" }, t("field_back")),
    h("h2", {}, order.description),
    h("p", {}, claim.location_detail),
    h("p", { class: "field-muted" }, claim.description),
    h(
      "div",
      { class: "field-actions" },
      h("button", { type: "button", id: "check-in", disabled: here, onclick: () => visit("check_in") }, t("field_check_in")),
      h("button", { type: "button", id: "check-out", disabled: !here, onclick: () => visit("check_out") }, t("field_check_out")),
    ),
    here ? [h("label", { for: "outcome" }, t("field_outcome")), outcome] : null,
    where,
    h(
      "section",
      { class: "field-card" },
      h("h3", {}, t("field_note")),
      h("label", { for: "note" }, t("field_note_label")),
      note,
      h(
        "button",
        {
          type: "button",
          id: "save-note",
          onclick: async () => {
            const text = note.value.trim();
            if (!text) return;
            await queue("visit_note", await orderVersion(order), { work_order_id: order.id, note: text });
            await store.setDraft(noteKey, undefined);
            route();
          },
        },
        t("field_note_save"),
      ),
    ),
    h(
      "section",
      { class: "field-card" },
      h("h3", {}, t("field_photos")),
      h("label", { for: "photo-kind" }, t("field_photo_kind")),
      photoKind,
      h("label", { for: "photo" }, t("field_take_photo")),
      photoInput,
      await photoList(claim.id),
    ),
    h(
      "section",
      { class: "field-card" },
      h("h3", {}, t("field_cost_sheet")),
      await sheetSummary(held),
      h("a", { href: `#sheet=${claim.id}&wo=${order.id}`, class: "field-button", id: "open-sheet" }, t("field_sheet_open")),
    ),
  ];
}

/** Queues a check-in or check-out begun at `started`, with the position if there is one. */
async function recordVisit(started, coords) {
  const found = await findOrder(started.work_order_id);
  if (!found) return store.setDraft("visit:" + started.work_order_id, undefined);
  const payload = { work_order_id: started.work_order_id, device_time: started.device_time };
  if (coords) {
    payload.lat = coords.latitude.toFixed(6);
    payload.lng = coords.longitude.toFixed(6);
    payload.notes = t("field_accuracy", Math.round(coords.accuracy));
  } else {
    payload.notes = t("field_no_fix");
  }
  if (started.outcome) payload.outcome = started.outcome;
  const fix = coords ? Math.round(coords.accuracy) : null;
  await queue(started.kind, await orderVersion(found.order), payload, [], { fix }, "visit:" + started.work_order_id);
  await store.setMeta({ last_position: coords ? { lat: payload.lat, lng: payload.lng, at: Date.now() } : undefined });
}

async function addPhoto(claim, file, kind) {
  const sha256 = await sha256Hex(file);
  const payload = { claim_id: claim.id, sha256, kind };
  if (file.lastModified) payload.taken_at = new Date(file.lastModified).toISOString().replace(/\.\d{3}Z$/, "Z");
  const last = await store.meta("last_position");
  if (last && Date.now() - last.at < 10 * 60 * 1000) {
    payload.lat = last.lat;
    payload.lng = last.lng;
  }
  // The original bytes are what is hashed and sent: their EXIF time and place stay intact.
  const record = { sha256, blob: file, name: file.name, size: file.size, type: file.type };
  await queue("evidence_attached", claim.version, payload, [record], { name: file.name });
}

async function photoList(claimId) {
  const rows = (await store.outbox()).filter((r) => r.kind === "evidence_attached" && r.payload.claim_id === claimId);
  const items = [];
  for (const row of rows) {
    const record = await store.blob(row.payload.sha256);
    const preview = record?.blob ? h("img", { src: URL.createObjectURL(record.blob), alt: t("field_photo_preview"), class: "field-thumb" }) : null;
    const upload = record && !record.uploaded ? t("field_uploading", status.progress[record.sha256] ?? Math.floor(((record.sent || 0) * 100) / Math.max(record.size || 1, 1))) : t("field_uploaded");
    items.push(
      h(
        "li",
        { class: "field-photo", dataset: { photo: row.payload.sha256 } },
        preview,
        h("span", {}, t("field_photo_" + row.payload.kind)),
        h("span", { dataset: { upload: row.payload.sha256 } }, upload),
        h("span", {}, stateText(row)),
      ),
    );
  }
  return h("ul", { class: "field-list", id: "photos" }, items);
}

/** The latest revision known for a claim: one queued here, else the last one pulled. */
async function latestRevision(held) {
  const queued = (await store.outbox()).filter(
    (r) => r.kind === "cost_sheet_revision" && r.payload.claim_id === held.claim.id && standing(r),
  );
  if (queued.length) {
    const row = queued.at(-1);
    return { hash: row.shown.revision_hash, lines: row.payload.lines, row };
  }
  const pulled = held.cost_sheets.at(-1);
  return pulled ? { hash: pulled.hash, pulled } : null;
}

async function sheetSummary(held) {
  const latest = await latestRevision(held);
  if (!latest) return h("p", { id: "sheet-summary" }, t("field_sheet_none"));
  const total = latest.row ? latest.row.shown.total : latest.pulled.total;
  return h("p", { id: "sheet-summary" }, t("field_sheet_latest", money.displayFen(money.parseFen(total)), latest.hash.slice(0, 12)));
}

/** The lines to start from: the draft being typed, else the latest revision, else the plan's lines. */
async function startingLines(held, latest) {
  const draft = await store.draft("sheet:" + held.claim.id);
  if (draft) return draft;
  if (latest?.lines) return latest.lines.map((l) => ({ ...l, plan: l.plan ?? null }));
  const plan = held.plan;
  if (plan?.lines?.length) {
    return plan.lines.map((l) => ({ plan: l.line, kind: l.kind, description: l.description, unit: l.unit, budget: l.budget, quantity: "", unit_price: "" }));
  }
  return [{ plan: null, kind: "labour", description: "", unit: "", budget: "0.00", quantity: "", unit_price: "" }];
}

/** Checks one typed line; the wire line and its amount in fen, or the code of what is wrong. */
function checkLine(line) {
  const description = line.description.trim();
  const unit = line.unit.trim();
  if (!description || !unit) return { error: "field_error_text" };
  const quantity = money.parseQuantity(line.quantity);
  if (quantity === null) return { error: "field_error_quantity" };
  const price = money.parseFen(line.unit_price);
  if (price === null || price > money.MAX_UNIT_PRICE_FEN) return { error: "field_error_price" };
  const amount = money.lineFen(quantity, price);
  if (amount === null) return { error: "field_error_amount" };
  const budget = money.parseFen(line.budget) ?? 0n;
  return {
    amount,
    budget,
    wire: {
      kind: line.kind,
      description,
      unit,
      quantity: money.formatQuantity(quantity),
      unit_price: money.formatFen(price),
      budget: money.formatFen(budget),
    },
  };
}

async function sheetView(claimId, orderId) {
  const held = await store.claim(claimId);
  if (!held) return [h("p", {}, t("field_order_gone")), h("a", { href: "#" }, t("field_back"))];
  const latest = await latestRevision(held);
  const lines = await startingLines(held, latest);
  const key = "sheet:" + claimId;
  const save = () => store.setDraft(key, lines);
  const body = h("div", { id: "lines" });
  const totals = h("p", { id: "sheet-total", class: "field-total" });
  const error = h("p", { class: "field-error", role: "alert", id: "sheet-error" });

  const refresh = () => {
    const checked = lines.map(checkLine);
    const amounts = checked.map((c) => c.amount ?? 0n);
    checked.forEach((c, i) => {
      const out = body.querySelector(`[data-amount="${i}"]`);
      if (out) out.textContent = c.amount !== undefined ? money.displayFen(c.amount) : "—";
    });
    const total = money.totalFen(amounts) ?? 0n;
    // A plan with one total only budgets the whole sheet; otherwise each line carries its budget.
    const budgetTotal =
      held.plan && !held.plan.lines.length
        ? money.parseFen(held.plan.budget)
        : money.totalFen(lines.map((l) => money.parseFen(l.budget) ?? 0n));
    totals.textContent = t("field_sheet_totals", money.displayFen(total), money.displayFen(budgetTotal ?? 0n));
    totals.classList.toggle("over", budgetTotal !== null && total > budgetTotal);
  };

  const field = (line, i, name, attrs) => {
    const id = `line-${i}-${name}`;
    const input = h("input", {
      id,
      name,
      value: line[name] ?? "",
      ...attrs,
      oninput: (e) => {
        line[name] = e.target.value;
        save();
        refresh();
      },
    });
    return h("div", { class: "field-cell" }, h("label", { for: id }, t("field_line_" + name)), input);
  };

  const draw = () => {
    body.replaceChildren(
      ...lines.map((line, i) => {
        const fromPlan = line.plan !== null && line.plan !== undefined;
        const kind = h(
          "select",
          { id: `line-${i}-kind`, name: "kind", disabled: fromPlan, onchange: (e) => { line.kind = e.target.value; save(); } },
          ["material", "labour", "machinery", "other"].map((k) => h("option", { value: k }, t("field_kind_" + k))),
        );
        kind.value = line.kind;
        return h(
          "fieldset",
          { class: "field-line", dataset: { line: i } },
          h("legend", {}, t("field_line_n", i + 1), fromPlan ? " · " + t("field_line_plan", line.plan) : " · " + t("field_line_unplanned")),
          h("div", { class: "field-cell" }, h("label", { for: `line-${i}-kind` }, t("field_line_kind")), kind),
          field(line, i, "description", { maxlength: 200, readonly: fromPlan }),
          field(line, i, "unit", { maxlength: 20, readonly: fromPlan }),
          field(line, i, "quantity", { inputmode: "decimal", autocomplete: "off" }),
          field(line, i, "unit_price", { inputmode: "decimal", autocomplete: "off" }),
          h("p", { class: "field-muted" }, t("field_line_budget", money.displayFen(money.parseFen(line.budget) ?? 0n))),
          h("p", {}, t("field_line_amount_label"), " ", h("output", { dataset: { amount: i } })),
          fromPlan
            ? null
            : h(
                "button",
                { type: "button", class: "field-quiet", id: `line-${i}-remove`, onclick: () => { lines.splice(i, 1); save(); draw(); } },
                t("field_line_remove"),
              ),
        );
      }),
    );
    refresh();
  };
  draw();

  const record = async () => {
    error.textContent = "";
    if (lines.length < 1 || lines.length > money.MAX_LINES) return (error.textContent = t("field_sheet_lines"));
    const checked = lines.map(checkLine);
    const bad = checked.findIndex((c) => c.error);
    if (bad >= 0) return (error.textContent = t("field_line_n", bad + 1) + ": " + t(checked[bad].error));
    const total = money.totalFen(checked.map((c) => c.amount));
    if (total === null) return (error.textContent = t("field_sheet_too_large"));
    const revision = {
      claim_id: claimId,
      revision_id: sync.uuid7(),
      parent_hash: latest ? latest.hash : null,
      lines: checked.map((c) => c.wire),
    };
    const hash = await canonicalHash(revision);
    await queue("cost_sheet_revision", held.claim.version, revision, [], {
      revision_hash: hash,
      total: money.formatFen(total),
      plan_lines: lines.map((l) => l.plan ?? null),
    });
    await store.setDraft(key, undefined);
    location.hash = `#sign=${claimId}&wo=${orderId}&rev=${hash}`;
  };

  return [
    h("a", { href: "#wo=" + orderId, class: "field-back" }, t("field_back")),
    h("h2", {}, t("field_cost_sheet")),
    held.plan ? h("p", { class: "field-muted" }, t("field_plan", held.plan.description, money.displayFen(money.parseFen(held.plan.budget)))) : h("p", {}, t("field_no_plan")),
    body,
    h(
      "button",
      {
        type: "button",
        id: "add-line",
        class: "field-quiet",
        onclick: () => {
          lines.push({ plan: null, kind: "material", description: "", unit: "", budget: "0.00", quantity: "", unit_price: "" });
          save();
          draw();
        },
      },
      t("field_line_add"),
    ),
    totals,
    h("button", { type: "button", id: "record-sheet", onclick: record }, t("field_sheet_record")),
    error,
  ];
}

async function signView(claimId, orderId, revisionHash) {
  const held = await store.claim(claimId);
  const row = (await store.outbox()).find((r) => r.kind === "cost_sheet_revision" && r.shown.revision_hash === revisionHash);
  if (!held || !row) return [h("p", {}, t("field_order_gone")), h("a", { href: "#" }, t("field_back"))];
  const lines = row.payload.lines.map((l) => {
    const amount = money.lineFen(money.parseQuantity(l.quantity), money.parseFen(l.unit_price));
    return h(
      "tr",
      {},
      h("td", {}, l.description),
      h("td", {}, l.quantity + " " + l.unit),
      h("td", { class: "num" }, money.displayFen(money.parseFen(l.unit_price))),
      h("td", { class: "num" }, money.displayFen(amount)),
    );
  });
  const canvas = h("canvas", { id: "signature", width: 320, height: 160, "aria-label": t("field_sign_here"), role: "img" });
  const error = h("p", { class: "field-error", role: "alert", id: "sign-error" });
  const signer = h("input", { id: "signer-name", name: "signer_name", maxlength: 50, autocomplete: "off" });
  const phone = h("input", { id: "signer-phone", name: "signer_phone", inputmode: "tel", maxlength: 20, autocomplete: "off" });
  let pad = null;

  const confirm = async () => {
    error.textContent = "";
    if (!pad || pad.isEmpty()) return (error.textContent = t("field_sign_empty"));
    if (!signer.value.trim()) return (error.textContent = t("field_sign_name"));
    if (!/^\+?\d{5,20}$/.test(phone.value.trim())) return (error.textContent = t("field_sign_phone"));
    const image = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const sha256 = await sha256Hex(image);
    const confirmation = {
      claim_id: claimId,
      revision_hash: revisionHash,
      signer: { type: "in_person", name: signer.value.trim(), phone: phone.value.trim() },
      signed_at: nowIso(),
      signature_image_sha256: sha256,
      device_id: await store.meta("device_id"),
    };
    const payload = { confirmation, device_signature: await sync.deviceSignature(confirmation) };
    await queue("owner_confirmation", held.claim.version, payload, [{ sha256, blob: image, name: "signature.png", size: image.size, type: "image/png" }], {
      revision_hash: revisionHash,
    });
    location.hash = "#wo=" + orderId;
  };

  const nodes = [
    h("a", { href: "#wo=" + orderId, class: "field-back" }, t("field_back")),
    h("h2", {}, t("field_sign_title")),
    h("p", {}, t("field_sign_intro")),
    h(
      "div",
      { class: "field-scroll", tabindex: 0, role: "region", "aria-label": t("field_cost_sheet") },
      h(
        "table",
        { id: "sign-lines" },
        h("thead", {}, h("tr", {}, h("th", {}, t("field_line_description")), h("th", {}, t("field_line_quantity")), h("th", {}, t("field_line_unit_price")), h("th", {}, t("field_line_amount_label")))),
        h("tbody", {}, lines),
      ),
    ),
    h("p", { class: "field-total", id: "sign-total" }, t("field_sign_total", money.displayFen(money.parseFen(row.shown.total)))),
    h("p", {}, t("field_sign_hash"), " ", h("code", { id: "sign-hash", class: "field-hash" }, revisionHash)),
    h("p", {}, t("field_sign_here")),
    canvas,
    h("button", { type: "button", class: "field-quiet", id: "signature-clear", onclick: () => pad?.clear() }, t("field_sign_clear")),
    h("label", { for: "signer-name" }, t("field_signer_name")),
    signer,
    h("label", { for: "signer-phone" }, t("field_signer_phone")),
    phone,
    h("button", { type: "button", id: "confirm-signature", onclick: confirm }, t("field_sign_confirm")),
    error,
  ];
  queueMicrotask(() => {
    canvas.width = Math.min(canvas.parentElement?.clientWidth || 320, 640);
    pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "rgb(0,0,0)" });
  });
  return nodes;
}

function stateText(row) {
  switch (row.state) {
    case "waiting":
      return row.seq === null ? (row.blobs.length ? t("field_state_waiting_file") : t("field_state_waiting")) : t("field_state_sent");
    case "applied":
      return t("field_state_applied");
    case "rejected":
      return t("field_state_rejected", t("reason_" + row.reason));
    case "held":
      return t("field_state_held", t(row.reason || "upload_refused"));
    case "replaced":
      return t("field_state_replaced");
    case "discarded":
      return t("field_state_discarded");
    default:
      return row.state;
  }
}

async function outboxView() {
  const rows = await store.outbox();
  const items = rows.reverse().map((row) => {
    const actions = [];
    if (row.state === "rejected" || row.state === "held") {
      actions.push(
        h(
          "button",
          {
            type: "button",
            class: "field-quiet",
            dataset: { again: row.local },
            onclick: async () => {
              // Sent again as a new act (the server keeps the refusal of the old one).
              if (row.kind === "cost_sheet_revision") {
                await store.setDraft("sheet:" + row.payload.claim_id, row.payload.lines.map((l, i) => ({ ...l, plan: row.shown.plan_lines?.[i] ?? null })));
                row.state = "discarded";
                await store.putRow(row);
                const order = (await workOrders()).find((w) => w.held.claim.id === row.payload.claim_id);
                location.hash = `#sheet=${row.payload.claim_id}&wo=${order?.order.id ?? ""}`;
                return;
              }
              row.state = "discarded";
              await store.putRow(row);
              const held = row.payload.work_order_id ? (await findOrder(row.payload.work_order_id))?.order : null;
              const base = held ? await orderVersion(held) : row.base_version;
              const blobs = [];
              for (const sha of row.blobs) {
                const record = await store.blob(sha);
                if (record) await store.putBlob({ ...record, uploaded: false, uploadUrl: null });
                blobs.push({ sha256: sha });
              }
              await queue(row.kind, row.kind === "check_in" || row.kind === "check_out" || row.kind === "visit_note" ? base : row.base_version, row.payload, blobs, row.shown);
              route();
            },
          },
          t("field_again"),
        ),
      );
      const discard = h(
        "button",
        {
          type: "button",
          class: "field-quiet",
          dataset: { discard: row.local },
          onclick: async (e) => {
            if (e.target.dataset.armed !== "yes") {
              e.target.dataset.armed = "yes";
              e.target.textContent = t("field_discard_confirm");
              return;
            }
            row.state = "discarded";
            await store.putRow(row);
            route();
          },
        },
        t("field_discard"),
      );
      actions.push(discard);
    }
    return h(
      "li",
      { class: "field-card field-item field-" + row.state, dataset: { local: row.local, kind: row.kind, state: row.state } },
      h("strong", {}, t("field_kind_of_" + row.kind)),
      h("span", { class: "field-muted" }, time(row.made_at)),
      h("span", { class: "field-fate" }, stateText(row)),
      actions,
    );
  });
  return [
    h("a", { href: "#", class: "field-back" }, t("field_back")),
    h("h2", {}, t("field_outbox")),
    h("button", { type: "button", id: "send-now", onclick: () => drain() }, t("field_send_now")),
    h("button", { type: "button", id: "export", class: "field-quiet", onclick: exportUnsent }, t("field_export")),
    items.length ? h("ul", { class: "field-list", id: "outbox" }, items) : h("p", {}, t("field_outbox_empty")),
  ];
}

/** Everything not applied, with its files, as one JSON file the office can read. */
async function exportUnsent() {
  const rows = await store.unsent();
  const files = {};
  for (const row of rows) {
    for (const sha of row.blobs) {
      const record = await store.blob(sha);
      if (!record?.blob) continue;
      const bytes = new Uint8Array(await record.blob.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      files[sha] = { name: record.name, type: record.type, base64: btoa(binary) };
    }
  }
  const exported = {
    exported_at: new Date().toISOString(),
    device_id: await store.meta("device_id"),
    account: await store.meta("username"),
    app_version: VERSION,
    unsent: rows.map(({ local, kind, id, seq, state, reason, base_version, payload, made_at }) => ({ local, kind, id, seq, state, reason, base_version, payload, made_at })),
    files,
  };
  const url = URL.createObjectURL(new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" }));
  const link = h("a", { href: url, download: `baoxiu-unsent-${exported.exported_at.slice(0, 19).replace(/:/g, "")}.json` });
  document.body.append(link);
  link.click();
  link.remove();
}

// ---- Routing --------------------------------------------------------------------------------------

let drawing = false;
let redraw = false;
let drawn = "";

/** What a view shows of the store: when it is unchanged, a quiet redraw is skipped. */
async function fingerprint() {
  const rows = await store.outbox();
  const files = await Promise.all(rows.flatMap((r) => r.blobs).map((sha) => store.blob(sha)));
  return JSON.stringify([
    location.hash,
    await store.meta("pulled_at"),
    rows.map((r) => [r.local, r.state, r.seq]),
    files.map((f) => f?.uploaded),
    status.signedOut,
  ]);
}

/**
 * Draws the view the address names. `quiet` (after sending) redraws only when something changed,
 * and never a view being typed in.
 */
async function route(quiet = false) {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (quiet && (hash.has("sheet") || hash.has("sign"))) return;
  if (quiet && hash.has("wo") && document.activeElement?.id === "note") return;
  const now = await fingerprint();
  if (quiet && now === drawn) return renderStatus();
  drawn = now;
  if (drawing) {
    // Drawn again once the drawing under way ends, so no navigation is lost.
    redraw = redraw || !quiet;
    return;
  }
  drawing = true;
  try {
    let nodes;
    if (hash.has("sheet")) nodes = await sheetView(hash.get("sheet"), hash.get("wo"));
    else if (hash.has("sign")) nodes = await signView(hash.get("sign"), hash.get("wo"), hash.get("rev"));
    else if (hash.has("wo")) nodes = await orderView(hash.get("wo"));
    else if (hash.has("outbox")) nodes = await outboxView();
    else nodes = await homeView();
    view.replaceChildren(...nodes.flat());
    const again = document.getElementById("signin-again");
    if (status.signedOut && !again.firstChild) again.append(signInForm(true));
    if (!status.signedOut) again.replaceChildren();
  } finally {
    drawing = false;
  }
  await renderStatus();
  if (redraw) {
    redraw = false;
    await route();
  }
}

async function start() {
  // A check-in or check-out tapped just before the app closed, still waiting for its position.
  for (const [, started] of await store.drafts("visit:")) await recordVisit(started, null);
  const username = await store.meta("username");
  document.getElementById("who").textContent = username ? t("field_signed_in_as", username) : "";
  window.addEventListener("hashchange", () => route());
  window.addEventListener("online", () => drain());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") drain();
  });
  await route();
  shell.dataset.ready = "yes";
  // Milliseconds from the start of the page's load to the work shown (scripts/bench-field).
  shell.dataset.readyAfter = String(Math.round(performance.now()));
  renderStorage();
  watchForUpdates().catch(() => {});
  if (await store.meta("device_id")) drain();
}

start();
