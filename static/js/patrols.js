/* Patrols page: the schedules, the dispatch queue and the compliance table, read again from
   /api/patrols (the page's period) as the event stream brings patrol, queue and sortie events.
   The schedules are left alone while a field in them has the focus (an officer typing). */
"use strict";
(function () {
  const schedules = document.getElementById("schedules-table");
  if (!schedules) return;
  const C = window.Console;
  const L = document.getElementById("patrol-labels").dataset;
  const query = window.location.search;
  function dash(v) { return v === null || v === undefined || v === 0 ? "–" : v; }
  function form(api, method) {
    const f = document.createElement("form");
    f.className = "inline";
    f.dataset.api = api;
    if (method) f.dataset.method = method;
    return f;
  }
  function button(text) {
    const b = document.createElement("button");
    b.type = "submit";
    b.textContent = text;
    return b;
  }
  function errors() {
    const ul = document.createElement("ul");
    ul.className = "errors";
    return ul;
  }
  function scheduleRow(s) {
    const row = document.createElement("tr");
    row.dataset.zone = s.zone;
    C.cell(row, s.zone);
    C.cell(row, s.priority);
    C.cell(row, s.revisit_minutes);
    C.cell(row, s.paused ? L.paused : s.next_due, "next-due");
    const actions = C.cell(row, "");
    if (L.mayChange) {
      const zone = "/api/patrols/" + encodeURIComponent(s.zone);
      const toggle = form(zone + (s.paused ? "/resume" : "/pause"));
      toggle.append(button(s.paused ? L.resume : L.pause), errors());
      const edit = form(zone, "PATCH");
      const minutes = document.createElement("input");
      minutes.type = "number";
      minutes.name = "revisit_minutes";
      minutes.min = "1";
      minutes.value = s.revisit_minutes === null ? "" : String(s.revisit_minutes);
      minutes.setAttribute("aria-label", L.revisit);
      edit.append(minutes, button(L.save), errors());
      actions.append(toggle, edit);
    }
    return row;
  }
  function fill(body, rows, none, span) {
    body.textContent = "";
    for (const row of rows) body.appendChild(row);
    if (!rows.length && none) {
      const row = document.createElement("tr");
      C.cell(row, none).colSpan = span;
      body.appendChild(row);
    }
  }
  async function refresh() {
    const reply = await C.api("GET", "/api/patrols" + query);
    if (!reply.ok) return;
    const view = reply.data;
    if (!schedules.contains(document.activeElement)) {
      fill(schedules.querySelector("tbody"), view.schedules.map(scheduleRow));
    }
    fill(document.querySelector("#queue-table tbody"), view.queue.map((t) => {
      const row = document.createElement("tr");
      row.dataset.task = t.id;
      C.cell(row, t.id);
      C.cell(row, t.zone);
      C.cell(row, t.state, "state");
      C.cell(row, t.due_at);
      C.cell(row, t.reason || "–", "reason");
      return row;
    }), L.queueEmpty, 5);
    fill(document.querySelector("#compliance-table tbody"), view.compliance.map((c) => {
      const row = document.createElement("tr");
      row.dataset.zone = c.zone;
      C.cell(row, c.zone);
      C.cell(row, c.target_minutes);
      C.cell(row, c.patrols);
      C.cell(row, dash(c.mean_gap_minutes));
      C.cell(row, dash(c.max_gap_minutes));
      C.cell(row, c.late_gaps.length);
      return row;
    }));
  }
  window.Live.follow({
    types: ["PatrolDue", "PatrolSkipped", "TaskWaiting", "TaskAssigned", "SortieStarted",
            "SortieCompleted", "SortieFailed", "SortieInterrupted", "ZonesChanged"],
    refresh,
  });
})();
