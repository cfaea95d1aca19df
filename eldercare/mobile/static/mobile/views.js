// What the page shows: the day's list (people, today's visits, what waits to be sent) and the two steps
// of a visit (at the door, then at the end). Views only draw; app.js owns the state and the actions.
import { blobUrl, h } from "./dom.js";
import { clock, dayAndClock, localDay, t } from "./i18n.js";
import { PHOTO_KINDS, isWaiting } from "./sync.js";

const SATISFACTION = ["satisfied", "fairly_satisfied", "dissatisfied"];

function fixText(fix, prefix, locating) {
  if (locating) return t("locating");
  if (!fix) return t(`${prefix}_failed`, { why: t("geo_interrupted") });
  if (fix.error) return t(`${prefix}_failed`, { why: t(`geo_${fix.error}`) });
  return fix.accuracy != null ? t(`${prefix}_ok_accuracy`, { metres: Math.round(Number(fix.accuracy)) }) : t(`${prefix}_ok`);
}

function locationLine(state, visit, prefix, actions) {
  const fix = visit[prefix];
  const locating = state.locating.has(`${visit.client_uuid}:${prefix}`);
  const missing = !locating && (!fix || fix.error);
  return [
    h("p", { testid: `${prefix}-state`, class: missing ? "problem" : "note" }, fixText(fix, prefix, locating)),
    missing && h("button", { type: "button", class: "link", testid: `relocate-${prefix}`, onclick: () => actions.relocate(visit, prefix) }, t("locate_again")),
  ];
}

/** The state of a visit in words: waiting, sent, counts, does not count and why, refused and why. */
export function stateText(visit) {
  const waitingPhotos = PHOTO_KINDS.filter((kind) => visit.photos?.[kind]?.state === "waiting").length;
  const photoNote = waitingPhotos ? t("photos_waiting_note", { n: waitingPhotos }) : "";
  switch (visit.state) {
    case "queued":
      return { text: t("state_queued"), tone: "waiting" };
    case "sending":
      return { text: t("state_sending"), tone: "waiting" };
    case "conflict":
      return { text: t("state_conflict", { why: visit.message }), tone: "bad" };
    case "refused":
      return { text: t("state_refused", { why: visit.message }), tone: "bad" };
    case "sent":
      if (!visit.decision) return { text: t("state_sent") + photoNote, tone: "waiting" };
      if (visit.decision.counts) return { text: t("state_counts") + photoNote, tone: "good" };
      return { text: t("state_not_counted", { why: visit.decision.reasons.join("；") }) + photoNote, tone: "bad" };
    default:
      return { text: t("state_in_progress"), tone: "waiting" };
  }
}

function statusPanel(state, actions) {
  const waiting = state.mine.filter(isWaiting).length;
  return h(
    "section",
    { class: "panel status", testid: "queue-status", role: "status" },
    waiting
      ? h("p", { class: "waiting", testid: "waiting-count" }, t("waiting_count", { n: waiting }))
      : h("p", { class: "all-sent", testid: "all-sent" }, t("all_sent")),
    !state.online && h("p", { class: "note" }, t("offline_note")),
    state.syncing && h("p", { class: "note" }, t("sending_now")),
    state.problem && h("p", { class: "problem", testid: "sync-problem" }, state.problem),
    state.authExpired &&
      h("p", { class: "problem", testid: "auth-expired" }, t("auth_expired"), " ", h("a", { href: state.loginUrl }, t("sign_in_again"))),
    waiting > 0 &&
      !state.authExpired &&
      h("button", { type: "button", testid: "retry", disabled: state.syncing || !state.online, onclick: actions.retry }, t("retry")),
  );
}

function problemsPanel(state, actions) {
  const rows = [];
  for (const visit of state.mine) {
    if (visit.state === "refused" || visit.state === "conflict") {
      rows.push(
        h(
          "li",
          { testid: "problem-row", dataset: { uuid: visit.client_uuid } },
          h("strong", {}, visit.recipient.name), " ", dayAndClock(visit.started_at),
          h("p", { class: "bad" }, stateText(visit).text),
          h("button", { type: "button", class: "link", onclick: () => actions.dismissVisit(visit) }, t("dismiss")),
        ),
      );
    }
    for (const kind of PHOTO_KINDS) {
      const photo = visit.photos?.[kind];
      if (photo && (photo.state === "refused" || photo.state === "conflict")) {
        rows.push(
          h(
            "li",
            { testid: "problem-row", dataset: { uuid: visit.client_uuid } },
            h("strong", {}, visit.recipient.name), " ", t(`photo_${kind}`),
            h("p", { class: "bad" }, t(photo.state === "conflict" ? "photo_state_conflict" : "photo_state_refused", { why: photo.message })),
            h("button", { type: "button", class: "link", onclick: () => actions.dismissPhoto(visit, kind) }, t("dismiss")),
          ),
        );
      }
    }
  }
  if (!rows.length) return null;
  return h("section", { class: "panel problems" }, h("h2", {}, t("problems_heading")), h("ul", { class: "rows" }, rows));
}

function todayPanel(state) {
  const today = localDay();
  // In progress: shown above; refused or in conflict: shown under the problems with what to do.
  const listed = (v) => v.state === "queued" || v.state === "sending" || v.state === "sent";
  const local = state.mine.filter((v) => listed(v) && (isWaiting(v) || localDay(new Date(v.started_at)) === today));
  const known = new Set(local.map((v) => v.client_uuid));
  const server = (state.today?.visits ?? []).filter((v) => !known.has(v.client_uuid));
  const rows = [
    ...local.map((v) => ({ uuid: v.client_uuid, name: v.recipient.name, start: v.started_at, end: v.ended_at, ...stateText(v) })),
    ...server.map((v) => ({
      uuid: v.client_uuid,
      name: v.recipient_name,
      start: v.started_at,
      end: v.ended_at,
      text: v.counts ? t("state_counts") : t("state_not_counted", { why: v.count_reasons.join("；") }),
      tone: v.counts ? "good" : "bad",
    })),
  ].sort((a, b) => (a.start < b.start ? -1 : 1));
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("today_heading")),
    rows.length
      ? h(
          "ul",
          { class: "rows", testid: "today-visits" },
          rows.map((row) =>
            h(
              "li",
              { testid: "visit-row", dataset: { uuid: row.uuid } },
              h("div", { class: "line" }, h("strong", {}, row.name), h("span", { class: "time" }, `${clock(row.start)}–${clock(row.end)}`)),
              h("p", { class: `state ${row.tone}`, testid: "visit-state" }, row.text),
            ),
          ),
        )
      : h("p", { class: "note" }, t("no_visits_today")),
  );
}

function caregiverPicker(state, actions) {
  const data = state.today;
  if (!data || data.user.role === "caregiver") return null;
  return h(
    "label",
    { class: "field" },
    t("caregiver_label"),
    h(
      "select",
      { testid: "caregiver-select", onchange: (event) => actions.chooseCaregiver(Number(event.target.value)) },
      h("option", { value: "" }, t("choose_caregiver")),
      data.caregivers.map((c) => h("option", { value: c.id, selected: state.caregiver?.id === c.id }, c.name)),
    ),
  );
}

function peoplePanel(state, actions) {
  const data = state.today;
  if (!data) return h("section", { class: "panel" }, h("p", { class: "note" }, state.online ? t("loading") : t("no_offline_data")));
  const busy = state.mine.some((v) => v.state === "in_progress");
  // Served today: what the server knows, and what waits on the phone.
  const today = localDay();
  const waitingToday = new Map();
  for (const v of state.mine.filter((v) => isWaiting(v) && !v.id && localDay(new Date(v.started_at)) === today)) {
    waitingToday.set(v.recipient.id, (waitingToday.get(v.recipient.id) ?? 0) + 1);
  }
  const canStart = Boolean(state.caregiver) && !busy;
  const wanted = state.search.trim();
  const search = h("input", {
    type: "search",
    testid: "search",
    value: state.search,
    placeholder: t("search_placeholder"),
    "aria-label": t("search_placeholder"),
    oninput: (event) => {
      state.search = event.target.value;
      const text = state.search.trim();
      for (const row of document.querySelectorAll("[data-testid=recipient-row]")) row.hidden = Boolean(text) && !row.dataset.name.includes(text);
    },
  });
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("people_heading", { n: data.recipients.length })),
    h("p", { class: "note" }, t("people_hint")),
    caregiverPicker(state, actions),
    data.user.role === "caregiver" && !state.caregiver && h("p", { class: "problem", testid: "no-caregiver" }, t("no_caregiver_record")),
    busy && h("p", { class: "note" }, t("finish_first")),
    search,
    h(
      "ul",
      { class: "rows people" },
      data.recipients.map((person) =>
        h(
          "li",
          { testid: "recipient-row", dataset: { recipient: person.id, name: person.name }, hidden: Boolean(wanted) && !person.name.includes(wanted) },
          h(
            "div",
            { class: "line" },
            h("strong", {}, person.name),
            h(
              "span",
              { class: "badges" },
              person.visits_today + (waitingToday.get(person.id) ?? 0) > 0 && h("span", { class: "badge", testid: "served-today" }, t("served_today")),
              person.reached && h("span", { class: "badge good" }, t("reached")),
              person.at_risk && !person.reached && h("span", { class: "badge bad" }, t("at_risk")),
            ),
          ),
          h(
            "div",
            { class: "line figures" },
            h("span", { testid: "counted" }, t("counted_of_needed", { counted: person.counted, needed: person.needed })),
            h("progress", { max: person.needed, value: Math.min(person.counted, person.needed) }),
            h("span", {}, t("days_left", { n: person.days_left })),
          ),
          h(
            "div",
            { class: "line" },
            h("span", { class: "note" }, person.last_visit ? t("last_visit", { day: person.last_visit }) : t("never_visited")),
            h("button", { type: "button", class: "primary", testid: "start", disabled: !canStart, onclick: () => actions.start(person) }, t("start")),
          ),
        ),
      ),
    ),
  );
}

export function homeView(state, actions) {
  const current = state.mine.find((v) => v.state === "in_progress");
  const stale = state.todayCached && state.today;
  return [
    statusPanel(state, actions),
    current &&
      h(
        "section",
        { class: "panel current" },
        h("p", {}, t("in_progress_with", { name: current.recipient.name, time: clock(current.started_at) })),
        h("button", { type: "button", class: "primary", testid: "resume", onclick: () => actions.open(current) }, t("resume")),
      ),
    stale && h("p", { class: "note", testid: "cached-data" }, t("cached_data", { when: dayAndClock(state.today.generated_at) })),
    state.blocked && h("p", { class: "problem", testid: "blocked" }, state.blocked),
    problemsPanel(state, actions),
    todayPanel(state),
    !state.blocked && peoplePanel(state, actions),
  ];
}

function photoField(visit, kind, actions) {
  const photo = visit.photos?.[kind];
  // The file input opens the camera (capture="environment"); its label is the button, in the page's words.
  return h(
    "div",
    { class: "field photo" },
    h("p", {}, t(`photo_${kind}`), " ", h("span", { class: "note" }, t("optional"))),
    photo?.blob && h("img", { src: blobUrl(photo.blob), alt: t(`photo_${kind}`), testid: `thumb-${kind}`, class: "thumb" }),
    h(
      "div",
      { class: "line" },
      h(
        "label",
        { class: "button camera", testid: `camera-${kind}` },
        t(photo ? "retake_photo" : "take_photo"),
        h("input", {
          type: "file",
          accept: "image/*",
          capture: "environment",
          class: "visually-hidden",
          testid: `photo-${kind}`,
          onchange: (event) => actions.photo(visit, kind, event.target.files[0]),
        }),
      ),
      photo && h("button", { type: "button", class: "link", onclick: () => actions.removePhoto(visit, kind) }, t("remove_photo")),
    ),
  );
}

function serviceFields(state, visit, actions) {
  const categories = state.today?.categories ?? [];
  const chosen = categories.find((c) => c.code === visit.category);
  return h(
    "fieldset",
    { class: "field" },
    h("legend", {}, t("category_label")),
    categories.length === 0 && h("p", { class: "problem" }, t("no_catalogue")),
    h(
      "div",
      { class: "choices" },
      categories.map((c) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "radio", name: "category", value: c.code, testid: `category-${c.code}`, checked: visit.category === c.code, onchange: () => actions.category(visit, c) }),
          c.name,
        ),
      ),
    ),
    chosen &&
      chosen.items.length > 0 &&
      h(
        "div",
        { class: "choices items" },
        h("p", { class: "note" }, t("items_label")),
        chosen.items.map((item) =>
          h(
            "label",
            { class: "choice" },
            h("input", { type: "checkbox", value: item.code, testid: `item-${item.code}`, checked: visit.items.includes(item.code), onchange: (event) => actions.item(visit, item.code, event.target.checked) }),
            item.name,
          ),
        ),
      ),
  );
}

/** At the door and during the visit: start time and place, photo, service; then 结束服务. */
export function visitView(state, visit, actions) {
  return [
    h(
      "section",
      { class: "panel" },
      h("h2", { testid: "visit-heading" }, t("serving", { name: visit.recipient.name })),
      h("p", { testid: "started-at" }, t("started_at", { time: clock(visit.started_at) })),
      locationLine(state, visit, "checkin", actions),
      photoField(visit, "start", actions),
      serviceFields(state, visit, actions),
      state.formProblem && h("p", { class: "problem", testid: "form-problem" }, state.formProblem),
      h("button", { type: "button", class: "primary big", testid: "end", onclick: () => actions.end(visit) }, t("end")),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "link", onclick: actions.home }, t("back_to_list")),
        h("button", { type: "button", class: "link danger", testid: "discard", onclick: () => actions.discard(visit) }, t("discard")),
      ),
    ),
  ];
}

/** After 结束服务: end time and place, photo, the older person's satisfaction; then it is queued and sent. */
export function finishView(state, visit, actions) {
  return [
    h(
      "section",
      { class: "panel" },
      h("h2", { testid: "visit-heading" }, t("finishing", { name: visit.recipient.name })),
      h("p", { testid: "ended-at" }, t("time_range", { start: clock(visit.started_at), end: clock(visit.ended_at) })),
      locationLine(state, visit, "checkout", actions),
      photoField(visit, "end", actions),
      h(
        "fieldset",
        { class: "field" },
        h("legend", {}, t("satisfaction_label"), " ", h("span", { class: "note" }, t("optional"))),
        h(
          "div",
          { class: "choices" },
          [...SATISFACTION, ""].map((value) =>
            h(
              "label",
              { class: "choice" },
              h("input", { type: "radio", name: "satisfaction", value, testid: `satisfaction-${value || "none"}`, checked: visit.satisfaction === value, onchange: () => actions.satisfaction(visit, value) }),
              t(value ? `satisfaction_${value}` : "satisfaction_none"),
            ),
          ),
        ),
      ),
      state.formProblem && h("p", { class: "problem", testid: "form-problem" }, state.formProblem),
      h(
        "button",
        { type: "button", class: "primary big", testid: "submit", disabled: state.locating.has(`${visit.client_uuid}:checkout`), onclick: () => actions.submit(visit) },
        t("submit"),
      ),
      h("div", { class: "actions" }, h("button", { type: "button", class: "link", testid: "undo-end", onclick: () => actions.undoEnd(visit) }, t("undo_end"))),
    ),
  ];
}
