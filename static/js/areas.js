/* The zones, patrols and alerts pages: forms sent to the JSON API, refusals shown as text. */
"use strict";
(function () {
  function showErrors(list, data) {
    list.textContent = "";
    const problems = data.problems && data.problems.length ? data.problems : [{reason: data.error}];
    for (const p of problems) {
      const li = document.createElement("li");
      li.className = "problem";
      li.textContent = [p.feature, p.field, p.reason].filter(Boolean).join(" · ");
      list.appendChild(li);
    }
  }
  const upload = document.getElementById("zone-upload");
  if (upload) {
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = document.getElementById("zone-file").files[0];
      const list = document.getElementById("zone-errors");
      if (!file) return;
      const reply = await fetch("/api/zones", {
        method: "POST", credentials: "same-origin", body: await file.text(),
        headers: {"Content-Type": "application/geo+json", "X-CSRFToken": Console.csrf,
                  "Accept": "application/json"}});
      const data = await reply.json();
      if (reply.ok) { window.location.reload(); } else { showErrors(list, data); }
    });
  }
  // Forms sent to the API, listened for on the document: a live page may draw its forms anew.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    const payload = {};
    for (const input of form.querySelectorAll("[name]")) {
      if (input.value === "" && input.dataset.optional !== undefined) continue;
      if (input.type === "checkbox") { payload[input.name] = input.checked; continue; }
      payload[input.name] = input.type === "number" ? Number(input.value) : input.value;
    }
    const method = form.dataset.method || "POST";
    const body = Object.keys(payload).length || method !== "POST" ? payload : undefined;
    const reply = await Console.api(method, form.dataset.api, body);
    const list = form.querySelector(".errors");
    if (reply.ok) { window.location.reload(); } else if (list) { showErrors(list, reply.data); }
  });
})();
