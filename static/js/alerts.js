/* Alerts page: the listed alerts (the page's filter) and the response figures, read again from
   /api/alerts and /api/alerts/figures as the event stream brings alert events. */
"use strict";
(function () {
  const table = document.getElementById("alerts-table");
  if (!table) return;
  const C = window.Console;
  const query = window.location.search;
  const ALERTS = ["AlertRaised", "AlertEscalated", "AlertUpdated", "AlertAcknowledged",
                  "AlertClosed"];
  function dash(v) { return v === null || v === undefined ? "–" : v; }
  async function refresh() {
    const [listed, figures] = await Promise.all([
      C.api("GET", "/api/alerts" + query), C.api("GET", "/api/alerts/figures")]);
    if (listed.ok) {
      const body = table.querySelector("tbody");
      body.textContent = "";
      for (const a of listed.data.alerts) {
        const row = document.createElement("tr");
        row.dataset.alert = a.id;
        const link = document.createElement("a");
        link.href = "/alerts/" + encodeURIComponent(a.id);
        link.textContent = String(a.id);
        C.cell(row, "").appendChild(link);
        C.cell(row, a.status, "status");
        C.cell(row, a.place_label);
        C.cell(row, a.pollutant);
        C.cell(row, a.level);
        C.cell(row, a.raised_at);
        C.cell(row, a.message);
        body.appendChild(row);
      }
      if (!listed.data.alerts.length) {
        const row = document.createElement("tr");
        C.cell(row, table.dataset.none).colSpan = 7;
        body.appendChild(row);
      }
    }
    if (figures.ok) {
      const body = document.querySelector("#figures-table tbody");
      body.textContent = "";
      for (const f of figures.data.figures) {
        const row = document.createElement("tr");
        C.cell(row, f.interval);
        C.cell(row, f.count);
        C.cell(row, dash(f.median_s));
        C.cell(row, dash(f.p95_s));
        body.appendChild(row);
      }
    }
  }
  window.Live.follow({types: ALERTS, refresh});
})();
