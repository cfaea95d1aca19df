// The phone's own storage (IndexedDB): the API token, the caregiver's choices and every visit from the
// moment 开始服务 is tapped until the server has it and its photos. Nothing is lost when the page is
// closed, reloaded or reopened offline: each step is written here before anything is sent.
const DB_NAME = "eldercare-mobile";
const DB_VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        if (!db.objectStoreNames.contains("visits")) db.createObjectStore("visits", { keyPath: "client_uuid" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export async function kvGet(key) {
  const db = await open();
  return result(db.transaction("kv").objectStore("kv").get(key));
}

export async function kvSet(key, value) {
  const db = await open();
  const transaction = db.transaction("kv", "readwrite");
  if (value === undefined) transaction.objectStore("kv").delete(key);
  else transaction.objectStore("kv").put(value, key);
  return finished(transaction);
}

export async function allVisits() {
  const db = await open();
  const visits = await result(db.transaction("visits").objectStore("visits").getAll());
  return visits.sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
}

export async function getVisit(clientUuid) {
  const db = await open();
  return result(db.transaction("visits").objectStore("visits").get(clientUuid));
}

export async function putVisit(visit) {
  const db = await open();
  const transaction = db.transaction("visits", "readwrite");
  transaction.objectStore("visits").put(visit);
  await finished(transaction);
  return visit;
}

/** Read, change and write one visit in one transaction; `change` returns the new record (or nothing to keep it). */
export async function updateVisit(clientUuid, change) {
  const db = await open();
  const transaction = db.transaction("visits", "readwrite");
  const store = transaction.objectStore("visits");
  let updated = null;
  const request = store.get(clientUuid);
  request.onsuccess = () => {
    if (!request.result) return;
    updated = change(request.result) ?? null;
    if (updated) store.put(updated);
  };
  await finished(transaction);
  return updated;
}

export async function deleteVisit(clientUuid) {
  const db = await open();
  const transaction = db.transaction("visits", "readwrite");
  transaction.objectStore("visits").delete(clientUuid);
  return finished(transaction);
}
