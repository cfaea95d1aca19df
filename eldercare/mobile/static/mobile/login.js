// Signing in on the phone: the username and password go to the API's token endpoint (the same lockout
// as every login path: after repeated failures it answers 429 with the reason). The token is kept in
// IndexedDB; the page sends it with every request. Visits waiting on the phone are kept across sign-ins.
import { OfflineError, messageOf, request } from "./api.js";
import { config, t } from "./i18n.js";
import { allVisits, kvSet } from "./store.js";

const form = document.getElementById("login-form");
const problem = document.getElementById("login-problem");
const button = form.querySelector("button[type=submit]");

function say(text) {
  problem.textContent = text;
  problem.hidden = !text;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  if (!username || !password) {
    say(t("login_missing"));
    return;
  }
  button.disabled = true;
  say("");
  try {
    const answer = await request(config.urls.token, { method: "POST", json: { username, password } });
    if (answer.status === 200) {
      await kvSet("auth", { token: answer.data.token, username, expiry: answer.data.expiry, max_expiry: answer.data.max_expiry });
      window.location.replace(config.urls.app);
      return;
    }
    say(messageOf(answer.data, { username: t("username"), password: t("password") }) || t("login_failed"));
  } catch (error) {
    say(error instanceof OfflineError ? t("login_offline") : t("login_failed"));
  } finally {
    button.disabled = false;
  }
});

// Whatever waits on this phone stays until its owner signs in again: say so.
allVisits()
  .then((visits) => {
    const waiting = visits.filter((v) => ["in_progress", "queued", "sending"].includes(v.state)).length;
    const note = document.getElementById("login-waiting");
    if (waiting) {
      note.textContent = t("login_waiting", { n: waiting });
      note.hidden = false;
    }
  })
  .catch(() => {});

if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.urls.app }).catch(() => {});
