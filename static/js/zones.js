/* Zones page: the version in force and the zones' table, read again from /api/zones when the
   event stream says the zone set changed (ZonesChanged: an upload or an edit, by anyone). The
   table is left alone while one of its fields has the focus (an officer typing). */
"use strict";
(function () {
  const table = document.getElementById("zones-table");
  if (!table) return;
  const C = window.Console;
  const L = document.getElementById("zone-labels").dataset;
  const plannable = new Set(L.plannable.split(","));
  const version = document.getElementById("zones-version");
  function input(name, value, label, extra) {
    const i = document.createElement("input");
    i.type = "number";
    i.name = name;
    i.min = "1";
    i.value = value === null || value === undefined ? "" : String(value);
    i.setAttribute("aria-label", label);
    Object.assign(i, extra || {});
    return i;
  }
  function actions(cell, z) {
    const link = document.createElement("a");
    link.href = "/zones/" + encodeURIComponent(z.name) + "/preview";
    link.textContent = L.preview;
    cell.append(link);
    if (!L.mayChange) return;
    const form = document.createElement("form");
    form.className = "inline";
    form.dataset.api = "/api/zones/" + encodeURIComponent(z.name);
    form.dataset.method = "PATCH";
    const minutes = input("revisit_minutes", z.revisit_minutes, L.revisit);
    minutes.dataset.optional = "";
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = L.save;
    const errors = document.createElement("ul");
    errors.className = "errors";
    form.append(input("priority", z.priority || 4, L.priority, {max: "4"}), minutes, save, errors);
    cell.append(" ", form);
  }
  function row(z) {
    const tr = document.createElement("tr");
    tr.dataset.zone = z.name;
    C.cell(tr, z.name, "zone-name");
    C.cell(tr, z.kind, "kind");
    C.cell(tr, z.priority || "–", "priority");
    C.cell(tr, z.revisit_minutes || "–", "revisit");
    const cell = C.cell(tr, "");
    cell.textContent = "";
    if (plannable.has(z.kind)) actions(cell, z);
    return tr;
  }
  async function refresh() {
    const reply = await C.api("GET", "/api/zones");
    if (!reply.ok) return;
    const data = reply.data;
    version.querySelector(".version").textContent = String(data.version);
    version.querySelector(".source").textContent = data.source;
    if (table.contains(document.activeElement) && document.activeElement.matches("input")) return;
    const body = table.querySelector("tbody");
    body.textContent = "";
    for (const z of data.zones) body.appendChild(row(z));
  }
  window.Live.follow({types: ["ZonesChanged"], refresh});
})();
