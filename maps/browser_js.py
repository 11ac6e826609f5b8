"""The map's browser code (window.EcoMap): markers, popups, sparklines, live updates, legend.

Live layers with an endpoint are registered by kind (fleet, station, zone, alert, grid):
`EcoMap.refresh(kind)` re-reads that kind's layers at once, `EcoMap.follow(true)` stops their
periodic reads (a page whose event stream is up) and `follow(false)` starts them again.

Every text shown comes from feature properties or the label table and is set with
``textContent`` on nodes built here; no string is ever parsed as HTML, so a zone named
``<script>`` stays text. SVG nodes are made with Leaflet's ``L.SVG.create``.
"""

LIBRARY = r"""
(function () {
  "use strict";
  if (window.EcoMap) { return; }
  var cfg = {labels: {}, categories: [], pollutants: {}, na: "#9e9e9e", groundKinds: []};
  var canvas = null;

  function renderer() { if (!canvas) { canvas = L.canvas({padding: 0.5}); } return canvas; }
  function t(key) {
    return Object.prototype.hasOwnProperty.call(cfg.labels, key) ? cfg.labels[key] : String(key);
  }
  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  function token(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[^A-Za-z0-9_]/g, "");
  }
  function num(v, digits) {
    if (v === null || v === undefined || v === "" || !isFinite(v)) { return "\u2013"; }
    return Number(v).toFixed(digits);
  }
  function table(rows, header) {
    var tb = node("table", "eco-table");
    rows.forEach(function (r, i) {
      var tr = node("tr");
      r.forEach(function (c, j) {
        tr.appendChild(node(header && i === 0 ? "th" : (j ? "td" : "th"), null, c));
      });
      tb.appendChild(tr);
    });
    return tb;
  }
  function pollutant(key) {
    var base = String(key).replace(/_(1h|8h|24h)$/, "");
    if (Object.prototype.hasOwnProperty.call(cfg.pollutants, base)) { return cfg.pollutants[base]; }
    return {label: String(key), unit: "", digits: 1};
  }
  function latLng(f) { return L.GeoJSON.coordsToLatLng(f.geometry.coordinates); }
  function refresh(layer) {
    if (layer.isPopupOpen && layer.isPopupOpen()) { layer.getPopup().update(); }
  }
  function popup(layer, build) {
    layer.bindPopup(function () { return build(layer.feature); }, {maxWidth: 280});
  }
  function tooltip(layer, build) {
    var content = function () { return node("span", null, build(layer.feature)); };
    layer.bindTooltip(content, {direction: "top"});
  }

  function sparkline(series, colour) {
    var w = 168, h = 36, pad = 3;
    var svg = L.SVG.create("svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h);
    svg.setAttribute("class", "eco-spark");
    var vals = (series || []).map(function (v) {
      return v === null || v === undefined || !isFinite(v) ? null : Number(v);
    });
    var finite = vals.filter(function (v) { return v !== null; });
    if (!finite.length) { return svg; }
    var top = Math.max(50, Math.max.apply(null, finite));
    var span = Math.max(vals.length - 1, 1), run = [];
    function flush() {
      if (run.length > 1) {
        var line = L.SVG.create("polyline");
        line.setAttribute("points", run.join(" ")); line.setAttribute("fill", "none");
        line.setAttribute("stroke", "#37474f"); line.setAttribute("stroke-width", "1.5");
        svg.appendChild(line);
      }
      run = [];
    }
    var last = null;
    vals.forEach(function (v, i) {
      if (v === null) { flush(); return; }
      last = [pad + (w - 2 * pad) * i / span, h - pad - (h - 2 * pad) * v / top];
      run.push(last[0].toFixed(1) + "," + last[1].toFixed(1));
    });
    flush();
    var dot = L.SVG.create("circle");
    dot.setAttribute("cx", last[0].toFixed(1)); dot.setAttribute("cy", last[1].toFixed(1));
    dot.setAttribute("r", "3");
    dot.setAttribute("fill", colour || cfg.na); dot.setAttribute("stroke", "#37474f");
    svg.appendChild(dot);
    return svg;
  }

  function categoryName(i) {
    var known = i !== null && i !== undefined && cfg.categories[i];
    return known ? cfg.categories[i] : t("legend_na");
  }
  function stationStyle(f) {
    var fill = f.properties.color || cfg.na;
    return {radius: 7, color: "#263238", weight: 1, fillColor: fill, fillOpacity: 0.9};
  }
  function stationPoint(f, ll) {
    return L.circleMarker(ll, L.extend({renderer: renderer()}, stationStyle(f)));
  }
  function stationPopup(f) {
    var p = f.properties, box = node("div", "eco-popup eco-station");
    box.appendChild(node("div", "eco-title", p.name));
    var badge = node("div", "eco-badge",
      t("aqi") + " " + num(p.aqi, 0) + " \u00b7 " + categoryName(p.category));
    badge.style.background = p.color || cfg.na;
    box.appendChild(badge);
    var primary = (p.primary && p.primary.length) ? p.primary.join(", ") : t("none");
    box.appendChild(node("div", "eco-line", t("primary") + ": " + primary));
    var rows = [[t("pollutant"), t("value"), t("iaqi")]], keys = Object.keys(p.values || {});
    Object.keys(p.iaqi || {}).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } });
    keys.forEach(function (k) {
      var info = pollutant(k), v = (p.values || {})[k];
      var value = num(v, info.digits || 0) + " " + info.unit;
      rows.push([info.label, value, num((p.iaqi || {})[k], 0)]);
    });
    box.appendChild(table(rows, true));
    box.appendChild(node("div", "eco-note", t("aqi_24h")));
    box.appendChild(sparkline(p.aqi_24h, p.color));
    if (p.time) { box.appendChild(node("div", "eco-note", t("time") + ": " + p.time)); }
    return box;
  }
  function stationFeature(f, layer) {
    popup(layer, stationPopup);
    tooltip(layer, function (g) {
      return g.properties.name + " \u00b7 " + t("aqi") + " " + num(g.properties.aqi, 0);
    });
  }
  function updatePoint(f, old) {
    if (!old || !old.setLatLng || !f.geometry || f.geometry.type !== "Point") { return null; }
    old.setLatLng(latLng(f)); old.feature = f; refresh(old);
    return old;
  }

  function droneIcon(p) {
    var box = node("div", "eco-drone-box");
    var svg = L.SVG.create("svg");
    svg.setAttribute("width", "28"); svg.setAttribute("height", "28");
    svg.setAttribute("viewBox", "0 0 28 28"); svg.setAttribute("class", "eco-drone-arrow");
    var heading = p.heading_deg;
    heading = heading === null || heading === undefined ? null : Number(heading);
    var mark = L.SVG.create(heading === null ? "circle" : "path");
    if (mark.tagName === "path") {
      mark.setAttribute("d", "M14 2 L24 26 L14 20 L4 26 Z");
      svg.style.transform = "rotate(" + heading + "deg)";
    } else {
      mark.setAttribute("cx", "14"); mark.setAttribute("cy", "14"); mark.setAttribute("r", "8");
    }
    svg.appendChild(mark); box.appendChild(svg);
    var low = p.battery_pct !== null && p.battery_pct !== undefined && Number(p.battery_pct) < 30;
    box.appendChild(node("div", "eco-drone-label" + (low ? " eco-low" : ""),
      p.name + " \u00b7 " + num(p.battery_pct, 0) + "% \u00b7 " + p.mode));
    return L.divIcon({className: "eco-drone eco-link-" + token(p.link), html: box,
                      iconSize: [28, 28], iconAnchor: [14, 14]});
  }
  function dronePopup(f) {
    var p = f.properties, box = node("div", "eco-popup eco-drone-popup");
    box.appendChild(node("div", "eco-title", p.name));
    box.appendChild(table([
      [t("link"), t("link_" + token(p.link))],
      [t("mode"), p.mode + " \u00b7 " + t(p.armed ? "armed" : "disarmed")],
      [t("battery"), num(p.battery_pct, 0) + " %"],
      [t("heading"), num(p.heading_deg, 0) + "\u00b0"],
      [t("altitude"), num(p.altitude_m, 1) + " m"],
      [t("speed"), num(p.groundspeed_mps, 1) + " m/s"],
      [t("sortie"), p.sortie || t("none")]
    ], false));
    return box;
  }
  function fleetPoint(f, ll) {
    return L.marker(ll, {icon: droneIcon(f.properties), keyboard: false, zIndexOffset: 500});
  }
  function fleetStyle(f) {
    var kind = f.properties.kind;
    if (kind === "track") { return {color: "#1565c0", weight: 2, opacity: 0.75}; }
    if (kind === "route") { return {color: "#7b1fa2", weight: 2, opacity: 0.9, dashArray: "6 6"}; }
    return {};
  }
  function fleetFeature(f, layer) {
    if (f.properties.kind === "drone") { popup(layer, dronePopup); return; }
    tooltip(layer, function (g) { return t(g.properties.kind) + " \u00b7 " + g.properties.drone; });
  }
  function updateFleet(f, old) {
    if (!old || !f.geometry) { return null; }
    if (f.geometry.type === "Point" && old.setIcon) {
      old.setLatLng(latLng(f)); old.setIcon(droneIcon(f.properties)); old.feature = f; refresh(old);
      return old;
    }
    if (f.geometry.type === "LineString" && old.setLatLngs) {
      old.setLatLngs(L.GeoJSON.coordsToLatLngs(f.geometry.coordinates, 0)); old.feature = f;
      return old;
    }
    return null;
  }

  function zoneStyle(f) {
    var p = f.properties;
    return {color: p.color, weight: 2, fillColor: p.color, radius: 7,
            fillOpacity: p.kind === "no_fly" ? 0.25 : 0.08,
            dashArray: p.kind === "fence" ? "8 4" : null};
  }
  function zonePoint(f, ll) { return L.circleMarker(ll, zoneStyle(f)); }
  function zonePopup(f) {
    var p = f.properties, box = node("div", "eco-popup eco-zone");
    box.appendChild(node("div", "eco-title", p.name));
    var rows = [[t("kind"), t("zone_" + token(p.kind))]];
    if (p.priority) { rows.push([t("priority"), t("priority_" + token(p.priority))]); }
    if (p.revisit_minutes !== null && p.revisit_minutes !== undefined) {
      rows.push([t("revisit"), num(p.revisit_minutes, 0)]);
    }
    box.appendChild(table(rows, false));
    return box;
  }
  function groundZone(f) { return cfg.groundKinds.indexOf((f.properties || {}).kind) >= 0; }
  function airZone(f) { return !groundZone(f); }
  function zoneFeature(f, layer) {
    popup(layer, zonePopup);
    tooltip(layer, function (g) { return g.properties.name; });
  }

  var ALERT_COLOURS = {open: "#d50000", acknowledged: "#ef6c00", closed: "#757575"};
  function alertColour(p) { return ALERT_COLOURS[p.status] || ALERT_COLOURS.open; }
  function alertIcon(p) {
    return L.divIcon({className: "eco-alert eco-alert-" + token(p.status),
                      html: node("div", "eco-alert-mark", "!"),
                      iconSize: [22, 22], iconAnchor: [11, 11]});
  }
  function alertPoint(f, ll) {
    var p = f.properties, group = L.featureGroup();
    var circle = L.circle(ll, {radius: Number(p.uncertainty_m) || 0, color: alertColour(p),
                               weight: 2, dashArray: "4 4", fillOpacity: 0.08});
    var mark = L.marker(ll, {icon: alertIcon(p), keyboard: false, zIndexOffset: 1000});
    group.addLayer(circle).addLayer(mark);
    group.ecoParts = {circle: circle, mark: mark};
    return group;
  }
  function alertPopup(f) {
    var p = f.properties, box = node("div", "eco-popup eco-alert-popup");
    box.appendChild(node("div", "eco-title", p.text));
    var ll = latLng(f);
    box.appendChild(table([
      [t("status"), t("status_" + token(p.status))],
      [t("pollutant"), p.pollutant ? pollutant(p.pollutant).label : t("none")],
      [t("alert_source"), ll.lat.toFixed(5) + ", " + ll.lng.toFixed(5)],
      [t("uncertainty"), "\u00b1 " + num(p.uncertainty_m, 0) + " m"],
      [t("time"), p.time || "\u2013"]
    ], false));
    return box;
  }
  function alertFeature(f, layer) { popup(layer, alertPopup); }
  function updateAlert(f, old) {
    if (!old || !old.ecoParts || !f.geometry || f.geometry.type !== "Point") { return null; }
    var ll = latLng(f), p = f.properties;
    old.ecoParts.circle.setLatLng(ll).setRadius(Number(p.uncertainty_m) || 0)
      .setStyle({color: alertColour(p)});
    old.ecoParts.mark.setLatLng(ll).setIcon(alertIcon(p));
    old.feature = f; refresh(old);
    return old;
  }

  function gridStyle(opacity) {
    return function (f) {
      return {stroke: false, fillColor: (f.properties || {}).color || cfg.na,
              fillOpacity: opacity};
    };
  }
  function gridFeature(f, layer) {
    tooltip(layer, function (g) {
      var p = g.properties;
      return t("value") + " " + num(p.value, 1) + " \u00b7 " + t("iaqi") + " " + num(p.iaqi, 0);
    });
  }
  function updateGrid(f, old) {
    if (!old || !old.setStyle) { return null; }
    old.setStyle({fillColor: (f.properties || {}).color || cfg.na});
    old.feature = f;
    return old;
  }

  var live = {};
  function register(kind, layer) {
    var list = live[kind] || (live[kind] = []);
    if (list.indexOf(layer) < 0) { list.push(layer); }
  }
  function refreshKind(kind) {
    var list = live[kind] || [];
    list.forEach(function (layer) { layer.update(); });
    return list.length;
  }
  function follow(streaming) {
    Object.keys(live).forEach(function (kind) {
      live[kind].forEach(function (layer) {
        if (streaming) { layer.stop(); } else { layer.start(); }
      });
    });
  }
  function liveFeatures(kind) {
    return (live[kind] || []).reduce(function (n, layer) {
      return n + Object.keys(layer._features || {}).length;
    }, 0);
  }

  function featureId(f) {
    return f.id !== undefined && f.id !== null ? f.id : (f.properties || {}).id;
  }
  var reading = {};  // url -> the read in flight: layers of one URL (the two zone layers) share it
  function read(url) {
    var entry = reading[url];
    if (!entry) {
      var accept = {Accept: "application/geo+json, application/json"};
      entry = reading[url] = {users: 0};
      entry.data = fetch(url, {credentials: "same-origin", cache: "no-store", headers: accept})
        .then(function (r) {
          if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
          return r.json();
        });
      var done = function () { if (reading[url] === entry) { delete reading[url]; } };
      entry.data.then(done, done);
    }
    // the first layer takes the answer itself, any other its own copy
    return entry.users++ === 0 ? entry.data : entry.data.then(function (d) {
      return structuredClone(d);
    });
  }
  function source(initial, url, kind) {
    var first = initial;
    return function (ok, fail) {
      if (kind && this && this.update) { register(kind, this); }  // `this`: the Realtime layer
      if (first) { var data = first; first = null; ok(data); return; }
      if (!url) { return; }
      read(url).then(ok).catch(fail);
    };
  }

  function legend(map, spec) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var box = node("div", "eco-legend leaflet-control");
      box.appendChild(node("div", "eco-legend-title", spec.title));
      spec.rows.forEach(function (r) {
        var row = node("div", "eco-legend-row"), swatch = node("span", "eco-swatch");
        swatch.style.background = r.color;
        row.appendChild(swatch); row.appendChild(node("span", "eco-legend-range", r.range));
        row.appendChild(node("span", "eco-legend-name", r.name));
        box.appendChild(row);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  window.EcoMap = {
    setup: function (c) { L.extend(cfg, c); },
    t: t, sparkline: sparkline, featureId: featureId, source: source, legend: legend,
    renderer: renderer, refresh: refreshKind, follow: follow, features: liveFeatures,
    layers: function (kind) { return (live[kind] || []).slice(); },
    gridStyle: gridStyle, gridFeature: gridFeature, updateGrid: updateGrid,
    stationStyle: stationStyle, stationPoint: stationPoint, stationFeature: stationFeature,
    stationPopup: stationPopup, updateStation: updatePoint,
    fleetStyle: fleetStyle, fleetPoint: fleetPoint, fleetFeature: fleetFeature,
    dronePopup: dronePopup, updateFleet: updateFleet,
    zoneStyle: zoneStyle, zonePoint: zonePoint, zoneFeature: zoneFeature, zonePopup: zonePopup,
    groundZone: groundZone, airZone: airZone,
    alertPoint: alertPoint, alertFeature: alertFeature, alertPopup: alertPopup,
    updateAlert: updateAlert
  };
})();
"""

STYLE = """
.eco-popup { font: 12px/1.4 system-ui, sans-serif; min-width: 170px; }
.eco-title { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.eco-badge { display: inline-block; padding: 1px 6px; border-radius: 3px; margin-bottom: 4px;
  color: #111; text-shadow: 0 0 2px #fff; }
.eco-table { border-collapse: collapse; margin: 4px 0; }
.eco-table th, .eco-table td { padding: 1px 6px 1px 0; text-align: left; font-weight: normal; }
.eco-table th { color: #555; }
.eco-note { color: #666; font-size: 11px; }
.eco-spark { display: block; }
.eco-drone { background: none; border: none; }
.eco-drone-box { position: relative; width: 28px; height: 28px; }
.eco-drone-arrow { display: block; transform-origin: 50% 50%; }
.eco-drone-arrow path, .eco-drone-arrow circle { stroke: #fff; stroke-width: 1.5; }
.eco-link-OK .eco-drone-arrow * { fill: #1565c0; }
.eco-link-CONNECTING .eco-drone-arrow * { fill: #f9a825; }
.eco-link-LOST .eco-drone-arrow * { fill: #9e9e9e; }
.eco-drone-label { position: absolute; left: 30px; top: 5px; white-space: nowrap;
  font: 11px system-ui, sans-serif; background: rgba(255,255,255,.85); padding: 0 3px;
  border-radius: 2px; }
.eco-drone-label.eco-low { color: #c62828; font-weight: 600; }
.eco-alert { background: none; border: none; }
.eco-alert-mark { width: 22px; height: 22px; border-radius: 50%; background: #d50000; color: #fff;
  font: bold 14px/22px system-ui, sans-serif; text-align: center; border: 2px solid #fff;
  box-sizing: border-box; }
.eco-alert-acknowledged .eco-alert-mark { background: #ef6c00; }
.eco-alert-closed .eco-alert-mark { background: #757575; }
.eco-legend { background: rgba(255,255,255,.9); padding: 6px 8px; border-radius: 4px;
  font: 12px/1.5 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.eco-legend-title { font-weight: 600; margin-bottom: 2px; }
.eco-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px;
  border: 1px solid #999; }
.eco-legend-range { display: inline-block; min-width: 64px; margin-right: 4px; }
"""
