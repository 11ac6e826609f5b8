/* The console's shared browser code: JSON fetches with the CSRF token, text-only cells. */
"use strict";
window.Console = (function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  async function api(method, url, payload) {
    const options = {method, headers: {"Accept": "application/json"}, credentials: "same-origin"};
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    if (method !== "GET") options.headers["X-CSRFToken"] = csrf;
    const reply = await fetch(url, options);
    let data = {};
    try { data = await reply.json(); } catch (e) { data = {error: reply.statusText}; }
    return {status: reply.status, ok: reply.ok, data};
  }
  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  return {api, cell, csrf};
})();
