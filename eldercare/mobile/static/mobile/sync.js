// Sending what waits on the phone: visits through POST /api/v1/visits/bulk/ (idempotent by client UUID),
// then their photos, then whether each counts. Runs on page load, when the network returns (`online`),
// on a timer while something waits, and from the retry button; Background Sync is not in every browser,
// so nothing depends on it. A resend changes nothing: the server answers "already_present" and the
// visit shows as sent. A conflict or a refusal is kept on the phone with the server's words until the
// caregiver has read it.
import { AuthError, OfflineError, messageOf, request } from "./api.js";
import { COORDINATE_SYSTEM } from "./geo.js";
import { config, fieldLabels, t } from "./i18n.js";
import { allVisits, updateVisit } from "./store.js";

const BULK_CHUNK = 100;
// Visits sent within this many days are asked again whether they count while they do not (the server
// verifies in the background, and a reviewer may accept an exception).
const RECHECK_DAYS = 2;
const RECHECK_LIMIT = 20;
export const PHOTO_KINDS = ["start", "end"];

/** True while a visit or one of its photos is still only on the phone. */
export function isWaiting(visit) {
  if (visit.state === "queued" || visit.state === "sending") return true;
  return visit.state === "sent" && PHOTO_KINDS.some((kind) => visit.photos?.[kind]?.state === "waiting");
}

/** One item of the bulk upload, exactly as queued (a resend must be the same content). */
export function bulkItem(visit) {
  const item = {
    client_uuid: visit.client_uuid,
    recipient: visit.recipient.id,
    caregiver: visit.caregiver.id,
    category: visit.category,
    items: visit.items,
    started_at: visit.started_at,
    ended_at: visit.ended_at,
    coordinate_system: COORDINATE_SYSTEM,
  };
  for (const [prefix, fix] of [["checkin", visit.checkin], ["checkout", visit.checkout]]) {
    if (fix && fix.latitude != null) {
      item[`${prefix}_latitude`] = fix.latitude;
      item[`${prefix}_longitude`] = fix.longitude;
      if (fix.accuracy != null) item[`${prefix}_accuracy_m`] = fix.accuracy;
    }
  }
  if (visit.satisfaction) item.satisfaction = visit.satisfaction;
  return item;
}

async function sendVisits(visits, auth, report) {
  for (let start = 0; start < visits.length; start += BULK_CHUNK) {
    const chunk = visits.slice(start, start + BULK_CHUNK);
    for (const visit of chunk) await updateVisit(visit.client_uuid, (v) => ({ ...v, state: "sending" }));
    let answer;
    try {
      answer = await request(config.urls.bulk, { method: "POST", json: { visits: chunk.map(bulkItem) }, token: auth.token });
    } catch (error) {
      for (const visit of chunk) await updateVisit(visit.client_uuid, (v) => ({ ...v, state: "queued" }));
      throw error;
    }
    if (answer.status === 200) {
      for (const result of answer.data.results) await recordResult(result);
    } else if (answer.status === 400) {
      // The whole upload was refused (say, a role that may not record visits): every visit says why.
      const message = messageOf(answer.data, fieldLabels) || t("refused_generic");
      for (const visit of chunk) {
        await updateVisit(visit.client_uuid, (v) => ({ ...v, state: "refused", message }));
      }
    } else {
      for (const visit of chunk) await updateVisit(visit.client_uuid, (v) => ({ ...v, state: "queued" }));
      report.problem = messageOf(answer.data) || t("server_unavailable", { status: answer.status });
      return;
    }
  }
}

async function recordResult(result) {
  await updateVisit(result.client_uuid, (visit) => {
    if (result.status === "created" || result.status === "already_present") {
      return { ...visit, state: "sent", id: result.id, sent_at: visit.sent_at ?? new Date().toISOString(), message: "" };
    }
    if (result.status === "conflict") {
      // The bulk answer names no reason for a conflict: another record holds this visit's UUID.
      return { ...visit, state: "conflict", id: result.id, message: t("conflict_message") };
    }
    return { ...visit, state: "refused", message: messageOf(result.errors, fieldLabels) || t("refused_generic") };
  });
}

async function sendPhotos(visit, auth, report) {
  for (const kind of PHOTO_KINDS) {
    const photo = visit.photos?.[kind];
    if (!photo || photo.state !== "waiting" || !photo.blob) continue;
    const form = new FormData();
    form.append("kind", kind);
    form.append("image", photo.blob, `${kind}.jpg`);
    const answer = await request(config.urls.photos.replace("{id}", String(visit.id)), { method: "POST", form, token: auth.token });
    let next;
    if (answer.status === 200 || answer.status === 201) {
      // Stored (201), or the same photo was already there (200): the copy on the phone is no longer needed.
      next = { state: "stored", width: photo.width, height: photo.height };
    } else if (answer.status === 409) {
      next = { ...photo, state: "conflict", message: messageOf(answer.data) || t("photo_conflict") };
    } else if ([400, 413, 415].includes(answer.status)) {
      next = { ...photo, state: "refused", message: messageOf(answer.data, fieldLabels) || t("refused_generic") };
    } else {
      report.problem = messageOf(answer.data) || t("server_unavailable", { status: answer.status });
      continue;
    }
    await updateVisit(visit.client_uuid, (v) => ({ ...v, photos: { ...v.photos, [kind]: next } }));
  }
}

async function askDecision(visit, auth) {
  const answer = await request(config.urls.visit.replace("{id}", String(visit.id)), { token: auth.token });
  if (answer.status !== 200) return;
  const decision = { counts: answer.data.counts, reasons: answer.data.count_reasons ?? [], at: new Date().toISOString() };
  await updateVisit(visit.client_uuid, (v) => ({ ...v, decision }));
}

function needsDecision(visit) {
  if (visit.state !== "sent" || !visit.id) return false;
  if (!visit.decision) return true;
  const age = Date.now() - new Date(visit.sent_at ?? visit.ended_at).getTime();
  return !visit.decision.counts && age < RECHECK_DAYS * 86400000;
}

async function run(auth) {
  const report = { problem: "", offline: false, authExpired: false };
  try {
    const mine = (await allVisits()).filter((v) => v.owner === auth.username);
    const queued = mine.filter((v) => v.state === "queued" || v.state === "sending");
    if (queued.length) await sendVisits(queued, auth, report);
    const after = (await allVisits()).filter((v) => v.owner === auth.username);
    for (const visit of after.filter((v) => v.state === "sent" && v.id)) await sendPhotos(visit, auth, report);
    for (const visit of after.filter(needsDecision).slice(0, RECHECK_LIMIT)) await askDecision(visit, auth);
  } catch (error) {
    if (error instanceof OfflineError) report.offline = true;
    else if (error instanceof AuthError) report.authExpired = true;
    else throw error;
  }
  return report;
}

let running = null;

/** Send everything of the signed-in user that waits; one run at a time (across tabs where Web Locks exist). */
export function syncNow(auth) {
  if (!auth) return Promise.resolve({ problem: "", offline: false, authExpired: true });
  if (running) return running;
  const go = () => run(auth);
  running = (navigator.locks ? navigator.locks.request("eldercare-mobile-sync", go) : go()).finally(() => {
    running = null;
  });
  return running;
}
