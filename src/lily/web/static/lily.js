// Lily's own script: live updates, messages for failed htmx requests, keyboard navigation.
// No inline scripts anywhere (Content-Security-Policy): pages mark elements with data attributes.
"use strict";

(function () {
  // ---- live updates: one EventSource per page; each change is re-dispatched on <body> as
  // "lily:change" (and "lily:<kind>"), which fragments refresh on with hx-trigger="lily:change from:body".
  function startLive() {
    const url = document.body.dataset.live;
    if (!url || !window.EventSource) return;
    const source = new EventSource(url);
    source.addEventListener("change", function (event) {
      let detail = {};
      try { detail = JSON.parse(event.data); } catch (e) { /* keep-alive or malformed */ }
      appendToFeed(detail);
      document.body.dispatchEvent(new CustomEvent("lily:change", { detail: detail }));
      if (detail.kind) {
        document.body.dispatchEvent(new CustomEvent("lily:" + detail.kind, { detail: detail }));
      }
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  // The home page's live list: newest first, at most 50 (built with textContent: no markup from data).
  function appendToFeed(detail) {
    const list = document.querySelector("[data-live-feed]");
    if (!list || !detail.change) return;
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    const when = detail.at ? new Date(detail.at).toLocaleTimeString() + " " : "";
    item.textContent = when + detail.change + (detail.entity_id ? " " + detail.entity_id : "") +
      (detail.actor ? " by " + detail.actor : "");
    if (detail.asset_id) {
      const link = document.createElement("a");
      link.href = "/assets/" + detail.asset_id;
      link.textContent = " (asset)";
      item.appendChild(link);
    }
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
  }

  // ---- messages: a failed htmx request says why in the message area instead of failing silently.
  function showMessage(html) {
    const box = document.getElementById("messages");
    if (!box) return;
    box.innerHTML = html;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 422 || status === 409) {  // validation errors: the fragment shows them inline
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    const text = (xhr.getResponseHeader("content-type") || "").startsWith("text/html")
      ? xhr.responseText : '<p class="message error">Request failed (' + xhr.status + ").</p>";
    showMessage(text);
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage('<p class="message error">Lily cannot be reached; check the connection.</p>');
  });

  // ---- keyboard navigation in lists marked data-keynav: ArrowUp/ArrowDown move between links,
  // from the input named by data-keynav-from too.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const from = event.target.closest("[data-keynav-target]");
    const list = from ? document.getElementById(from.dataset.keynavTarget)
                      : event.target.closest("[data-keynav]");
    if (!list) return;
    const links = Array.from(list.querySelectorAll("a[data-keynav-item]"));
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    let next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (from && event.key === "ArrowDown") next = 0;
    if (next < 0) { if (from || !list.dataset.keynavBack) return; document.getElementById(list.dataset.keynavBack).focus(); event.preventDefault(); return; }
    if (next >= links.length) next = links.length - 1;
    links[next].focus();
    event.preventDefault();
  });

  // ---- small behaviours declared in markup.
  document.addEventListener("click", function (event) {
    const copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(document.getElementById(copy.dataset.copy).textContent);
      copy.textContent = "Copied";
    }
  });

  // ---- bars of small charts: their width comes in data-width (no inline styles under the policy).
  function sizeBars(root) {
    root.querySelectorAll(".bar[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(1, Math.min(200, Number(bar.dataset.width) || 0)) + "px";
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) { sizeBars(event.detail.target); });

  function start() { startLive(); sizeBars(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
