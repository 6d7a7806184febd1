// Fetches and parses the explorer's graph off the main thread: the positions were computed by the
// server, so the page only has to hand the elements to cytoscape.
"use strict";

self.onmessage = async function (event) {
  const started = performance.now();
  try {
    const response = await fetch(event.data.url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) {
      self.postMessage({ id: event.data.id, error: response.status });
      return;
    }
    const data = await response.json();
    self.postMessage({ id: event.data.id, data: data, fetchMs: performance.now() - started });
  } catch (e) {
    self.postMessage({ id: event.data.id, error: String(e) });
  }
};
