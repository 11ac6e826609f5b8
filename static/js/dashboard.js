/* Dashboard: the fleet panel (/api/fleet), the open alerts (/api/alerts) and the map's live
   layers (EcoMap.refresh), each read again when the event stream brings an event it shows;
   while the stream is up the map's layers do not poll (EcoMap.follow). */
"use strict";
(function () {
  const C = window.Console;
  const body = document.querySelector("#fleet-panel tbody");
  const alerts = document.getElementById("open-alerts");
  const FLEET = ["TelemetryUpdated", "LinkLost", "LinkBack", "ModeChanged"];
  const ALERTS = ["AlertRaised", "AlertEscalated", "AlertUpdated", "AlertAcknowledged",
                  "AlertClosed"];
  const LAYERS = {  // the map layers' kinds (maps/builder.py) and the events that change them
    fleet: [...FLEET, "SortieStarted", "ItemReached", "SortieCompleted", "SortieInterrupted"],
    alert: ALERTS,
    station: ["StationReadingsStored"],
    grid: ["MapGridRefreshed"],
    zone: ["ZonesChanged"],
  };
  const wants = (types, list) => types === null || list.some((t) => types.has(t));
  async function fleet() {
    const reply = await C.api("GET", "/api/fleet");
    if (!reply.ok) return;
    body.textContent = "";
    for (const d of reply.data.drones) {
      const row = document.createElement("tr");
      row.dataset.drone = d.name;
      C.cell(row, d.name);
      C.cell(row, d.link, "link");
      C.cell(row, d.mode, "mode");
      C.cell(row, d.battery_pct === null ? "–" : d.battery_pct + "%", "battery");
      body.appendChild(row);
    }
  }
  async function openAlerts() {
    const reply = await C.api("GET", "/api/alerts?status=open");
    if (!reply.ok) return;
    alerts.textContent = "";
    for (const a of reply.data.alerts) {
      const li = document.createElement("li");
      li.dataset.alert = a.id;
      li.textContent = a.place_label + ": " + a.message;
      alerts.appendChild(li);
    }
    if (!reply.data.alerts.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = alerts.dataset.none;
      alerts.appendChild(li);
    }
  }
  async function refresh(types) {
    const reads = [];
    if (body && wants(types, FLEET)) reads.push(fleet());
    if (alerts && wants(types, ALERTS)) reads.push(openAlerts());
    // On a poll the layers read on their own period; on (re)connecting they read once.
    const layers = types !== null || document.body.dataset.live === "open";
    if (window.EcoMap && layers) {
      for (const [kind, list] of Object.entries(LAYERS)) {
        if (wants(types, list)) window.EcoMap.refresh(kind);
      }
    }
    await Promise.all(reads);
  }
  const types = [...new Set([...FLEET, ...Object.values(LAYERS).flat()])];
  window.Live.follow({
    types,
    gapMs: 1000,
    refresh,
    onState(state) { if (window.EcoMap) window.EcoMap.follow(state === "open"); },
  });
})();
