// The slpsim lab console: one server-sent event stream keeps every panel current; buttons call
// the lab's ordinary /sim routes; the CLI is a WebSocket to the switch's own CLI engine.
"use strict";

const MAX_LOG_LINES = 5000;
const MAX_LOG_SHOWN = 1000;
const MAX_TIMELINE_EVENTS = 40000;
const SVG = "http://www.w3.org/2000/svg";
const KIND_COLOURS = {
  push: "#0d6fb8", retry: "#e08a00", comm_failed: "#c62828", comm_restored: "#2e7d32",
  ack_poll: "#90a4ae", ack: "#1b5e20", policy: "#6a1b9a", policy_failed: "#8e0000",
  trust: "#00897b", trust_failed: "#d84315", deadline: "#f9a825", ntp: "#0097a7",
  fault_on: "#c62828", fault_off: "#43a047", clock: "#546e7a", token: "#26a69a",
  action: "#795548", cli: "#37474f",
};
const KIND_NAMES = {
  push: "push", retry: "failed push", comm_failed: "COMM_FAILED", comm_restored: "COMM_RESTORED",
  ack_poll: "ACK poll", ack: "ACK", policy: "policy", trust: "trust code", deadline: "deadline",
  ntp: "NTP", fault_on: "fault on", fault_off: "fault off", clock: "clock", cli: "CLI",
};
// Which row of a lane a kind sits on: what people did, the message exchanges, the outcomes.
const KIND_ROW = {
  fault_on: 0, fault_off: 0, clock: 0, token: 0, action: 0, cli: 0,
  push: 1, retry: 1, ack_poll: 1, ack: 1,
  comm_failed: 2, comm_restored: 2, policy: 2, policy_failed: 2, trust: 2, trust_failed: 2,
  deadline: 2, ntp: 2,
};

const state = {
  topology: null, switches: new Map(), faults: [], catalogue: { kinds: [] }, actions: [],
  clock: null, syslog: [], syslogCursor: 0, timeline: [], timelineCursor: 0,
  timelineDirty: false, topologyDirty: false, jumping: false,
};
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ helpers

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function when(iso) {
  if (!iso) return "never";
  return iso.slice(0, 19).replace("T", " ");
}

function span(seconds) {
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  return `${seconds} s`;
}

function say(text, ok = false) {
  const box = $("message");
  box.textContent = text;
  box.className = ok ? "message ok" : "message";
  box.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { box.hidden = true; }, ok ? 3000 : 8000);
}

async function api(method, path, body) {
  const options = { method, headers: { "x-slpsim-console": "1" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const reason = data && (data.error || data.detail) ? (data.error || JSON.stringify(data.detail)) : response.statusText;
    throw new Error(`${method} ${path}: ${reason}`);
  }
  return data;
}

async function act(method, path, body, done) {
  try {
    const data = await api(method, path, body);
    if (done) done(data);
    return data;
  } catch (error) {
    say(error.message);
    return null;
  }
}

// ------------------------------------------------------------------ live stream

function connect() {
  const source = new EventSource("/sim/console/events");
  source.onopen = () => { $("link-state").classList.remove("down"); };
  source.onerror = () => { $("link-state").classList.add("down"); };
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") snapshot(message);
    else if (message.type === "update") update(message);
    else if (message.type === "reset") { source.close(); setTimeout(connect, 200); }
  };
}

function snapshot(message) {
  state.topology = message.topology;
  state.switches = new Map(message.switches.map((s) => [s.name, s]));
  state.faults = message.faults;
  state.catalogue = message.catalogue;
  state.actions = message.actions;
  state.syslog = message.syslog;
  state.syslogCursor = message.syslog_cursor;
  state.timeline = message.timeline;
  state.timelineCursor = message.timeline_cursor;
  setClock(message.clock);
  $("topology-name").textContent = `topology: ${message.topology.name}`;
  buildSwitchTable();
  buildFilters();
  buildCatalogue();
  buildActions();
  renderFaults();
  renderSyslog();
  state.topologyDirty = state.timelineDirty = true;
  schedule();
}

function update(message) {
  setClock(message.clock);
  if (message.switches) {
    // Each entry names a switch and carries only the fields that changed.
    for (const change of message.switches) {
      const s = Object.assign({}, state.switches.get(change.name) || {}, change);
      state.switches.set(s.name, s);
      renderSwitchRow(s);
    }
    state.topologyDirty = true;
  }
  if (message.faults) {
    state.faults = message.faults;
    renderFaults();
    state.topologyDirty = true;
  }
  if (message.syslog) {
    const fresh = message.syslog.filter((l) => l.n > state.syslogCursor);
    if (fresh.length) {
      state.syslogCursor = fresh[fresh.length - 1].n;
      state.syslog.push(...fresh);
      if (state.syslog.length > MAX_LOG_LINES) state.syslog.splice(0, state.syslog.length - MAX_LOG_LINES);
      appendSyslog(fresh, message.syslog_skipped || 0);
    }
  }
  if (message.timeline) {
    const fresh = message.timeline.filter((e) => e.n > state.timelineCursor);
    if (fresh.length) {
      state.timelineCursor = fresh[fresh.length - 1].n;
      state.timeline.push(...fresh);
      if (state.timeline.length > MAX_TIMELINE_EVENTS) state.timeline.splice(0, state.timeline.length - MAX_TIMELINE_EVENTS);
    }
  }
  state.timelineDirty = true;
  schedule();
}

let frame = 0;
function schedule() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (state.topologyDirty) { state.topologyDirty = false; renderTopology(); }
    if (state.timelineDirty) { state.timelineDirty = false; renderTimeline(); }
  });
}

// ------------------------------------------------------------------ clock

function setClock(clock) {
  state.clock = clock;
  $("clock-now").textContent = `${when(clock.now)} UTC`;
  $("clock-rate").textContent = clock.rate === 0 ? "paused" : `×${clock.rate}`;
  $("pause").disabled = clock.rate === 0;
  $("resume").disabled = clock.rate !== 0;
  showJump(clock.jump);
}

function showJump(jump) {
  $("jump").hidden = !jump;
  if (!jump) return;
  let fraction = typeof jump.fraction === "number" ? jump.fraction : null;
  if (fraction === null && typeof jump.progress === "number") fraction = jump.progress;
  const bar = $("jump-progress");
  if (fraction === null) bar.removeAttribute("value"); else bar.value = Math.max(0, Math.min(1, fraction));
  $("jump-text").textContent = fraction === null ? "jumping…" : `jump ${Math.round(fraction * 100)} % to ${when(jump.to)}`;
}

async function advance(seconds) {
  if (state.jumping) return;
  state.jumping = true;
  document.querySelectorAll("[data-advance]").forEach((b) => { b.disabled = true; });
  const watcher = setInterval(watchJump, 500);
  try {
    await act("POST", "/sim/clock/advance", { seconds }, (clock) => setClock(clock));
  } finally {
    clearInterval(watcher);
    state.jumping = false;
    document.querySelectorAll("[data-advance]").forEach((b) => { b.disabled = false; });
  }
}

// A lab that runs jumps in slices reports `jump` on GET /sim/clock; one that does not, doesn't.
async function watchJump() {
  let clock;
  try { clock = await api("GET", "/sim/clock"); } catch (_) { return; }
  if (!state.jumping) return;
  if (clock && clock.jump) showJump(clock.jump);
}

// ------------------------------------------------------------------ topology

function renderTopology() {
  const root = $("topology");
  const topo = state.topology;
  if (!topo) return;
  root.replaceChildren();
  const W = 800;
  const nodes = {};
  const brokenTargets = new Map();
  for (const f of state.faults) {
    if (!brokenTargets.has(f.target)) brokenTargets.set(f.target, []);
    brokenTargets.get(f.target).push(f.kind);
  }
  nodes.cssm = { x: 300, y: 34, w: 160, h: 40, label: "CSSM", sub: "Smart Receiver", cls: "backend" };
  const relays = topo.backends.filter((b) => b !== "cssm");
  relays.forEach((r, i) => {
    nodes[r] = { x: 300 + (i - (relays.length - 1) / 2) * 190, y: 112, w: 160, h: 40,
      label: r === "cslu" ? "CSLU" : "SSM On-Prem", sub: r === "cslu" ? "cslu-local" : "onprem.example.com", cls: "backend" };
  });
  nodes.dns = { x: 620, y: 34, w: 110, h: 36, label: "DNS", sub: "10.10.10.53", cls: "service" };
  nodes.ntp = { x: 740, y: 34, w: 100, h: 36, label: "NTP", sub: "ntp1, ntp2", cls: "service" };
  const names = topo.switches;
  const many = names.length > 12;
  const perRow = Math.min(names.length, 25);
  const rows = Math.ceil(names.length / perRow);
  const width = Math.min(130, (W - 40) / perRow - 6);
  const height = many ? 16 : 40;
  const top = relays.length ? 196 : 150;
  const rowGap = height + 8;
  const H = top + rows * rowGap + 14;
  root.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const step = perRow > 1 ? (W - 40 - width) / (perRow - 1) : 0;
  names.forEach((name, i) => {
    const row = Math.floor(i / perRow), col = i % perRow;
    const x = perRow > 1 ? 20 + width / 2 + col * step : W / 2;
    const s = state.switches.get(name);
    nodes[name] = { x, y: top + height / 2 + row * rowGap, w: width, h: height, label: name,
      sub: many ? "" : (s && s.trust ? "trust code" : "no trust code"),
      cls: "switch" + (s && s.comm_failing ? " failing" : ""), small: many };
  });
  const linkLayer = svg("g");
  root.appendChild(linkLayer);
  const isBroken = (name) => brokenTargets.has(name);
  for (const link of topo.links) {
    if (link.kind === "dns" || link.kind === "ntp") continue;
    const a = nodes[link.from], b = nodes[link.to];
    if (!a || !b) continue;
    const broken = isBroken(link.to) || isBroken(link.from);
    linkLayer.appendChild(svg("line", { x1: a.x, y1: a.y - a.h / 2, x2: b.x, y2: b.y + b.h / 2,
      class: `link ${link.kind}${broken ? " broken" : ""}` }));
  }
  // Every switch asks DNS and NTP: one bus above the switches rather than a line each.
  const busY = top - 16;
  linkLayer.appendChild(svg("line", { x1: 20, y1: busY, x2: W - 20, y2: busY, class: "link" }));
  for (const name of names) {
    const n = nodes[name];
    if (!many) linkLayer.appendChild(svg("line", { x1: n.x + n.w / 4, y1: busY, x2: n.x + n.w / 4, y2: n.y - n.h / 2, class: "link" }));
  }
  for (const svc of ["dns", "ntp"]) {
    const n = nodes[svc];
    linkLayer.appendChild(svg("line", { x1: n.x, y1: n.y + n.h / 2, x2: n.x, y2: busY,
      class: `link ${svc}${isBroken(svc) ? " broken" : ""}` }));
  }
  for (const [name, n] of Object.entries(nodes)) {
    const broken = brokenTargets.get(name);
    const g = svg("g", { class: `node ${n.cls}${broken ? " broken" : ""}`, "data-node": name });
    g.appendChild(svg("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: 4 }));
    g.appendChild(svg("title", {}, broken ? `${name}: fault ${broken.join(", ")}` : name));
    if (!n.small) {
      g.appendChild(svg("text", { x: n.x, y: n.sub ? n.y - 7 : n.y }, n.label));
      if (n.sub) g.appendChild(svg("text", { x: n.x, y: n.y + 9, class: "sub" }, n.sub));
    }
    if (broken) {
      const label = svg("text", { x: n.x, y: n.y + n.h / 2 + 13, class: "fault-label" }, `✕ ${broken.join(", ")}`);
      if (n.cls.startsWith("switch")) label.setAttribute("y", n.y - n.h / 2 - 5);
      g.appendChild(label);
    }
    root.appendChild(g);
  }
}

// ------------------------------------------------------------------ switches

function buildSwitchTable() {
  const body = $("switch-table").tBodies[0];
  body.replaceChildren();
  for (const s of state.switches.values()) {
    const row = el("tr", { "data-switch": s.name });
    body.appendChild(row);
    renderSwitchRow(s);
  }
}

function pill(text, kind) { return `<span class="pill ${kind}">${escapeHtml(text)}</span>`; }

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function renderSwitchRow(s) {
  const row = document.querySelector(`#switch-table tr[data-switch="${CSS.escape(s.name)}"]`);
  if (!row) return;
  const trust = s.trust ? pill(`installed ${when(s.trust.installed)}`, "ok") : pill("none", "none");
  const policy = `${escapeHtml(s.policy.name)} <span class="muted">(${escapeHtml(s.policy.source)})</span>`;
  let deadline = "none";
  if (s.deadline) {
    const kind = s.days_left <= 0 ? "bad" : s.days_left <= 30 ? "warn" : "ok";
    deadline = `${when(s.deadline)} ${pill(`${s.days_left} days left`, kind)}`;
  }
  let schedule;
  if (s.phase === "retrying") schedule = pill(`4-hour retry window until ${when(s.retry_until).slice(11, 16)}`, "warn");
  else if (s.phase === "fallback") schedule = pill("15-minute fallback", "bad");
  else schedule = pill(s.reporting === "scheduled" ? `next push ${when(s.next_push)}` : s.reporting, s.reporting === "scheduled" ? "ok" : "none");
  if (s.comm_failing) schedule += " " + pill("COMM_FAILED", "bad");
  const interval = span(s.push_interval_seconds) + (s.push_interval_seconds !== s.configured_interval_seconds ? ` <span class="muted">(configured ${span(s.configured_interval_seconds)})</span>` : "");
  const ack = s.last_ack ? when(s.last_ack) : (s.next_ack_check ? `polling, next ${when(s.next_ack_check).slice(11, 16)}` : "never");
  row.innerHTML = `<td class="name">${escapeHtml(s.name)}</td><td class="trust">${trust}</td><td>${policy}</td>` +
    `<td>${when(s.last_report)}</td><td class="ack">${escapeHtml(ack)}</td><td class="deadline">${deadline}</td>` +
    `<td>${interval}</td><td class="schedule">${schedule}</td>`;
}

// ------------------------------------------------------------------ faults, tokens, actions

function buildCatalogue() {
  const box = $("fault-catalogue");
  box.replaceChildren();
  for (const entry of state.catalogue.kinds) {
    const row = el("div", { class: "fault-kind", "data-kind": entry.kind });
    const button = el("button", { type: "button", class: "danger", "data-fault": entry.kind }, entry.kind);
    const target = el("select", { "aria-label": `target of ${entry.kind}` });
    for (const t of entry.targets) target.appendChild(el("option", { value: t }, t));
    row.append(button, target);
    const inputs = {};
    for (const p of entry.params) {
      const input = el("input", { placeholder: p, title: p, "aria-label": `${entry.kind} ${p}`, "data-param": p });
      input.value = { seconds: "30", duration: "2h", offset: "-2d" }[p] || "";
      inputs[p] = input;
      row.appendChild(input);
    }
    button.addEventListener("click", () => {
      const body = { target: target.value, kind: entry.kind };
      for (const [p, input] of Object.entries(inputs)) body[p] = input.value;
      act("POST", "/sim/faults", body, (data) => say(`fault ${data.id}: ${entry.kind} on ${body.target}`, true));
    });
    box.appendChild(row);
  }
}

function renderFaults() {
  const box = $("active-faults");
  box.replaceChildren();
  if (!state.faults.length) {
    box.appendChild(el("span", { class: "muted" }, "No fault is active."));
    return;
  }
  for (const f of state.faults) {
    const params = Object.entries(f.params).map(([k, v]) => `${k}=${v}`).join(" ");
    const chip = el("span", { class: "fault-chip", "data-fault-id": String(f.id) }, `${f.kind} on ${f.target}${params ? " " + params : ""}`);
    const clear = el("button", { type: "button", title: "clear this fault", "aria-label": `clear fault ${f.id}` }, "✕");
    clear.addEventListener("click", () => act("DELETE", `/sim/faults/${f.id}`));
    chip.appendChild(clear);
    box.appendChild(chip);
  }
  const all = el("button", { type: "button", id: "clear-faults" }, "Clear all");
  all.addEventListener("click", () => act("DELETE", "/sim/faults"));
  box.appendChild(all);
}

function buildActions() {
  const select = $("action");
  select.replaceChildren();
  for (const a of state.actions) select.appendChild(el("option", { value: `${a.target} ${a.action}` }, `${a.target}: ${a.action}`));
}

function parseParams(text) {
  const params = {};
  for (const part of text.split(",")) {
    const piece = part.trim();
    if (!piece) continue;
    const at = piece.indexOf("=");
    if (at < 1) throw new Error(`parameters are name=value, got ${piece}`);
    params[piece.slice(0, at).trim()] = piece.slice(at + 1).trim();
  }
  return params;
}

// ------------------------------------------------------------------ syslog

function buildFilters() {
  for (const id of ["syslog-switch", "cli-switch"]) {
    const select = $(id);
    const keep = select.value;
    select.querySelectorAll("option[data-switch]").forEach((o) => o.remove());
    for (const name of state.switches.keys()) select.appendChild(el("option", { value: name, "data-switch": "" }, name));
    if (keep) select.value = keep;
  }
}

function lineMatches(line) {
  const sw = $("syslog-switch").value;
  const text = $("syslog-filter").value.toLowerCase();
  return (!sw || line.switch === sw) && (!text || line.line.toLowerCase().includes(text));
}

function lineNode(line) {
  return el("div", { class: `sev-${line.severity}`, "data-switch": line.switch }, line.line);
}

function renderSyslog() {
  const box = $("syslog");
  const shown = state.syslog.filter(lineMatches).slice(-MAX_LOG_SHOWN);
  box.replaceChildren(...shown.map(lineNode));
  box.scrollTop = box.scrollHeight;
  $("syslog-count").textContent = `${shown.length} shown`;
}

function appendSyslog(lines, skipped) {
  const box = $("syslog");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const fragment = document.createDocumentFragment();
  if (skipped) fragment.appendChild(el("div", { class: "muted" }, `… ${skipped} more lines (see slpsim syslog)`));
  for (const line of lines) if (lineMatches(line)) fragment.appendChild(lineNode(line));
  box.appendChild(fragment);
  while (box.childElementCount > MAX_LOG_SHOWN) box.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;
  $("syslog-count").textContent = `${box.childElementCount} shown`;
}

// ------------------------------------------------------------------ timeline

function renderTimeline() {
  const root = $("timeline");
  const topo = state.topology;
  if (!topo || !state.clock) return;
  const filter = $("syslog-switch").value;
  const lanes = ["lab", ...topo.switches.filter((n) => !filter || n === filter)];
  const width = Math.max(600, root.parentElement.clientWidth || 900);
  const labelW = 70, laneH = 24, axisH = 18;
  const height = axisH + lanes.length * laneH + 4;
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  root.setAttribute("height", height);
  const end = Date.parse(state.clock.now);
  const first = state.timeline.length ? Date.parse(state.timeline[0].at) : end - 3600e3;
  const start = Math.min(first, end - 60e3);
  const x = (t) => labelW + ((t - start) / Math.max(1, end - start)) * (width - labelW - 10);
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const t = start + ((end - start) * i) / 4;
    parts.push(`<text class="axis" x="${x(t)}" y="11" text-anchor="${i === 0 ? "start" : i === 4 ? "end" : "middle"}">${new Date(t).toISOString().slice(0, 16).replace("T", " ")}</text>`);
  }
  const laneY = new Map();
  lanes.forEach((name, i) => {
    const y = axisH + i * laneH;
    laneY.set(name, y);
    parts.push(`<line class="lane" x1="${labelW}" x2="${width - 6}" y1="${y + laneH - 1}" y2="${y + laneH - 1}"/>`);
    parts.push(`<text class="lane-label" x="4" y="${y + 15}">${escapeHtml(name)}</text>`);
  });
  // One mark per lane, row and 2-pixel column: a year of retries stays a few thousand marks.
  const seen = new Set();
  for (let i = state.timeline.length - 1; i >= 0; i--) {
    const e = state.timeline[i];
    const lane = e.switch === null ? "lab" : e.switch;
    const y0 = laneY.get(lane);
    if (y0 === undefined) continue;
    const px = Math.round(x(Date.parse(e.at)));
    const row = KIND_ROW[e.kind] ?? 2;
    const key = `${lane}|${row}|${e.kind}|${px >> 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cy = y0 + 5 + row * 7;
    const colour = KIND_COLOURS[e.kind] || "#607d8b";
    const title = `${when(e.at)} ${lane}: ${escapeHtml(e.text)}`;
    if (row === 0) parts.push(`<rect data-kind="${e.kind}" x="${px - 3}" y="${cy - 3}" width="6" height="6" fill="${colour}"><title>${title}</title></rect>`);
    else parts.push(`<circle data-kind="${e.kind}" cx="${px}" cy="${cy}" r="3" fill="${colour}"><title>${title}</title></circle>`);
  }
  root.innerHTML = parts.join("");
}

function buildLegend() {
  const legend = $("timeline-legend");
  for (const [kind, name] of Object.entries(KIND_NAMES)) {
    const item = el("span");
    const dot = el("i");
    dot.style.background = KIND_COLOURS[kind];
    item.append(dot, document.createTextNode(name));
    legend.appendChild(item);
  }
}

// ------------------------------------------------------------------ CLI

let terminal = null;
const history = [];
let historyAt = 0;

function screenWrite(text) {
  const screen = $("cli-screen");
  screen.textContent += text;
  if (screen.textContent.length > 200000) screen.textContent = screen.textContent.slice(-150000);
  screen.scrollTop = screen.scrollHeight;
}

function openTerminal() {
  const name = $("cli-switch").value;
  if (!name) return;
  if (terminal) terminal.close();
  $("cli-screen").textContent = "";
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/sim/console/cli/${encodeURIComponent(name)}`);
  terminal = socket;
  socket.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.error && m.output === undefined) { screenWrite(`% ${m.error}\n`); return; }
    if (m.banner !== undefined) screenWrite(m.banner + "\n");
    if (m.echo !== undefined) screenWrite(m.echo + "\n" + m.output);
    $("cli-prompt").textContent = m.prompt || "";
    if (m.retype !== undefined) $("cli-input").value = m.retype;
    $("cli-input").disabled = false;
    $("cli-input").focus();
  };
  socket.onclose = () => {
    if (terminal === socket) {
      screenWrite("\n[session closed]\n");
      $("cli-input").disabled = true;
      $("cli-prompt").textContent = "";
      terminal = null;
    }
  };
}

function sendLine(event) {
  event.preventDefault();
  const input = $("cli-input");
  if (!terminal || terminal.readyState !== WebSocket.OPEN) return;
  const line = input.value;
  input.value = "";
  if (line.trim()) { history.push(line); historyAt = history.length; }
  terminal.send(JSON.stringify({ line }));
}

function browseHistory(event) {
  if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
  event.preventDefault();
  historyAt = Math.max(0, Math.min(history.length, historyAt + (event.key === "ArrowUp" ? -1 : 1)));
  $("cli-input").value = history[historyAt] || "";
}

// ------------------------------------------------------------------ wiring

function wire() {
  $("pause").addEventListener("click", () => act("POST", "/sim/clock/pause", undefined, setClock));
  $("resume").addEventListener("click", () => act("POST", "/sim/clock/resume", undefined, setClock));
  $("set-rate").addEventListener("click", () => {
    const rate = Number($("rate").value);
    if ($("rate").value === "" || !Number.isFinite(rate)) { say("the rate is a number of virtual seconds per second"); return; }
    act("POST", "/sim/clock/rate", { rate }, setClock);
  });
  document.querySelectorAll("[data-advance]").forEach((button) => {
    button.addEventListener("click", () => advance(Number(button.dataset.advance)));
  });
  $("jump-cancel").addEventListener("click", () => act("DELETE", "/sim/clock/advance"));
  $("token-issue").addEventListener("click", () => {
    const body = { issuer: $("token-issuer").value };
    if ($("token-va").value.trim()) body.virtual_account = $("token-va").value.trim();
    act("POST", "/sim/tokens", body, (data) => { $("token-out").value = data.token; $("token-out").select(); });
  });
  $("action-run").addEventListener("click", () => {
    const [target, action] = $("action").value.split(" ");
    let params;
    try { params = parseParams($("action-params").value); } catch (error) { say(error.message); return; }
    act("POST", "/sim/actions", { target, action, ...params }, (data) => {
      $("action-out").textContent = data.result === null ? `${target} ${action}: done` : data.result;
    });
  });
  $("syslog-switch").addEventListener("change", () => { renderSyslog(); state.timelineDirty = true; schedule(); });
  $("syslog-filter").addEventListener("input", renderSyslog);
  $("cli-connect").addEventListener("click", openTerminal);
  $("cli-form").addEventListener("submit", sendLine);
  $("cli-input").addEventListener("keydown", browseHistory);
  window.addEventListener("resize", () => { state.timelineDirty = true; schedule(); });
  buildLegend();
}

wire();
connect();
