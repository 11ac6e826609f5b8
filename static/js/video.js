/* The video page: each drone's live view (whole H.264 frames streamed by
 * /api/video/streams/<vehicle>/live, muxed to fragmented MP4 in the page by jmuxer for Media
 * Source Extensions), the snapshot button, the snapshot and recording lists, and playback of a
 * recording with its telemetry track drawn on the map and a marker moving in step with the video.
 * The page follows the event stream (static/js/live.js): each feed's state and figures are drawn
 * from VideoStreamState and VideoStats, the drones on the map from TelemetryUpdated, and the
 * recordings are read again when one is saved (VideoRecordingSaved), the snapshots when one is
 * listed, whoever took it (VideoSnapshotSaved); while the stream is down the slow poll reads the
 * figures and both lists.
 */
(function () {
  "use strict";
  const area = document.getElementById("video-area");
  if (!area) return;
  const text = area.dataset;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const HEADER = 12;
  const MAX_LAG_S = 0.5;
  const only = text.sortie ? `?sortie=${encodeURIComponent(text.sortie)}` : "";

  // --- map -----------------------------------------------------------------------------------
  const map = L.map("video-map").setView([36.6512, 116.9972], 13);
  if (text.tileUrl) L.tileLayer(text.tileUrl, { maxZoom: 19 }).addTo(map);
  const drones = {};
  let placed = false;
  function droneAt(vehicle, lat, lon) {
    if (!drones[vehicle]) {
      drones[vehicle] = L.circleMarker([lat, lon], { radius: 7, color: "#0a58ca" })
        .bindTooltip(vehicle, { permanent: true, direction: "right" })
        .addTo(map);
    } else {
      drones[vehicle].setLatLng([lat, lon]);
    }
    if (!placed) { map.setView([lat, lon], 16); placed = true; }
  }
  function telemetry(d) {
    const s = d.snapshot || {};
    if (s.latitude_deg != null && s.longitude_deg != null) {
      droneAt(d.vehicle, s.latitude_deg, s.longitude_deg);
    }
  }

  // --- live view -----------------------------------------------------------------------------
  function joined(a, b) {
    if (a.length === 0) return b;
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function startLive(figure) {
    const vehicle = figure.dataset.vehicle;
    const video = figure.querySelector("video");
    const state = figure.querySelector(".video-state");
    figure.dataset.frames = "0";
    let muxer = null;

    function keepLive() {
      // Low latency: never let playback fall behind what has arrived.
      const b = video.buffered;
      if (b.length && b.end(b.length - 1) - video.currentTime > MAX_LAG_S) {
        video.currentTime = b.end(b.length - 1) - 0.05;
      }
      if (video.paused && b.length) video.play().catch(() => {});
    }
    setInterval(keepLive, 250);

    async function run() {
      state.textContent = text.textConnecting;
      if (muxer) muxer.destroy();
      muxer = new JMuxer({ node: video, mode: "video", flushingTime: 0, clearBuffer: true,
                           fps: 15, debug: false });
      const reply = await fetch(`/api/video/streams/${encodeURIComponent(vehicle)}/live`,
                                { credentials: "same-origin", cache: "no-store" });
      if (!reply.ok) {
        const body = await reply.json().catch(() => ({}));
        throw new Error(body.error || `HTTP ${reply.status}`);
      }
      const reader = reply.body.getReader();
      let buf = new Uint8Array(0);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buf = joined(buf, value);
        while (buf.length >= HEADER) {
          const view = new DataView(buf.buffer, buf.byteOffset, HEADER);
          const length = view.getUint32(0);
          if (buf.length < HEADER + length) break;
          if (length > 0) {
            const durationMs = view.getUint32(4) / 1000;
            const frame = buf.slice(HEADER, HEADER + length);
            muxer.feed(durationMs > 0 ? { video: frame, duration: durationMs } : { video: frame });
            figure.dataset.frames = String(Number(figure.dataset.frames) + 1);
            state.textContent = text.textLive;
          }
          buf = buf.subarray(HEADER + length);
        }
      }
    }
    function again() {
      run().catch((err) => {
        state.textContent = err.message;
        setTimeout(again, 3000);
      });
    }
    again();

    const button = figure.querySelector(".video-snapshot");
    if (button) button.addEventListener("click", () => snapshot(figure, vehicle, button));
  }

  // --- snapshots ------------------------------------------------------------------------------
  async function snapshot(figure, vehicle, button) {
    const message = figure.querySelector(".video-message");
    button.disabled = true;
    message.textContent = text.textSaving;
    try {
      const reply = await fetch(`/api/video/streams/${encodeURIComponent(vehicle)}/snapshot`, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" }, body: "{}",
      });
      const body = await reply.json();
      if (reply.status !== 202) throw new Error(body.error || `HTTP ${reply.status}`);
      for (let i = 0; i < 50; i++) {
        const status = await fetch(body.status_url, { credentials: "same-origin" });
        if (status.status === 200) {
          message.textContent = text.textSaved;
          figure.dataset.lastSnapshot = body.token;
          await listSnapshots();
          return;
        }
        if (status.status !== 202) {
          throw new Error((await status.json()).error || `HTTP ${status.status}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("the snapshot is taking too long");
    } catch (err) {
      message.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  async function listSnapshots() {
    const reply = await fetch(`/api/video/snapshots${only}`, { credentials: "same-origin" });
    if (!reply.ok) return;
    const list = document.getElementById("snapshot-list");
    const { snapshots } = await reply.json();
    list.replaceChildren();
    if (!snapshots.length) list.textContent = text.textNone;
    for (const s of snapshots) {
      const item = document.createElement("li");
      item.dataset.token = s.token;
      const link = document.createElement("a");
      link.href = s.url;
      const img = document.createElement("img");
      img.src = s.url;
      img.alt = `${s.vehicle} ${s.taken_utc}`;
      img.width = 160;
      link.append(img);
      const caption = document.createElement("span");
      caption.textContent = `${s.vehicle} · ${s.sortie_id == null ? "–" : "#" + s.sortie_id}` +
        ` · ${s.taken_utc} · ${s.width}×${s.height}`;
      item.append(link, caption);
      list.append(item);
    }
  }

  // --- stream figures ----------------------------------------------------------------------
  const figures = {};  // vehicle → its stream's last figures
  function drawStats(s) {
    const figure = document.querySelector(`.video-feed[data-vehicle="${CSS.escape(s.vehicle)}"]`);
    if (!figure) return;
    figures[s.vehicle] = s;
    figure.dataset.streamState = s.state;
    figure.querySelector(".video-stats").textContent =
      `${s.state} · ${s.fps.toFixed(1)} fps · ${(s.bitrate_bps / 1000).toFixed(0)} kbit/s` +
      ` · ${s.lost} lost`;
  }
  function drawState(d) {  // a feed started, stalled or resumed: its figures say so at once
    const last = figures[d.vehicle] || { fps: 0, bitrate_bps: 0, lost: 0 };
    drawStats({ ...last, vehicle: d.vehicle, state: d.state });
  }
  async function showStats() {
    const reply = await fetch("/api/video/streams", { credentials: "same-origin" });
    if (!reply.ok) return;
    const { streams } = await reply.json();
    for (const s of streams) drawStats(s);
  }

  // --- recordings and playback ---------------------------------------------------------------
  let trackLine = null;
  let trackMarker = null;
  let cues = [];

  function cueAt(t) {
    let lo = 0, hi = cues.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cues[mid].start_s <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function follow(video, panel, telemetry) {
    const i = cueAt(video.currentTime);
    if (i < 0 || String(i) === panel.dataset.cue) return;
    const c = cues[i];
    panel.dataset.cue = String(i);
    if (c.lat != null && c.lon != null) {
      trackMarker.setLatLng([c.lat, c.lon]);
      panel.dataset.markerLat = String(c.lat);
      panel.dataset.markerLon = String(c.lon);
    }
    const readings = Object.entries(c.readings || {}).map(([k, v]) => `${k} ${v}`).join(", ");
    telemetry.textContent = `${c.time_utc}  ${c.lat}, ${c.lon}  ${c.alt_m ?? "–"} m` +
      (readings ? `  ${readings}` : "");
  }

  async function play(rec) {
    const panel = document.getElementById("playback");
    const video = document.getElementById("playback-video");
    const telemetry = document.getElementById("playback-telemetry");
    const reply = await fetch(rec.track_url, { credentials: "same-origin" });
    cues = reply.ok ? (await reply.json()).cues : [];
    const points = cues.filter((c) => c.lat != null && c.lon != null).map((c) => [c.lat, c.lon]);
    if (trackLine) trackLine.remove();
    if (trackMarker) trackMarker.remove();
    trackLine = L.polyline(points, { color: "#d63384", weight: 3 }).addTo(map);
    trackMarker = L.circleMarker(points[0] || map.getCenter(),
                                 { radius: 8, color: "#d63384", fillOpacity: 0.9 }).addTo(map);
    if (points.length) {
      placed = true; // the drones' live positions no longer move the view away from the track
      map.fitBounds(trackLine.getBounds(), { padding: [20, 20] });
    }
    panel.hidden = false;
    panel.dataset.recording = String(rec.id);
    delete panel.dataset.cue;
    video.replaceChildren();
    const track = document.createElement("track");
    track.kind = "metadata";
    track.src = rec.telemetry_url;
    track.default = true;
    video.append(track);
    video.src = rec.video_url;
    const step = () => follow(video, panel, telemetry);
    video.ontimeupdate = step;
    video.onseeked = step;
    const frame = () => { step(); if (!video.paused && !video.ended) requestAnimationFrame(frame); };
    video.onplay = () => requestAnimationFrame(frame);
    video.play().catch(() => {});
  }

  async function listRecordings() {
    const reply = await fetch(`/api/video/recordings${only}`, { credentials: "same-origin" });
    if (!reply.ok) return;
    const { recordings } = await reply.json();
    const body = document.querySelector("#recording-list tbody");
    body.replaceChildren();
    for (const rec of recordings) {
      const row = document.createElement("tr");
      row.dataset.recording = String(rec.id);
      for (const value of [rec.vehicle, rec.sortie_id ?? "–", rec.start_utc,
                           rec.duration_s.toFixed(1)]) {
        const cell = document.createElement("td");
        cell.textContent = String(value);
        row.append(cell);
      }
      const cell = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "recording-play";
      button.textContent = text.textPlay;
      button.addEventListener("click", () => play(rec));
      cell.append(button);
      row.append(cell);
      body.append(row);
      if (text.recording && String(rec.id) === text.recording && !played) {
        played = true;
        play(rec);
      }
    }
  }
  let played = false;  // the recording the page was opened for, once

  // --- the event stream ----------------------------------------------------------------------
  const onlySortie = text.sortie ? Number(text.sortie) : null;
  async function refresh(types) {
    if (types === null) {
      await Promise.all([showStats(), listSnapshots(), listRecordings()]);
    } else {
      const reads = [];
      if (types.has("VideoRecordingSaved")) reads.push(listRecordings());
      if (types.has("VideoSnapshotSaved")) reads.push(listSnapshots());
      await Promise.all(reads);
    }
  }
  function onEvent(type, d) {
    if (type === "TelemetryUpdated") telemetry(d);
    else if (type === "VideoStats") drawStats(d);
    else if (type === "VideoStreamState") drawState(d);
    else if (type === "VideoRecordingSaved" || type === "VideoSnapshotSaved") {
      return onlySortie === null || d.sortie_id === onlySortie ? undefined : false;
    }
    return false;  // drawn from the event itself
  }

  document.querySelectorAll(".video-feed").forEach(startLive);
  window.Live.follow({
    types: ["TelemetryUpdated", "VideoStreamState", "VideoStats", "VideoRecordingSaved",
            "VideoSnapshotSaved"],
    refresh,
    onEvent,
  });
})();
