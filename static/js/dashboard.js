/* Dashboard: the fleet panel refreshed from /api/fleet (the map's layers refresh themselves). */
"use strict";
(function () {
  const body = document.querySelector("#fleet-panel tbody");
  async function refresh() {
    const reply = await window.Console.api("GET", "/api/fleet");
    if (!reply.ok) return;
    body.textContent = "";
    for (const d of reply.data.drones) {
      const row = document.createElement("tr");
      row.dataset.drone = d.name;
      window.Console.cell(row, d.name);
      window.Console.cell(row, d.link, "link");
      window.Console.cell(row, d.mode, "mode");
      window.Console.cell(row, d.battery_pct === null ? "–" : d.battery_pct + "%", "battery");
      body.appendChild(row);
    }
  }
  if (body) setInterval(refresh, 2000);
})();
