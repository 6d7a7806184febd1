// The lineage explorer: draws the server's layout with cytoscape (preset positions), keeps every
// choice in the URL, and fetches through a Web Worker so the page never blocks on the network or
// on parsing a large graph.
"use strict";

(function () {
  const box = document.getElementById("lineage-graph");
  if (!box || !window.cytoscape) return;
  const pageUrl = box.dataset.pageUrl;
  const status = document.getElementById("graph-status");
  const panel = document.getElementById("node-panel");
  const worker = new Worker("/static/lineage-worker.js");
  let cy = null;
  let requestId = 0;
  let anchor = null; // the node clicked last: kept in place on screen when the drawing changes
  let started = 0;
  window.lilyGraph = { ready: false };

  const STYLE = [
    { selector: "node", style: {
      "shape": "round-rectangle", "width": 200, "height": 40, "background-color": "#ffffff",
      "border-width": 1.2, "border-color": "#57606a", "label": "data(label)", "text-wrap": "wrap",
      "text-max-width": 190, "text-valign": "center", "text-halign": "center", "font-size": 12,
      "color": "#1b1f24", "min-zoomed-font-size": 7 } },
    { selector: "node.root", style: { "background-color": "#e7f0ff", "border-color": "#0a58ca", "border-width": 3,
      "font-weight": "bold", "underlay-color": "#0a58ca", "underlay-opacity": 0.18, "underlay-padding": 7 } },
    { selector: "node.pii", style: { "border-color": "#8250df", "border-width": 2.5 } },
    { selector: "node.incident", style: { "border-color": "#b42318", "border-width": 3.5 } },
    { selector: "node.expanded", style: { "border-style": "double", "border-width": 4 } },
    { selector: "node.path", style: { "background-color": "#fff4d6" } },
    { selector: "node.more", style: { "background-color": "#f6f8fa", "border-style": "dashed", "color": "#0a58ca" } },
    { selector: "node:selected", style: { "overlay-color": "#f59e0b", "overlay-opacity": 0.25, "overlay-padding": 4 } },
    { selector: "edge", style: {
      "width": 1.4, "line-color": "#8c959f", "target-arrow-color": "#8c959f", "target-arrow-shape": "triangle",
      "arrow-scale": 0.8, "curve-style": "taxi", "taxi-direction": "rightward", "taxi-turn": "50%" } },
    { selector: "edge.back", style: { "curve-style": "bezier", "line-style": "dotted" } },
    { selector: "edge.masking", style: {
      "line-color": "#c2410c", "target-arrow-color": "#c2410c", "line-style": "dashed", "width": 2.2,
      "label": "data(label)", "font-size": 9, "color": "#c2410c", "text-background-color": "#ffffff",
      "text-background-opacity": 1 } },
    { selector: "edge.blocking", style: { "line-color": "#6e7781", "line-style": "dashed" } },
    { selector: "edge.link", style: { "line-color": "#c9d1d9", "line-style": "dotted", "target-arrow-shape": "none" } },
    { selector: "node.quiet", style: { "label": "" } },
    { selector: "edge.fast", style: { "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none" } },
    { selector: "edge.path", style: { "line-color": "#d97706", "target-arrow-color": "#d97706", "width": 4, "z-index": 10 } },
  ];

  function params() { return new URLSearchParams(window.location.search); }

  function go(change) {
    const p = params();
    change(p);
    history.pushState(null, "", pageUrl + "?" + p.toString());
    load();
  }

  function load() {
    started = performance.now();
    window.lilyGraph.ready = false;
    status.textContent = "Loading…";
    requestId += 1;
    worker.postMessage({ id: requestId, url: box.dataset.graphUrl + "?" + params().toString() });
    document.getElementById("export-svg").href = box.dataset.svgUrl + "?" + params().toString();
  }

  worker.onmessage = function (event) {
    if (event.data.id !== requestId) return; // a newer request is on its way
    if (event.data.error) {
      status.textContent = event.data.error === 404 ? "This asset is not in your catalog." : "The graph could not be loaded (" + event.data.error + ").";
      return;
    }
    performance.mark("lily:graph-data"); // marks let a profile place the long tasks (benchmarks/web.py)
    draw(event.data.data, event.data.fetchMs);
  };

  // Above this many elements the drawing is lighter (straight edges without arrows: the layout
  // already reads left to right; labels once zoomed in close enough to read them) and the elements
  // are handed to cytoscape in slices, one task each, so the page never freezes while it draws.
  const LARGE = 600;
  const SLICE = 400;
  const LABEL_ZOOM = 0.45;
  const ROOT_ZOOM = 0.6;
  // How a large graph is drawn. benchmarks/web.py sets window.lilyGraphOptions before the page runs
  // to compare the alternatives in one run: add "slices" (one task per SLICE elements) or "batch"
  // (all in one cy.batch); light false (full styles and resolution at any size); start "fit" (the
  // whole graph in the window) or "root" (centred on the root at ROOT_ZOOM, fewer elements drawn).
  const options = Object.assign({ add: "slices", light: true, start: "fit" }, window.lilyGraphOptions || {});
  let large = false;
  let labelled = true;

  function draw(data, fetchMs) {
    const mine = requestId;
    large = data.elements.length > LARGE && options.light;
    labelled = !large;
    let before = null;
    if (cy && anchor && cy.getElementById(anchor).nonempty()) before = cy.getElementById(anchor).renderedPosition();
    if (!cy) {
      // A small neighbourhood gets a box its size; a large one the window's height.
      box.style.height = Math.max(360, Math.min(window.innerHeight * 0.72, data.size.height + 140)) + "px";
      cy = cytoscape({ container: box, style: STYLE, layout: { name: "preset" },
        minZoom: 0.02, maxZoom: 2.5, boxSelectionEnabled: false,
        textureOnViewport: large, hideEdgesOnViewport: large, pixelRatio: large ? 1 : "auto" });
      cy.on("tap", "node", onTap);
      cy.on("zoom", labelWhenClose);
      window.lilyCy = cy;
    } else {
      cy.elements().remove();
    }
    const nodes = [];
    const edges = [];
    data.elements.forEach(function (e) {
      if (large) e.classes += e.data.source ? " fast" : (e.classes === "more" ? "" : " quiet");
      (e.data.source ? edges : nodes).push(e);
    });
    const queue = nodes.concat(edges);
    const step = large && options.add === "slices" ? SLICE : queue.length;
    let at = 0;
    (function slice() {
      if (mine !== requestId) return; // a newer graph replaced this one
      cy.batch(function () { cy.add(queue.slice(at, at + step)); });
      at += step;
      if (at < queue.length) {
        setTimeout(slice, 0);
        return;
      }
      performance.mark("lily:graph-added");
      const now = anchor && cy.getElementById(anchor);
      if (before && now && now.nonempty()) {
        const after = now.renderedPosition();
        cy.panBy({ x: before.x - after.x, y: before.y - after.y });
      } else if (options.start === "root" && data.elements.length > LARGE) {
        cy.zoom(ROOT_ZOOM);
        cy.center(cy.getElementById(data.root));
      } else {
        fit();
      }
      controls(data);
      ready(data, fetchMs);
      labelWhenClose();
    })();
  }

  function ready(data, fetchMs) {
    cy.one("render", function () {
      requestAnimationFrame(function () {
        const ms = performance.now() - started;
        // at: since navigation start (what a benchmark or test reads); ms: since this load began.
        window.lilyGraph = { ready: true, at: performance.now(), ms: ms, fetchMs: fetchMs,
          nodes: cy.nodes().length, edges: cy.edges().length };
        status.textContent = data.stats.shown + " of " + data.stats.reached + " assets shown · drawn in " + Math.round(ms) + " ms";
        document.dispatchEvent(new CustomEvent("lily:graph-ready", { detail: window.lilyGraph }));
      });
    });
    cy.forceRender();
  }

  let labelTimer = null;
  function labelWhenClose() {
    if (labelled || !cy || cy.zoom() < LABEL_ZOOM) return;
    clearTimeout(labelTimer);
    labelTimer = setTimeout(function () {
      labelled = true;
      const quiet = cy.nodes(".quiet").toArray();
      (function slice() {
        const part = quiet.splice(0, SLICE);
        cy.batch(function () { part.forEach(function (n) { n.removeClass("quiet"); }); });
        if (quiet.length) setTimeout(slice, 0);
      })();
    }, 150);
  }

  function fit() {
    // The whole neighbourhood in the window, but never blown up past a comfortable size.
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center();
    }
  }

  function controls(data) {
    const layers = document.getElementById("layer-select");
    const keep = layers.value;
    layers.innerHTML = "";
    data.layers.forEach(function (layer) {
      const o = document.createElement("option");
      o.value = layer;
      o.textContent = layer < 0 ? (-layer) + " upstream" : layer + " downstream";
      layers.appendChild(o);
    });
    if (keep) layers.value = keep;
    const tags = document.getElementById("tag-select");
    tags.innerHTML = "";
    const none = document.createElement("option");
    none.value = "";
    none.textContent = data.tags.length ? "(none)" : "(no propagated tag on the shown assets)";
    tags.appendChild(none);
    data.tags.forEach(function (t) {
      const o = document.createElement("option");
      o.value = t.id;
      o.textContent = t.label;
      tags.appendChild(o);
    });
    tags.value = data.tag || "";
  }

  function onTap(event) {
    const node = event.target;
    anchor = node.id();
    if (node.hasClass("more")) {
      const layer = String(node.data("layer"));
      go(function (p) { p.append("more", layer); });
      return;
    }
    showPanel(node);
    if (node.hasClass("root")) return;
    const open = params().getAll("x");
    go(function (p) {
      p.delete("x");
      const next = open.includes(node.id()) ? open.filter(function (x) { return x !== node.id(); }) : open.concat([node.id()]);
      next.forEach(function (x) { p.append("x", x); });
    });
  }

  function showPanel(node) {
    const d = node.data();
    panel.innerHTML = "";
    const h = document.createElement("h2");
    h.textContent = d.name;
    const meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = d.type + " · " + d.system;
    panel.append(h, meta);
    if (d.pii || d.incidents) {
      const b = document.createElement("p");
      if (d.pii) { const s = document.createElement("span"); s.className = "badge warn"; s.textContent = "PII"; b.append(s, " "); }
      if (d.incidents) { const s = document.createElement("span"); s.className = "badge bad"; s.textContent = d.incidents + " open incident" + (d.incidents > 1 ? "s" : ""); b.append(s); }
      panel.append(b);
    }
    const links = document.createElement("p");
    const asset = document.createElement("a");
    asset.href = d.href;
    asset.textContent = "Open asset page";
    const here = document.createElement("a");
    here.href = "/lineage/" + d.id;
    here.textContent = "Explore from here";
    links.append(asset, " · ", here);
    panel.append(links);
  }

  document.getElementById("layer-search").addEventListener("submit", function (event) {
    event.preventDefault();
    const layer = document.getElementById("layer-select").value;
    const text = document.getElementById("layer-text").value.trim();
    if (!layer) return;
    go(function (p) {
      const others = p.getAll("q").filter(function (q) { return q.split(":")[0] !== layer; });
      p.delete("q");
      others.forEach(function (q) { p.append("q", q); });
      if (text) p.append("q", layer + ":" + text);
      p.delete("more");
    });
  });
  document.getElementById("layer-clear").addEventListener("click", function () {
    go(function (p) { p.delete("q"); });
  });
  document.getElementById("tag-select").addEventListener("change", function (event) {
    const tag = event.target.value;
    go(function (p) { if (tag) p.set("tag", tag); else p.delete("tag"); });
  });
  document.getElementById("lineage-depth").addEventListener("submit", function (event) {
    event.preventDefault();
    const form = new FormData(event.target);
    go(function (p) { ["up", "down", "cap"].forEach(function (k) { p.set(k, form.get(k)); }); });
  });
  document.getElementById("graph-fit").addEventListener("click", function () { if (cy) fit(); });
  document.getElementById("graph-collapse").addEventListener("click", function () {
    anchor = null;
    go(function (p) { p.delete("x"); p.delete("more"); });
  });
  document.getElementById("export-png").addEventListener("click", function () {
    if (!cy) return;
    cy.png({ output: "blob-promise", full: true, scale: 2, bg: "#ffffff" }).then(function (blob) {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "lineage.png";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  });
  window.addEventListener("popstate", function () { anchor = null; load(); });
  load();
})();
