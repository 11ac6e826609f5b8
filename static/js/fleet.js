/* Fleet page: each drone's telemetry from /api/fleet, read again as the event stream brings
   telemetry, link, mode and sortie events (window.Live). */
"use strict";
(function () {
  const body = document.querySelector("#fleet-table tbody");
  const C = window.Console;
  async function refresh() {
    const reply = await C.api("GET", "/api/fleet");
    if (!reply.ok) return;
    body.textContent = "";
    for (const d of reply.data.drones) {
      const row = document.createElement("tr");
      row.dataset.drone = d.name;
      C.cell(row, d.name);
      C.cell(row, d.link, "link");
      C.cell(row, d.mode, "mode");
      C.cell(row, d.armed ? "✓" : "–", "armed");
      C.cell(row, d.battery_pct === null ? null : d.battery_pct + "%", "battery");
      C.cell(row, d.battery_voltage_v);
      C.cell(row, d.altitude_m, "altitude");
      C.cell(row, d.groundspeed_mps);
      C.cell(row, d.heading_deg);
      C.cell(row, d.gps + " (" + d.satellites + ")");
      C.cell(row, d.latitude_deg === null ? null : d.latitude_deg.toFixed(5) + ", " + d.longitude_deg.toFixed(5), "position");
      C.cell(row, d.sortie ? "#" + d.sortie.id + " " + d.sortie.reached + "/" + d.sortie.total : null, "sortie");
      body.appendChild(row);
    }
  }
  window.Live.follow({
    types: ["TelemetryUpdated", "LinkLost", "LinkBack", "ModeChanged", "SortieStarted",
            "ItemReached", "SortieCompleted", "SortieFailed", "SortieInterrupted"],
    gapMs: 1000,  // telemetry flows all the time: at most one read a second, as it arrives
    refresh,
  });
})();
