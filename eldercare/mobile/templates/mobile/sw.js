// The caregiver's phone page's service worker, served from /m/sw.js so that its scope is /m/.
// Rendered by eldercare.mobile.views.service_worker: VERSION changes whenever a file it keeps changes,
// so the browser installs the new worker and the old copies are dropped.
const VERSION = {{ version_json|safe }};
const SHELL_CACHE = `eldercare-mobile-shell-${VERSION}`;
// The last answer of /m/api/today/ (names of the people served): deleted when the caregiver signs out.
const DATA_CACHE = {{ data_cache_json|safe }};
const SHELL = {{ shell_json|safe }};
const PAGES = {{ pages_json|safe }};
const TODAY = {{ today_json|safe }};
const STATIC_PREFIX = {{ static_prefix_json|safe }};
// A page asked for with a slow network is answered from the copy after this long; today's list a bit later.
const NETWORK_TIMEOUT_MS = 4000;
const DATA_TIMEOUT_MS = 8000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("eldercare-mobile-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// Pages: the network first (a new version shows at once), the kept copy when there is none.
async function page(request, path) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch {
    return (await cache.match(path)) ?? Response.error();
  }
}

// Today's list: the network first, then the last answer, marked so the page can say how old it is.
async function today(request) {
  try {
    const response = await withTimeout(fetch(request), DATA_TIMEOUT_MS);
    if (response.ok) {
      const cache = await caches.open(DATA_CACHE);
      await cache.put(TODAY, response.clone());
    }
    return response;
  } catch {
    const cache = await caches.open(DATA_CACHE);
    const kept = await cache.match(TODAY, { ignoreVary: true });
    if (!kept) return Response.error();
    const headers = new Headers(kept.headers);
    headers.set("X-From-Cache", "1");
    return new Response(await kept.blob(), { status: kept.status, headers });
  }
}

// Scripts, styles and icons: the kept copy first (each worker version keeps its own set).
async function asset(request) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // uploads go to the network, always
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === TODAY) event.respondWith(today(request));
  else if (request.mode === "navigate" && PAGES.includes(url.pathname)) event.respondWith(page(request, url.pathname));
  else if (SHELL.includes(url.pathname) || url.pathname.startsWith(STATIC_PREFIX)) event.respondWith(asset(request));
});
