/* One alert's page: its status, message, acknowledgement, closing, source estimate, timeline,
   comments and quick-response state, read again from /api/alerts/<id> when the event stream
   brings an event of this alert (whoever changed it: another officer, the alert engine), and
   its map's layers (the alert at its source estimate with the uncertainty circle, the
   candidate zones) read again with it, on each event, poll or reconnection (EcoMap.refresh;
   the layers' own periodic reads are stopped, EcoMap.follow). The forms follow the status;
   the approve / decline forms (drawn hidden with the page) show while the response awaits
   approval, whenever it begins to. */
"use strict";
(function () {
  const page = document.getElementById("alert-page");
  if (!page) return;
  const C = window.Console;
  const L = page.dataset;
  const id = Number(L.alert);
  const TYPES = ["AlertEscalated", "AlertUpdated", "AlertAcknowledged", "AlertCommented",
                 "AlertClosed"];
  const $ = (sel) => document.getElementById(sel);
  function line(el, text) {
    el.textContent = text || "";
    el.hidden = !text;
  }
  function list(el, items, text) {
    el.textContent = "";
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = text(item);
      el.appendChild(li);
    }
  }
  function source(s) {
    if (!s) return "";
    const candidates = s.candidates.length
      ? s.candidates.map((c) => `${c.zone} (${c.distance_m} m)`).join(", ") : "–";
    return `${L.source}: ${s.latitude_deg.toFixed(5)}, ${s.longitude_deg.toFixed(5)} ± ` +
      `${Math.round(s.uncertainty_m)} m · ${L.candidates}: ${candidates}`;
  }
  function draw(a) {
    $("alert-status").textContent = a.status;
    $("alert-message").textContent = `${a.place_label} · ${a.pollutant} · ${a.message}`;
    line($("alert-ack"), a.acknowledged_by &&
      `${L.acknowledgedBy} ${a.acknowledged_by}: ${a.acknowledged_comment || ""}`);
    line($("alert-closed"), a.closed_by &&
      `${L.closedBy} ${a.closed_by}: ${a.closed_comment || ""}`);
    line($("alert-source"), source(a.source));
    list($("alert-timeline"), a.timeline, (s) => `${s.step} · ${s.at}` +
      (s.after_raised_s ? ` (+${Math.round(s.after_raised_s)} s)` : ""));
    list($("alert-comments"), a.comments, (c) => `${c.by} · ${c.at}: ${c.comment}`);
    const awaiting = a.response_state === "awaiting_approval" && a.status !== "closed";
    const box = $("response-box");
    if (awaiting && box.hidden) {  // shown anew: no answer left over from a former showing
      for (const errors of box.querySelectorAll(".errors")) errors.textContent = "";
    }
    box.hidden = !awaiting;
    $("alert-response").textContent = awaiting
      ? L.awaiting + (a.response_note ? `: ${a.response_note}` : "") : "";
    line($("alert-approved"), !awaiting && a.approved_by && `${L.approvedBy} ${a.approved_by}`);
    const actions = $("alert-actions");
    if (actions) actions.hidden = a.status === "closed";
    const ack = $("ack-form");
    if (ack) ack.hidden = a.status !== "open";
  }
  if (window.EcoMap) window.EcoMap.follow(true);  // the layers are read with the page, below
  async function refresh() {
    if (window.EcoMap) {
      window.EcoMap.refresh("alert");
      window.EcoMap.refresh("zone");
    }
    const reply = await C.api("GET", "/api/alerts/" + encodeURIComponent(id));
    if (reply.ok) draw(reply.data);
  }
  window.Live.follow({
    types: TYPES,
    refresh,
    onEvent(type, data) { return data.alert_id === id ? undefined : false; },  // this alert's
  });
})();
