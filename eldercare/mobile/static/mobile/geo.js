// Where the phone is, from the browser's Geolocation API. The W3C Geolocation API reports WGS-84
// coordinates (raw satellite positioning), never GCJ-02 or BD-09 like the Chinese map SDKs, so every
// visit from this page is sent with coordinate_system "wgs84" and the server converts nothing.
export const COORDINATE_SYSTEM = "wgs84";
const TIMEOUT_MS = 20000;

/** The position now, as the decimals the API stores (6 places; accuracy in metres, 1 place), or why not. */
export function locate() {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve({ error: "unsupported" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        resolve({
          latitude: latitude.toFixed(6),
          longitude: longitude.toFixed(6),
          // The API keeps at most 7 digits before the point; a fix that poor is as good as none anyway.
          accuracy: Number.isFinite(accuracy) ? Math.min(accuracy, 999999.9).toFixed(1) : null,
        });
      },
      (error) => resolve({ error: error.code === 1 ? "denied" : error.code === 3 ? "timeout" : "unavailable" }),
      // A fresh fix every time: a position kept from the last door would check in at the wrong home.
      { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: 0 },
    );
  });
}
