// Requests to the server with the API token kept on the phone (Authorization: Token ...). No cookie is
// sent (credentials: "omit"): the phone signs in with its token only, so no CSRF token is needed.
import { kvGet } from "./store.js";

export class OfflineError extends Error {}
export class AuthError extends Error {}

export async function currentAuth() {
  return (await kvGet("auth")) ?? null;
}

/** A request; throws OfflineError without a network, AuthError on 401, answers {status, ok, data} otherwise. */
export async function request(url, { method = "GET", json, form, token } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Token ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "omit", cache: "no-store" });
  } catch (error) {
    throw new OfflineError(String(error));
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.status === 401) throw new AuthError(messageOf(data));
  return { status: response.status, ok: response.ok, data, fromCache: response.headers.get("X-From-Cache") === "1" };
}

/** The server's own words from an error body: `detail`, or every field's messages. */
export function messageOf(data, labels = {}) {
  if (!data) return "";
  if (typeof data === "string") return data;
  if (Array.isArray(data)) return data.map((entry) => messageOf(entry, labels)).join(" ");
  if (typeof data.detail === "string") return data.detail;
  const parts = [];
  for (const [field, messages] of Object.entries(data)) {
    const text = Array.isArray(messages) ? messages.map((m) => messageOf(m, labels)).join(" ") : messageOf(messages, labels);
    const label = field === "non_field_errors" ? "" : labels[field] ?? field;
    parts.push(label ? `${label}：${text}` : text);
  }
  return parts.join("；");
}
