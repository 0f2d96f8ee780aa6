// The node page's script (plain ES2017, no modules, no build step): polls the JSON endpoints once per
// tick, renders with DOM calls only (no HTML from data), draws charts as SVG, and says when the agent
// stops answering. Written with String.raw so that it reaches the browser exactly as here: it must
// contain no backtick and no dollar-brace.
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var body = document.body;
  var tickMs = Number(body.getAttribute('data-interval-ms')) || 10000;
  /** Polls follow the agent's ticks, but never more than once a second; a silent agent is retried every few seconds. */
  var intervalMs = Math.max(1000, tickMs);
  var retryMs = Math.min(intervalMs, 5000);
  var lastTickDurationMs = 0;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var lastOk = Date.now();
  var failing = false;
  var inFlight = false;
  var openKey = null;
  var openRange = '1h';
  var bySeriesKey = {};
  /** The agent's clock minus ours, and its last tick: the header's tick age keeps counting between polls and while the agent is silent. */
  var skew = 0;
  var lastTickAt = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function replace(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (var i = 0; i < children.length; i++) node.appendChild(children[i]);
  }
  function fmtNum(x) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var a = Math.abs(x);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
    if (a >= 1000) return Math.round(x).toLocaleString('en');
    return String(Number(x.toPrecision(3)));
  }
  function fmtAge(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '–';
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + 's';
    var m = Math.floor(seconds / 60), s = seconds % 60;
    if (m < 60) return m + 'm ' + s + 's';
    var h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function fmtTime(ms) { return new Date(ms).toLocaleTimeString('en-GB', { hour12: false }); }
  function since(ms, now) { return fmtAge((now - ms) / 1000); }
  function labelText(labels) {
    var parts = [];
    for (var k in labels) parts.push(k + '=' + labels[k]);
    return parts.join(', ');
  }

  function getJson(path) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctl) ctl.abort(); }, Math.max(3000, intervalMs));
    return fetch(path, { cache: 'no-store', signal: ctl ? ctl.signal : undefined }).then(function (res) {
      clearTimeout(timer);
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    }, function (err) { clearTimeout(timer); throw err; });
  }

  function renderHeader(st) {
    var n = st.node;
    $('f-version').textContent = n.version;
    $('f-uptime').textContent = fmtAge(n.uptimeSeconds);
    $('f-interval').textContent = n.intervalSeconds + 's';
    skew = n.now - Date.now();
    lastTickAt = n.lastTickAt;
    lastTickDurationMs = n.lastTickDurationSeconds * 1000;
    showTickAge();
    var d = st.detector;
    $('f-detector').textContent = d.state + ' (' + d.anomalousSeries + ' of ' + d.monitoredSeries + ' series anomalous' + (d.warmingUpSeries > 0 ? ', ' + d.warmingUpSeries + ' warming up' : '') + ')';
    $('f-alerting').textContent = st.alerting.firing + ' firing, ' + st.alerting.pending + ' pending';
    document.title = (st.alerting.firing > 0 ? '(' + st.alerting.firing + ') ' : '') + n.name + ' · Vigil';
  }

  function showTickAge() {
    $('f-tick').textContent = lastTickAt === null ? 'none yet' : fmtAge((Date.now() + skew - lastTickAt) / 1000) + ' ago';
  }

  function alertItem(a, now) {
    var li = el('li', (a.state === 'resolved' ? 'resolved ' : '') + 'sev-' + a.severity);
    var title = el('div', 'alert-title');
    title.appendChild(el('span', 'badge ' + a.state, a.state));
    title.appendChild(el('span', null, a.alertname + ' '));
    title.appendChild(el('span', 'meta', '(' + a.severity + ')'));
    li.appendChild(title);
    if (a.summary) li.appendChild(el('div', null, a.summary));
    var meta = el('div', 'meta');
    var when = a.state === 'resolved' ? 'resolved ' + since(a.resolvedAt, now) + ' ago (at ' + fmtTime(a.resolvedAt) + ')'
      : a.state === 'firing' ? 'firing for ' + since(a.firedAt || a.activeAt, now) + ' (active since ' + fmtTime(a.activeAt) + ')'
      : 'pending for ' + since(a.activeAt, now);
    meta.appendChild(document.createTextNode(when + ' · value ' + a.value + ' · '));
    var extra = {};
    for (var k in a.labels) if (k !== 'alertname' && k !== 'severity') extra[k] = a.labels[k];
    var lt = labelText(extra);
    if (lt) meta.appendChild(document.createTextNode(lt + ' · '));
    if (a.runbook) {
      var link = el('a', null, 'runbook');
      link.href = a.runbook;
      link.setAttribute('aria-label', 'runbook for ' + a.alertname);
      meta.appendChild(link);
    } else meta.appendChild(document.createTextNode('no runbook'));
    li.appendChild(meta);
    return li;
  }

  function renderAlerts(st) {
    var now = st.node.now;
    var active = st.alerts.active, resolved = st.alerts.resolved;
    $('alerts-count').textContent = '(' + active.length + ')';
    replace($('alerts'), active.map(function (a) { return alertItem(a, now); }));
    $('alerts-empty').hidden = active.length > 0;
    $('resolved-count').textContent = '(' + resolved.length + ')';
    replace($('resolved'), resolved.map(function (a) { return alertItem(a, now); }));
    $('resolved-empty').hidden = resolved.length > 0;
  }

  function cell(text, cls) { return el('td', cls, text); }

  function renderCollectors(st) {
    replace($('collectors'), st.collectors.map(function (c) {
      var tr = el('tr');
      var th = el('th', null, c.name); th.scope = 'row'; tr.appendChild(th);
      tr.appendChild(cell(c.success ? 'ok' : 'failing', c.success ? 'good' : 'bad'));
      tr.appendChild(cell(fmtNum(c.durationSeconds * 1000) + ' ms', 'num'));
      tr.appendChild(cell(c.lastError ? c.lastError + ' (' + fmtTime(c.lastErrorAt) + ')' : '–', 'meta'));
      return tr;
    }));
    var pg = st.postgres;
    $('pg-empty').hidden = pg.length > 0;
    $('pg-table').hidden = pg.length === 0;
    replace($('postgres'), pg.map(function (t) {
      var tr = el('tr');
      var th = el('th', null, t.target); th.scope = 'row'; tr.appendChild(th);
      tr.appendChild(cell(t.role));
      tr.appendChild(cell(t.up ? 'up' : 'down', t.up ? 'good' : 'bad'));
      tr.appendChild(cell(t.lagSeconds === undefined ? '–' : fmtNum(t.lagSeconds) + ' s', 'num'));
      tr.appendChild(cell(t.receiverUp === undefined ? '–' : t.receiverUp ? 'streaming' : 'not streaming', t.receiverUp === false ? 'bad' : null));
      var sb = t.standbysConnected === undefined ? '–' : t.standbysConnected + ' / ' + (t.standbysExpected === undefined ? '?' : t.standbysExpected);
      tr.appendChild(cell(sb, t.standbysExpected !== undefined && t.standbysConnected < t.standbysExpected ? 'bad num' : 'num'));
      return tr;
    }));
  }

  function extent(arr, lo, hi) {
    for (var i = 0; i < arr.length; i++) if (arr[i] !== null) { if (arr[i] < lo) lo = arr[i]; if (arr[i] > hi) hi = arr[i]; }
    return [lo, hi];
  }
  function line(ts, ys, t0, t1, y0, y1, w, h, pad, cls) {
    var pts = [], out = [];
    function flush() { if (pts.length > 0) out.push(svg('polyline', { 'class': cls, points: pts.join(' ') })); pts = []; }
    for (var i = 0; i < ts.length; i++) {
      if (ys[i] === null) { flush(); continue; }
      var x = pad + (t1 === t0 ? w - 2 * pad : (ts[i] - t0) / (t1 - t0) * (w - 2 * pad));
      var y = h - pad - (y1 === y0 ? 0.5 : (ys[i] - y0) / (y1 - y0)) * (h - 2 * pad);
      pts.push(x.toFixed(1) + ',' + y.toFixed(1));
    }
    flush();
    return out;
  }
  /** An SVG chart of value (solid, own scale) and score (dashed, 0..1), anomalous ticks as red marks. */
  function chart(h, cls, w, pad, label, withAxis) {
    var s = svg('svg', { 'class': cls, viewBox: '0 0 ' + w + ' ' + (cls === 'spark' ? 64 : 260), preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    var H = cls === 'spark' ? 64 : 260;
    var ts = h.t;
    if (ts.length === 0) return s;
    var t0 = ts[0], t1 = ts[ts.length - 1];
    var ve = extent(h.value, Infinity, -Infinity);
    if (!isFinite(ve[0])) ve = [0, 1];
    if (withAxis) s.appendChild(svg('line', { 'class': 'axis', x1: pad, y1: H - pad, x2: w - pad, y2: H - pad }));
    for (var i = 0; i < ts.length; i++) {
      if (!h.anomalous[i]) continue;
      var x = pad + (t1 === t0 ? w - 2 * pad : (ts[i] - t0) / (t1 - t0) * (w - 2 * pad));
      s.appendChild(svg('rect', { 'class': 'a', x: (x - 1.5).toFixed(1), y: H - pad, width: 3, height: pad > 4 ? 6 : 4 }));
    }
    line(ts, h.score, t0, t1, 0, 1, w, H, pad, 's').forEach(function (p) { s.appendChild(p); });
    line(ts, h.value, t0, t1, ve[0], ve[1], w, H, pad, 'v').forEach(function (p) { s.appendChild(p); });
    if (withAxis) {
      var top = svg('text', { x: pad, y: 12 }); top.textContent = 'max ' + fmtNum(ve[1]); s.appendChild(top);
      var bot = svg('text', { x: pad, y: H - pad - 4 }); bot.textContent = 'min ' + fmtNum(ve[0]); s.appendChild(bot);
      var l = svg('text', { x: pad, y: H - 2 }); l.textContent = fmtTime(t0); s.appendChild(l);
      var r = svg('text', { x: w - pad - 60, y: H - 2 }); r.textContent = fmtTime(t1); s.appendChild(r);
    }
    return s;
  }
  function describe(s, h) {
    var ve = extent(h.value, Infinity, -Infinity);
    var flagged = 0;
    for (var i = 0; i < h.anomalous.length; i++) flagged += h.anomalous[i];
    return s.key + ': value ' + fmtNum(s.value) + ', anomaly score ' + fmtNum(s.score) + (s.anomalous ? ', anomalous' : '') +
      (isFinite(ve[0]) ? '; over the shown range min ' + fmtNum(ve[0]) + ', max ' + fmtNum(ve[1]) : '') + '; ' + flagged + ' anomalous points';
  }

  function renderAnomalies(an, now) {
    bySeriesKey = {};
    $('anomalies-count').textContent = '(' + an.series.length + ' of ' + an.total + ')';
    $('anomalies-empty').hidden = an.series.length > 0;
    replace($('anomalies'), an.series.map(function (s, i) {
      bySeriesKey[s.key] = s;
      var li = el('li');
      var b = el('button', s.anomalous ? 'anomalous' : '');
      b.type = 'button';
      b.setAttribute('data-key', s.key);
      b.setAttribute('aria-haspopup', 'dialog');
      b.appendChild(el('span', 's-name', (i + 1) + '. ' + s.key));
      var nums = el('span', 's-nums');
      nums.appendChild(document.createTextNode('score '));
      nums.appendChild(el('b', null, fmtNum(s.score)));
      nums.appendChild(document.createTextNode(' · value '));
      nums.appendChild(el('b', null, fmtNum(s.value)));
      nums.appendChild(el('br'));
      if (s.anomalous) nums.appendChild(el('span', 'flag', 'anomalous for ' + (s.anomalousSince ? since(s.anomalousSince, now) : '?')));
      else {
        var flagged = 0;
        for (var j = 0; j < s.history.anomalous.length; j++) flagged += s.history.anomalous[j];
        nums.appendChild(flagged > 0 ? el('span', 'flag', 'flagged in ' + flagged + ' of the last hour’s points') : document.createTextNode(s.current ? 'normal' : 'not reported this tick'));
      }
      b.appendChild(nums);
      b.appendChild(chart(s.history, 'spark', 120, 2, describe(s, s.history), false));
      b.addEventListener('click', function () { openSeries(s.key); });
      li.appendChild(b);
      return li;
    }));
  }

  function openSeries(key) {
    openKey = key;
    var d = $('series-dialog');
    $('dialog-title').textContent = key;
    if (!d.open) { if (typeof d.showModal === 'function') d.showModal(); else d.setAttribute('open', ''); }
    loadSeries();
  }
  function loadSeries() {
    if (openKey === null) return;
    var key = openKey, range = openRange;
    var btns = document.querySelectorAll('.ranges button');
    for (var i = 0; i < btns.length; i++) btns[i].setAttribute('aria-pressed', String(btns[i].getAttribute('data-range') === range));
    getJson('/api/v1/series?key=' + encodeURIComponent(key) + '&range=' + range + '&points=720').then(function (res) {
      if (openKey !== key || openRange !== range) return;
      var h = res.data, s = bySeriesKey[key] || { key: key, value: h.value[h.value.length - 1], score: h.score[h.score.length - 1], anomalous: false };
      var text = describe(s, h);
      replace($('dialog-chart'), [chart(h, 'big', 900, 16, text, true)]);
      $('dialog-summary').textContent = text + ' (' + h.t.length + ' points, ' + range + ').';
      var rows = [];
      for (var i = h.t.length - 1; i >= 0 && rows.length < 20; i--) {
        var tr = el('tr');
        tr.appendChild(cell(fmtTime(h.t[i])));
        tr.appendChild(cell(fmtNum(h.value[i]), 'num'));
        tr.appendChild(cell(fmtNum(h.score[i]), 'num'));
        tr.appendChild(cell(h.anomalous[i] ? 'yes' : '', h.anomalous[i] ? 'bad' : null));
        rows.push(tr);
      }
      replace($('dialog-rows'), rows);
    }, function (err) {
      $('dialog-summary').textContent = 'Cannot load this series: ' + err.message;
    });
  }

  function setBanner(now) {
    var b = $('banner');
    if (failing) {
      b.className = 'down';
      b.textContent = 'The agent is not answering: last answer ' + fmtAge((now - lastOk) / 1000) + ' ago, at ' + fmtTime(lastOk) + '. What you see is from then; retrying every ' + retryMs / 1000 + 's.';
    } else {
      b.className = 'ok';
      b.textContent = 'Live: updated at ' + fmtTime(lastOk) + (tickMs >= 1000 ? ', after every tick (' + tickMs / 1000 + 's).' : ', every second.');
    }
  }

  function refresh() {
    if (inFlight) return;
    inFlight = true;
    Promise.all([getJson('/api/v1/status'), getJson('/api/v1/anomalies?limit=30&points=60')]).then(function (r) {
      var st = r[0].data, an = r[1].data;
      failing = false;
      lastOk = Date.now();
      renderHeader(st);
      renderAlerts(st);
      renderCollectors(st);
      renderAnomalies(an, st.node.now);
      body.setAttribute('data-ticks', String(st.node.ticks));
      if (openKey !== null && $('series-dialog').open) loadSeries();
      setBanner(Date.now());
    }, function () {
      failing = true;
      setBanner(Date.now());
    }).then(function () { inFlight = false; setTimeout(refresh, nextDelay()); });
  }

  /** Until just after the agent's next tick is done (its own clock), at least 1 s, at most a tick and a second. */
  function nextDelay() {
    if (failing) return retryMs;
    if (lastTickAt === null) return 1000;
    var due = lastTickAt + tickMs + lastTickDurationMs + 200 - (Date.now() + skew);
    if (due < 0) due = tickMs - (-due % tickMs);
    return Math.max(1000, Math.min(due, intervalMs + 1000));
  }

  var rangeButtons = document.querySelectorAll('.ranges button');
  for (var i = 0; i < rangeButtons.length; i++) {
    rangeButtons[i].addEventListener('click', function (ev) { openRange = ev.currentTarget.getAttribute('data-range'); loadSeries(); });
  }
  $('dialog-close').addEventListener('click', function () { $('series-dialog').close(); });
  $('series-dialog').addEventListener('close', function () {
    var key = openKey;
    openKey = null;
    var b = document.querySelector('ol.series button[data-key="' + (window.CSS && CSS.escape ? CSS.escape(key) : key) + '"]');
    if (b) b.focus();
  });

  refresh();
  setInterval(function () { showTickAge(); if (failing) setBanner(Date.now()); }, 1000);
})();`;

/**
 * Browser telemetry: Grafana Faro's core (inlined before this script) with a transport that POSTs to
 * the agent's /faro/collect (or to `data-faro-url`, e.g. Grafana Alloy's faro.receiver): a page_view
 * event, uncaught errors and rejections, and LCP, CLS and INP where the browser measures them, sent
 * when the page is hidden. Never throws into the page.
 */
export const TELEMETRY_SCRIPT = String.raw`(function () {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  var F = window.GrafanaFaroCore;
  if (!F) return;
  var url = document.body.getAttribute('data-faro-url') || '/faro/collect';
  var faro;
  class CollectTransport extends F.BaseTransport {
    constructor() { super(); this.name = 'vigil-collect'; this.version = F.VERSION; }
    send(items) {
      var body = JSON.stringify(F.getTransportBody([].concat(items)));
      fetch(url, { method: 'POST', body: body, keepalive: true, headers: { 'content-type': 'application/json' } }).catch(function () {});
    }
  }
  try {
    faro = F.initializeFaro({
      app: { name: 'vigil-node-page', version: document.body.getAttribute('data-version') || '' },
      batching: { enabled: false }, dedupe: true, globalObjectKey: 'faro', instrumentations: [],
      internalLoggerLevel: F.InternalLoggerLevel.OFF, isolate: true, metas: [],
      parseStacktrace: function () { return { frames: [] }; }, paused: false, preventGlobalExposure: true,
      transports: [new CollectTransport()], unpatchedConsole: console, sessionTracking: { enabled: false },
    });
    faro.api.pushEvent('page_view', { page: 'node' });
  } catch (e) { return; }
  function report(err) { try { faro.api.pushError(err instanceof Error ? err : new Error(String(err))); } catch (e) {} }
  window.addEventListener('error', function (ev) { report(ev.error || ev.message); });
  window.addEventListener('unhandledrejection', function (ev) { report(ev.reason); });
  var vitals = {};
  function observe(type, fn, opts) {
    try {
      if (!PerformanceObserver.supportedEntryTypes || PerformanceObserver.supportedEntryTypes.indexOf(type) < 0) return;
      new PerformanceObserver(function (list) { list.getEntries().forEach(fn); }).observe(Object.assign({ type: type, buffered: true }, opts || {}));
    } catch (e) {}
  }
  observe('largest-contentful-paint', function (e) { vitals.lcp = e.startTime; });
  var cls = 0;
  observe('layout-shift', function (e) { if (!e.hadRecentInput) { cls += e.value; vitals.cls = cls; } });
  observe('event', function (e) { if (e.interactionId && (vitals.inp === undefined || e.duration > vitals.inp)) vitals.inp = e.duration; }, { durationThreshold: 40 });
  if ('LayoutShift' in window) vitals.cls = 0;
  var sent = false;
  function flush() {
    if (sent || Object.keys(vitals).length === 0) return;
    sent = true;
    try { faro.api.pushMeasurement({ type: 'web-vitals', values: vitals }); } catch (e) {}
  }
  document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') flush(); });
  window.addEventListener('pagehide', flush);
  window.vigilFlushVitals = flush;
})();`;
