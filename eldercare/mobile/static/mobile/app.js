// The caregiver's phone page (/m/): state and actions. Every step of a visit is written to IndexedDB
// before anything else happens, so a reload, a closed page or a lost network loses nothing.
import { AuthError, OfflineError, currentAuth, messageOf, request } from "./api.js";
import { replaceContent } from "./dom.js";
import { locate } from "./geo.js";
import { config, t } from "./i18n.js";
import { downscale } from "./photo.js";
import { allVisits, deleteVisit, kvGet, kvSet, putVisit, updateVisit } from "./store.js";
import { isWaiting, syncNow } from "./sync.js";
import { finishView, homeView, visitView } from "./views.js";

// While something waits and the network is there, try again this often (besides `online` and the button).
const RETRY_EVERY_MS = 60000;
// With a worker, the server verifies a new visit in the background (its recount queue ticks every 30 s):
// a visit sent this recently that does not count yet is asked about again at each tick.
const CHECKS_SETTLE_MS = 10 * 60000;

function awaitingChecks(visit) {
  const sent = new Date(visit.sent_at ?? 0).getTime();
  return visit.state === "sent" && visit.decision && !visit.decision.counts && Date.now() - sent < CHECKS_SETTLE_MS;
}

const state = {
  auth: null,
  today: null,
  todayCached: false,
  visits: [],
  mine: [],
  caregiver: null,
  openUuid: null,
  online: navigator.onLine,
  syncing: false,
  problem: "",
  formProblem: "",
  authExpired: false,
  blocked: "",
  loginUrl: config.urls.login,
  search: "",
  // Check-ins and check-outs being located now ("<client uuid>:checkin"); lost with a reload, then asked again.
  locating: new Set(),
};

const view = document.getElementById("view");

function render() {
  state.online = navigator.onLine;
  const network = document.getElementById("network");
  network.textContent = state.online ? t("online") : t("offline");
  network.className = `pill ${state.online ? "online" : "offline"}`;
  const who = document.getElementById("who");
  const data = state.today;
  who.textContent = data ? [data.provider.name, state.caregiver?.name ?? data.user.username].join(" · ") : state.auth?.username ?? "";
  const open = state.mine.find((v) => v.client_uuid === state.openUuid && v.state === "in_progress");
  // A re-render (say, when sending ends) must not take the search box from under the caregiver's thumb.
  const typing = document.activeElement?.dataset?.testid === "search";
  if (!open) replaceContent(view, homeView(state, actions));
  else if (open.ended_at) replaceContent(view, finishView(state, open, actions));
  else replaceContent(view, visitView(state, open, actions));
  if (typing) view.querySelector("[data-testid=search]")?.focus();
}

/** Sent visits whose photos are stored too stay on the phone this long, then go (they are on the server). */
const KEEP_SENT_DAYS = 7;

async function forgetOldSentVisits() {
  const cutoff = Date.now() - KEEP_SENT_DAYS * 86400000;
  for (const visit of await allVisits()) {
    if (visit.state === "sent" && !isWaiting(visit) && new Date(visit.started_at).getTime() < cutoff) await deleteVisit(visit.client_uuid);
  }
}

async function reloadVisits() {
  state.visits = await allVisits();
  state.mine = state.visits.filter((v) => v.owner === state.auth?.username);
}

function chooseCaregiverFrom(data, remembered) {
  if (data.caregiver) return data.caregiver;
  return data.caregivers.find((c) => c.id === remembered) ?? null;
}

// The last answer of today's list is kept in the Cache API, where the service worker answers from it
// offline. The page keeps it too: a page the worker does not control yet (the first visit, while the
// worker installs) must still find its list offline.
async function keepToday(data) {
  if (!("caches" in window)) return;
  const cache = await caches.open(config.dataCache);
  await cache.put(config.urls.today, new Response(JSON.stringify(data), { headers: { "Content-Type": "application/json" } }));
}

async function keptToday() {
  if (!("caches" in window)) return null;
  const kept = await (await caches.open(config.dataCache)).match(config.urls.today, { ignoreVary: true });
  return kept ? kept.json() : null;
}

async function showToday(data, cached) {
  state.today = data;
  state.todayCached = cached;
  state.blocked = "";
  state.caregiver = chooseCaregiverFrom(data, await kvGet("caregiver"));
}

async function loadToday() {
  try {
    const answer = await request(config.urls.today, { token: state.auth.token });
    if (answer.status === 200) {
      await showToday(answer.data, answer.fromCache);
      if (!answer.fromCache) await keepToday(answer.data);
      await takeServerDecisions(answer.data.visits);
    } else if (answer.status === 403) {
      state.blocked = messageOf(answer.data);
    }
  } catch (error) {
    if (error instanceof AuthError) state.authExpired = true;
    else if (!(error instanceof OfflineError)) throw error;
    else if (!state.today) {
      const kept = await keptToday();
      if (kept) await showToday(kept, true);
    }
  }
}

/** Today's answer says whether each of today's visits counts now: the phone's copy follows it. */
async function takeServerDecisions(serverVisits) {
  const byUuid = new Map(serverVisits.map((v) => [v.client_uuid, v]));
  for (const visit of state.mine) {
    const server = byUuid.get(visit.client_uuid);
    if (!server || visit.state !== "sent") continue;
    await updateVisit(visit.client_uuid, (v) => ({ ...v, decision: { counts: server.counts, reasons: server.count_reasons, at: new Date().toISOString() } }));
  }
  await reloadVisits();
}

// Asked to send while a run is on its way (the network came back during a run that failed offline):
// run once more when it ends, rather than wait for the timer.
let syncAgain = false;

async function sync() {
  if (!state.auth || state.authExpired) return;
  if (state.syncing) {
    syncAgain = true;
    return;
  }
  state.syncing = true;
  render();
  const before = state.mine.filter(isWaiting).length;
  try {
    const report = await syncNow(state.auth);
    state.problem = report.problem;
    if (report.authExpired) state.authExpired = true;
    if (report.offline) state.online = navigator.onLine;
  } finally {
    state.syncing = false;
    await reloadVisits();
  }
  if (before && state.online) await loadToday();
  render();
  if (syncAgain) {
    syncAgain = false;
    await sync();
  }
}

async function changeVisit(visit, change) {
  await updateVisit(visit.client_uuid, change);
  await reloadVisits();
  render();
}

/** Where the phone is, for the check-in or check-out of a visit still being recorded (a late answer never
 * changes a visit already queued: its resend must be the same content). */
async function fix(visit, prefix) {
  const key = `${visit.client_uuid}:${prefix}`;
  state.locating.add(key);
  render();
  try {
    const position = await locate();
    await updateVisit(visit.client_uuid, (v) =>
      v.state === "in_progress" && (prefix === "checkin" || v.ended_at) ? { ...v, [prefix]: position } : null,
    );
  } finally {
    state.locating.delete(key);
    await reloadVisits();
    render();
  }
}

const actions = {
  async start(person) {
    if (!state.caregiver || state.mine.some((v) => v.state === "in_progress")) return;
    const visit = {
      client_uuid: crypto.randomUUID(),
      owner: state.auth.username,
      state: "in_progress",
      recipient: { id: person.id, name: person.name },
      caregiver: { id: state.caregiver.id, name: state.caregiver.name },
      category: null,
      items: [],
      started_at: new Date().toISOString(),
      ended_at: null,
      checkin: null,
      checkout: null,
      satisfaction: "",
      photos: { start: null, end: null },
      id: null,
      decision: null,
      message: "",
    };
    await putVisit(visit);
    state.openUuid = visit.client_uuid;
    state.formProblem = "";
    await reloadVisits();
    window.scrollTo(0, 0);
    await fix(visit, "checkin"); // draws the visit at once, "locating"
  },
  open(visit) {
    state.openUuid = visit.client_uuid;
    render();
  },
  home() {
    state.openUuid = null;
    state.formProblem = "";
    render();
  },
  relocate(visit, prefix) {
    fix(visit, prefix);
  },
  async photo(visit, kind, file) {
    if (!file) return;
    try {
      const { blob, width, height } = await downscale(file);
      state.formProblem = "";
      await changeVisit(visit, (v) => ({ ...v, photos: { ...v.photos, [kind]: { blob, width, height, state: "waiting" } } }));
    } catch {
      state.formProblem = t("photo_unreadable");
      render();
    }
  },
  removePhoto(visit, kind) {
    changeVisit(visit, (v) => ({ ...v, photos: { ...v.photos, [kind]: null } }));
  },
  category(visit, category) {
    state.formProblem = "";
    changeVisit(visit, (v) => ({ ...v, category: category.code, category_name: category.name, items: [] }));
  },
  item(visit, code, checked) {
    changeVisit(visit, (v) => ({ ...v, items: checked ? [...new Set([...v.items, code])].sort() : v.items.filter((c) => c !== code) }));
  },
  async end(visit) {
    const current = state.mine.find((v) => v.client_uuid === visit.client_uuid);
    if (!current.category) {
      state.formProblem = t("choose_category_first");
      render();
      return;
    }
    state.formProblem = "";
    await updateVisit(visit.client_uuid, (v) => ({ ...v, ended_at: new Date().toISOString(), checkout: null }));
    await reloadVisits();
    window.scrollTo(0, 0);
    await fix(visit, "checkout");
  },
  undoEnd(visit) {
    changeVisit(visit, (v) => ({ ...v, ended_at: null, checkout: null, satisfaction: "", photos: { ...v.photos, end: null } }));
  },
  satisfaction(visit, value) {
    changeVisit(visit, (v) => ({ ...v, satisfaction: value }));
  },
  async submit(visit) {
    if (state.locating.has(`${visit.client_uuid}:checkout`)) return; // the button waits for the location
    state.openUuid = null;
    state.formProblem = "";
    await changeVisit(visit, (v) => ({ ...v, state: "queued", queued_at: new Date().toISOString() }));
    window.scrollTo(0, 0);
    if (navigator.onLine) await sync();
  },
  async discard(visit) {
    if (!window.confirm(t("discard_confirm"))) return;
    await deleteVisit(visit.client_uuid);
    state.openUuid = null;
    await reloadVisits();
    render();
  },
  async dismissVisit(visit) {
    if (!window.confirm(t("dismiss_confirm"))) return;
    await deleteVisit(visit.client_uuid);
    await reloadVisits();
    render();
  },
  dismissPhoto(visit, kind) {
    changeVisit(visit, (v) => ({ ...v, photos: { ...v.photos, [kind]: null } }));
  },
  async chooseCaregiver(id) {
    await kvSet("caregiver", id || undefined);
    state.caregiver = state.today.caregivers.find((c) => c.id === id) ?? null;
    render();
  },
  retry() {
    sync();
  },
};

async function signOut() {
  const waiting = state.mine.filter(isWaiting).length;
  if (waiting && !window.confirm(t("sign_out_confirm", { n: waiting }))) return;
  try {
    await request(config.urls.revoke, { method: "POST", json: {}, token: state.auth.token });
  } catch {
    // Offline or already expired: the token is forgotten here anyway and expires on the server.
  }
  await kvSet("auth", undefined);
  // Today's list holds names: it does not stay on the phone after signing out.
  if ("caches" in window) await caches.delete(config.dataCache);
  window.location.replace(config.urls.login);
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.urls.app }).catch(() => {});
  // The first visit's list was fetched before the worker took over: fetch it again so it is kept offline.
  navigator.serviceWorker.addEventListener("controllerchange", () => state.auth && loadToday().then(render));
}

async function boot() {
  registerServiceWorker();
  navigator.storage?.persist?.().catch(() => {});
  state.auth = await currentAuth();
  if (!state.auth) {
    window.location.replace(config.urls.login);
    return;
  }
  document.getElementById("sign-out").addEventListener("click", signOut);
  // Listening before the first await: the network may come and go while the page starts.
  window.addEventListener("online", () => {
    state.online = true;
    sync().then(loadToday).then(render);
  });
  window.addEventListener("offline", () => {
    state.online = false;
    render();
  });
  await forgetOldSentVisits();
  await reloadVisits();
  state.openUuid = state.mine.find((v) => v.state === "in_progress")?.client_uuid ?? null;
  render();
  await loadToday();
  render();
  await sync();
  setInterval(() => {
    if (navigator.onLine && state.mine.some((v) => isWaiting(v) || awaitingChecks(v))) sync();
  }, RETRY_EVERY_MS);
}

boot();
