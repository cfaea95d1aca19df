// The page's words and settings, rendered by the template (eldercare/mobile/catalogue.py) in the user's
// language: Chinese first, English when the user chose it. Nothing here is fetched at run time.
const catalogue = JSON.parse(document.getElementById("mobile-catalogue").textContent);
export const config = JSON.parse(document.getElementById("mobile-config").textContent);
// The API's field names in the caregiver's words, for messages that name a field.
export const fieldLabels = catalogue.field_labels ?? {};

/** The phrase for `key`, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  let phrase = catalogue[key] ?? key;
  for (const [name, value] of Object.entries(values)) phrase = phrase.replaceAll(`{${name}}`, String(value));
  return phrase;
}

const locale = document.documentElement.lang || "zh-CN";

export function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false }) : "";
}

export function dayAndClock(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  const day = when.toLocaleDateString(locale, { month: "2-digit", day: "2-digit" });
  return `${day} ${clock(iso)}`;
}

/** A YYYY-MM-DD day in the phone's local calendar (the programme's days are Beijing days). */
export function localDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
