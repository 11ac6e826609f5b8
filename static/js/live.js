/* The pages' live refresh: one EventSource on /api/events per page, narrowed to the event types
   the page shows. A relevant event re-reads the page's JSON (coalesced: at most one read per
   `gapMs`, and never two at once); while the stream is down, a slow poll (`pollMs`) reads it
   instead. EventSource reconnects by itself; a stream the server refused (closed for good) is
   opened again after `pollMs`. Each reconnection reads once, for what the page missed.
   `window.EcoLive` (set before this file runs) may override pollMs and gapMs. The state is
   shown on <body>: data-live="connecting|open|down", data-live-synced="yes" once a read begun
   after the stream (re)opened is done (from then on every change comes by an event), and
   data-live-reads counts the reads done. */
"use strict";
window.Live = (function () {
  const settings = window.EcoLive || {};
  const POLL_MS = Number(settings.pollMs) > 0 ? Number(settings.pollMs) : 15000;
  const GAP_MS = Number(settings.gapMs) >= 0 ? Number(settings.gapMs) : 300;

  /* A refresh that runs at most once per gap and never overlaps itself. schedule(type) asks
     for one because of an event of that type, schedule() for everything (a poll, a
     reconnection); refresh is given the set of types asked for since it last ran, or null
     when everything was. */
  function coalesced(refresh, gapMs) {
    let timer = null, running = false, again = false, last = -Infinity, wanted = new Set();
    async function run() {
      timer = null;
      running = true;
      last = Date.now();
      const types = wanted;
      wanted = new Set();
      try { await refresh(types.has(null) ? null : types); } catch (err) { /* tried again */ }
      running = false;
      if (again) { again = false; start(); }
    }
    function start() {
      if (running) { again = true; return; }
      if (timer !== null) return;
      timer = setTimeout(run, Math.max(0, last + gapMs - Date.now()));
    }
    return function schedule(type) {
      wanted.add(type === undefined ? null : type);
      start();
    };
  }

  /* Follow the stream: options.types (event class names), options.refresh(types) (async,
     re-reads and redraws; types as `coalesced` gives them), options.gapMs, options.onEvent(type,
     data) for pages that draw from the event itself (returning false: no read needed),
     options.onState("open" | "down").
     Returns {schedule, close}. */
  function follow(options) {
    const body = document.body.dataset;
    let reads = 0;
    const schedule = coalesced(async (types) => {
      const catchingUp = types === null && body.live === "open";
      await options.refresh(types);
      body.liveReads = String(++reads);
      if (catchingUp && body.live === "open") body.liveSynced = "yes";
    }, options.gapMs === undefined ? GAP_MS : options.gapMs);
    let source = null, poll = null, reopen = null, closed = false;
    function state(name) {
      if (name !== "open") delete body.liveSynced;
      body.live = name;
      if (options.onState) options.onState(name);
    }
    function down() {
      if (poll === null) poll = setInterval(() => schedule(), POLL_MS);
      state("down");
    }
    function open() {
      if (closed || !window.EventSource) { down(); return; }
      const url = "/api/events?types=" + encodeURIComponent(options.types.join(","));
      const es = new EventSource(url, {withCredentials: true});
      source = es;
      es.onopen = () => {
        if (poll !== null) { clearInterval(poll); poll = null; }
        state("open");
        schedule();
      };
      es.onerror = () => {
        down();
        if (es.readyState === EventSource.CLOSED && reopen === null) {
          if (source === es) source = null;
          reopen = setTimeout(() => { reopen = null; open(); }, POLL_MS);
        }
      };
      for (const type of options.types) {
        es.addEventListener(type, (e) => {
          if (options.onEvent) {
            let data = {};
            try { data = JSON.parse(e.data); } catch (err) { /* keep {} */ }
            if (options.onEvent(type, data) === false) return;  // drawn from the event itself
          }
          schedule(type);
        });
      }
    }
    function close() {
      closed = true;
      if (source) source.close();
      if (poll !== null) clearInterval(poll);
      if (reopen !== null) clearTimeout(reopen);
    }
    state("connecting");
    schedule();
    open();
    return {schedule, close};
  }

  return {follow, coalesced, POLL_MS, GAP_MS};
})();
