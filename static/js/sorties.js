/* Sorties page: checks before dispatch, dispatch with confirmation, live progress, commands,
   history (read again as the event stream brings sortie, mode, link and telemetry events). A
   command refused for want of a fresh login goes to the password confirmation. */
"use strict";
(function () {
  const C = window.Console;
  const L = document.getElementById("labels").dataset;
  const $ = (id) => document.getElementById(id);
  const message = $("sortie-message");

  function say(text, bad) {
    message.textContent = text;
    message.className = bad ? "error" : "ok";
  }
  function refused(reply) {
    if (reply.status === 401 && /fresh login/.test(reply.data.error || "")) {
      window.location = "/confirm?next=" + encodeURIComponent("/sorties");
      return;
    }
    say(reply.data.error || String(reply.status), true);
  }

  $("check").addEventListener("click", async () => {
    const zone = $("zone").value, vehicle = $("vehicle").value;
    const reply = await C.api("GET", "/api/sorties/preview?zone=" + encodeURIComponent(zone) +
      "&vehicle=" + encodeURIComponent(vehicle));
    if (!reply.ok) return refused(reply);
    const list = $("findings");
    list.textContent = "";
    for (const f of reply.data.findings) {
      const li = document.createElement("li");
      li.className = f.severity;
      li.textContent = f.severity + " " + f.code + ": " + f.message;
      list.appendChild(li);
    }
    $("verdict").textContent = reply.data.may_fly ? L.mayFly : L.mayNotFly;
    $("verdict").className = reply.data.may_fly ? "ok" : "error";
    $("verdict").dataset.mayFly = reply.data.may_fly ? "yes" : "no";
    $("confirm-checks").checked = false;
    $("confirmation").hidden = false;
  });

  $("dispatch").addEventListener("click", async () => {
    if (!$("confirm-checks").checked) return say(L.confirmFirst, true);
    const reply = await C.api("POST", "/api/sorties",
      {zone: $("zone").value, vehicle: $("vehicle").value, confirm: true});
    if (!reply.ok) return refused(reply);
    $("confirmation").hidden = true;
    say(L.dispatched + " #" + reply.data.sortie_id, false);
    live.schedule();
  });

  async function command(vehicle, action) {
    if (!$("confirm-command").checked) return say(L.confirmFirst, true);
    const reply = await C.api("POST", "/api/sorties/vehicles/" + encodeURIComponent(vehicle) + "/command",
      {action, confirm: true});
    if (!reply.ok) return refused(reply);
    say(vehicle + ": " + action, false);
  }

  async function refresh() {
    const reply = await C.api("GET", "/api/sorties?limit=50");
    if (!reply.ok) return;
    const progress = document.querySelector("#progress tbody");
    progress.textContent = "";
    for (const d of reply.data.fleet) {
      const row = document.createElement("tr");
      row.dataset.drone = d.name;
      C.cell(row, d.name);
      C.cell(row, d.mode, "mode");
      C.cell(row, d.battery_pct === null ? null : d.battery_pct + "%", "battery");
      C.cell(row, d.sortie ? "#" + d.sortie.id + " " + d.sortie.name : null, "sortie");
      C.cell(row, d.sortie ? d.sortie.reached + " / " + d.sortie.total : null, "progress");
      const actions = C.cell(row, "", "actions");
      if (L.mayCommand) {
        for (const action of ["pause", "resume", "rtl", "land", "abort"]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "command-" + action;
          b.textContent = L[action];
          b.addEventListener("click", () => command(d.name, action));
          actions.appendChild(b);
        }
      }
      progress.appendChild(row);
    }
    const history = document.querySelector("#history tbody");
    history.textContent = "";
    for (const s of reply.data.history) {
      const row = document.createElement("tr");
      row.dataset.sortie = s.id;
      C.cell(row, s.id);
      C.cell(row, s.name);
      C.cell(row, s.vehicle);
      C.cell(row, s.started_utc.replace("T", " ").slice(0, 19));
      C.cell(row, s.outcome, "outcome");
      C.cell(row, s.distance_m === null ? null : Math.round(s.distance_m));
      const link = document.createElement("a");
      link.className = "sortie-video";
      link.href = "/video?sortie=" + encodeURIComponent(s.id);
      link.textContent = L.video;
      C.cell(row, "", "video").appendChild(link);
      history.appendChild(row);
    }
  }
  const live = window.Live.follow({
    types: ["SortiePrepared", "SortieStarted", "SortieAirborne", "ItemReached", "SortieCompleted",
            "SortieFailed", "SortieInterrupted", "ModeChanged", "LinkLost", "LinkBack",
            "TelemetryUpdated"],
    gapMs: 1000,
    refresh,
    onEvent(type, data) {
      if (type !== "TelemetryUpdated") return true;
      // Mode and battery move with every report: drawn in place, no read of the history.
      const row = document.querySelector(`#progress tr[data-drone="${CSS.escape(data.vehicle || "")}"]`);
      const s = data.snapshot;
      if (!row || !s) return true;
      row.querySelector(".mode").textContent = s.mode_name;
      row.querySelector(".battery").textContent =
        s.battery_remaining_pct == null ? "–" : s.battery_remaining_pct + "%";
      return false;
    },
  });
})();
