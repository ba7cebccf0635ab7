// The field app's service worker (scope /field/): keeps the app shell under a cache named for this
// version, so the app opens with no connection at all. It never touches the API: the outbox and
// the sync loop live in the page, and the server's exactly-once rules make their retries harmless.
// A new version installs beside the old one and waits until the technician agrees to switch (the
// page posts "skip-waiting"); then the old caches go. The version is this script's `v` parameter:
// the page registers the script of the version the server serves, which installs a new worker.

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const CACHE = "baoxiu-field-" + VERSION;
const SHELL = "/field/";
const FILES = [
  SHELL,
  "/field/manifest.webmanifest",
  "/field/js/app.js",
  "/field/js/canonical.js",
  "/field/js/money.js",
  "/field/js/store.js",
  "/field/js/sync.js",
  "/field/js/idb-8.0.4.js",
  "/field/field.css",
  "/field/icon-192.png",
  "/field/icon-512.png",
  "/assets/tus-js-client-4.3.1.min.js",
  "/assets/signature_pad-5.1.4.umd.min.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("baoxiu-field-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (event.request.mode === "navigate" && url.pathname.startsWith("/field")) {
    // The shell of this version: fresh from the network when the server still serves this version
    // (a language switched, say), else the copy kept, so page and modules always match. A newer
    // version on the server is found by the page, which installs it beside this one.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          if (response.ok && response.headers.get("X-Field-Version") === VERSION) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
            return response;
          }
          return caches.match(SHELL, { cacheName: CACHE }).then((cached) => cached || response);
        })
        .catch(() => caches.match(SHELL, { cacheName: CACHE })),
    );
    return;
  }
  if (FILES.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((cached) => cached || fetch(event.request)));
  }
});
