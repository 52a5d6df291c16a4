// Load generator: many socket.io-client 4.8 sockets in one Node.js process, as browsers'
// pages use the library. bench/realtime_js.py drives it; it also runs by hand:
//
//   node bench/js/load.mjs --url http://127.0.0.1:4000 --scenario ii --duration 10
//   node bench/js/load.mjs --url http://127.0.0.1:1337 --tokens jwts.json --scenario iii --deflate
//
// Every client is io(url, {transports: ["websocket"], auth: {token}, perMessageDeflate})
// with socket.io-client's defaults otherwise (reconnection on, one Manager per socket).
// perMessageDeflate is engine.io-client's option, handed to the `ws` package: socket.io-client's
// default {threshold: 1024} makes `ws` offer permessage-deflate and leaves client frames under
// 1 KB uncompressed. Here the offer is off unless --deflate (then {threshold:
// --deflate-threshold}: 0, the default, compresses every client frame as Chrome and Firefox do
// once the server accepts; 1024 is socket.io-client's own default in Node).
//
// Client i joins room "<room-prefix><i % rooms>" (chat:join, acked) before the window opens.
// Scenarios (--scenario, or --mode/--interval):
//   i     every client sends every 250 ms (--interval 250)
//   ii    every 100 ms
//   iii   closed loop: --inflight K sends outstanding per client, the next one on each ack
//   idle  connect (with the tokens) and hold: no room, nothing sent
// chat:send {room, text}: text = "<send time, ms> <client>-<seq> bench message", so every
// chat:message received gives a send→delivery latency (one process: one clock).
//
// With --control (bench/realtime_js.py): prints "READY {json}" once connected and joined,
// waits for a line GO (or STOP) on stdin, prints "RESULT {json}" and exits; idle mode holds
// the sockets until STOP, closes them, then prints RESULT. Exits when stdin closes.
// Without it the window starts at once (idle: holds --duration s) and the result JSON is
// printed alone on stdout.

import { readFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const SCENARIOS = {
  i: { mode: "interval", interval: 250 },
  ii: { mode: "interval", interval: 100 },
  iii: { mode: "closed" },
  idle: { mode: "idle" },
};

const { values: opt } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:1337" },
    scenario: { type: "string" },
    mode: { type: "string", default: "interval" },
    interval: { type: "string", default: "250" },
    inflight: { type: "string", default: "4" },
    clients: { type: "string", default: "200" },
    rooms: { type: "string", default: "10" },
    "room-prefix": { type: "string", default: "bench-" },
    tokens: { type: "string" },
    duration: { type: "string", default: "10" },
    grace: { type: "string", default: "5" },
    deflate: { type: "boolean", default: false },
    "deflate-threshold": { type: "string", default: "0" },
    "connect-concurrency": { type: "string", default: "50" },
    "connect-timeout": { type: "string", default: "30" },
    control: { type: "boolean", default: false },
  },
});

const preset = opt.scenario ? SCENARIOS[opt.scenario] : null;
if (opt.scenario && !preset) throw new Error(`unknown scenario ${opt.scenario}: ${Object.keys(SCENARIOS)}`);
const MODE = preset ? preset.mode : opt.mode;
const INTERVAL = Number(preset && preset.interval ? preset.interval : opt.interval);
const INFLIGHT = Number(opt.inflight);
const CLIENTS = Number(opt.clients);
const ROOMS = Number(opt.rooms);
const DURATION_MS = Number(opt.duration) * 1000;
const GRACE_MS = Number(opt.grace) * 1000;
const TOKENS = opt.tokens ? JSON.parse(readFileSync(opt.tokens, "utf8")) : null;
const PER_MESSAGE_DEFLATE = opt.deflate ? { threshold: Number(opt["deflate-threshold"]) } : false;

function log(line) {
  process.stderr.write(`load.mjs: ${line}\n`);
}

function say(line) {
  return new Promise((resolve) => process.stdout.write(line + "\n", resolve));
}

// -- measurements ----------------------------------------------------------------------------

class Samples {
  constructor() {
    this.chunks = [];
    this.current = new Float64Array(65536);
    this.n = 0;
  }
  push(value) {
    if (this.n === this.current.length) {
      this.chunks.push(this.current);
      this.current = new Float64Array(65536);
      this.n = 0;
    }
    this.current[this.n++] = value;
  }
  sorted() {
    const all = new Float64Array(this.chunks.length * 65536 + this.n);
    this.chunks.forEach((chunk, k) => all.set(chunk, k * 65536));
    all.set(this.current.subarray(0, this.n), this.chunks.length * 65536);
    return all.sort();
  }
}

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

function bump(counter, key, n = 1) {
  counter[key] = (counter[key] || 0) + n;
}

const st = {
  start: Infinity, // performance.now() ms: the window, and the earliest send time of this run
  end: Infinity,
  sent: 0,
  sentInWindow: 0,
  ackedOk: 0,
  ackedOkInWindow: 0,
  refused: {},
  refusedInWindow: 0,
  delivered: 0,
  deliveredInWindow: 0,
  pending: new Map(), // text → send time, until acked
  ok: new Map(), // text → client index, for messages acked ok
  deliveries: new Map(), // text → sockets it reached
  deliveryMs: new Samples(),
  ackMs: new Samples(),
  lastAck: 0,
  lastDelivery: 0,
  foreign: 0,
  disconnects: {},
  reconnects: 0,
};

// -- clients ---------------------------------------------------------------------------------

function connect(index) {
  const token = TOKENS ? TOKENS[index % TOKENS.length] : `bench-${index}`;
  return new Promise((resolve, reject) => {
    const socket = io(opt.url, { transports: ["websocket"], auth: { token }, perMessageDeflate: PER_MESSAGE_DEFLATE });
    const fail = (err) => {
      clearTimeout(timer);
      socket.off();
      socket.disconnect();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error("connect timeout")), Number(opt["connect-timeout"]) * 1000);
    socket.once("connect_error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("connect_error", fail);
      resolve(socket);
    });
  });
}

function onMessage(message) {
  const now = performance.now();
  const text = message && message.text;
  const sentAt = typeof text === "string" ? Number(text.slice(0, text.indexOf(" "))) : NaN;
  if (!(sentAt >= st.start)) {
    st.foreign += 1;
    return;
  }
  st.delivered += 1;
  st.lastDelivery = now;
  if (now <= st.end) st.deliveredInWindow += 1;
  st.deliveries.set(text, (st.deliveries.get(text) || 0) + 1);
  st.deliveryMs.push(now - sentAt);
}

class Client {
  constructor(index, socket, room) {
    this.index = index;
    this.socket = socket;
    this.room = room;
    this.seq = 0;
    this.closedLoop = MODE === "closed";
    socket.on("chat:message", onMessage);
    socket.on("disconnect", (reason) => {
      if (!this.closing) bump(st.disconnects, reason);
    });
    socket.io.on("reconnect", () => {
      st.reconnects += 1;
    });
  }

  send() {
    const now = performance.now();
    if (now > st.end) return;
    this.seq += 1;
    const text = `${now.toFixed(3)} ${this.index}-${this.seq} bench message`;
    st.sent += 1;
    st.sentInWindow += 1;
    st.pending.set(text, now);
    this.socket.emit("chat:send", { room: this.room, text }, (response) => this.acked(text, now, response));
  }

  acked(text, sentAt, response) {
    const now = performance.now();
    st.pending.delete(text);
    st.lastAck = now;
    const inWindow = now <= st.end;
    if (response && response.ok === true) {
      st.ackedOk += 1;
      st.ok.set(text, this.index);
      st.ackMs.push(now - sentAt);
      if (inWindow) st.ackedOkInWindow += 1;
    } else {
      const error = response && response.error;
      bump(st.refused, error && typeof error.name === "string" ? error.name : "malformed_ack");
      if (inWindow) st.refusedInWindow += 1;
    }
    if (this.closedLoop) this.send();
  }

  tick(at) {
    this.send();
    const next = at + INTERVAL;
    if (next < st.end) setTimeout(() => this.tick(next), Math.max(0, next - performance.now()));
  }

  close() {
    this.closing = true;
    this.socket.disconnect();
  }
}

async function openAll(count, join) {
  const clients = new Array(count).fill(null);
  const failures = {};
  const began = performance.now();
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      let socket = null;
      try {
        socket = await connect(i);
        const room = join ? `${opt["room-prefix"]}${i % ROOMS}` : null;
        if (room) {
          const response = await socket.timeout(30000).emitWithAck("chat:join", { room });
          if (!(response && response.ok)) throw new Error(`join refused: ${JSON.stringify(response).slice(0, 120)}`);
        }
        clients[i] = new Client(i, socket, room);
      } catch (err) {
        if (socket) socket.disconnect();
        bump(failures, String(err && err.message ? err.message : err).slice(0, 120));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(count, Number(opt["connect-concurrency"])) }, worker));
  const open = clients.filter(Boolean);
  const extensions = {};
  for (const c of open) {
    const transport = c.socket.io.engine && c.socket.io.engine.transport;
    bump(extensions, (transport && transport.ws && transport.ws.extensions) || "none");
  }
  return { clients: open, failures, extensions, connectS: Math.round((performance.now() - began) / 10) / 100 };
}

// -- the run ---------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let lines = null;

async function command() {
  if (!opt.control) return "GO";
  if (!lines) {
    const rl = createInterface({ input: process.stdin });
    lines = rl[Symbol.asyncIterator]();
    rl.on("close", () => {
      log("stdin closed: exiting");
      process.exit(2);
    });
  }
  const { value } = await lines.next();
  return (value || "").trim();
}

async function closeAll(clients) {
  for (const c of clients) c.close();
  await sleep(500);
}

async function main() {
  const idle = MODE === "idle";
  const { clients, failures, extensions, connectS } = await openAll(CLIENTS, !idle);
  const ready = { connected: clients.length, connect_failures: failures, connect_s: connectS, extensions };
  if (opt.control) await say("READY " + JSON.stringify(ready));
  else log(`connected ${clients.length}/${CLIENTS} in ${connectS} s ${JSON.stringify(failures)}`);
  if (idle) {
    if (opt.control) await command();
    else await sleep(DURATION_MS);
    await closeAll(clients);
    return { ...ready, mode: "idle" };
  }
  if ((await command()) !== "GO") {
    await closeAll(clients);
    return ready;
  }

  const members = {};
  for (const c of clients) bump(members, c.room);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  st.start = performance.now();
  st.end = st.start + DURATION_MS;
  if (MODE === "closed") {
    for (const c of clients) for (let k = 0; k < INFLIGHT; k++) c.send();
  } else {
    clients.forEach((c, k) => {
      const at = st.start + (INTERVAL * k) / clients.length; // spread evenly over one interval
      setTimeout(() => c.tick(at), at - performance.now());
    });
  }
  await sleep(st.end - performance.now());
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  const unansweredAtEnd = st.pending.size;

  // grace: the last acks and deliveries
  const graceStart = performance.now();
  const byIndex = new Map(clients.map((c) => [c.index, c]));
  const roomOf = (index) => byIndex.get(index).room;
  const delivered = (text, index) => (st.deliveries.get(text) || 0) >= members[roomOf(index)];
  while (performance.now() - graceStart < GRACE_MS) {
    await sleep(100);
    let settled = st.pending.size === 0;
    if (settled) for (const [text, index] of st.ok) if (!delivered(text, index)) { settled = false; break; }
    if (settled && performance.now() - Math.max(st.lastAck, st.lastDelivery) > 1000) break;
  }

  let lost = 0;
  let missing = 0;
  const lostByDeliveries = {};
  for (const [text, index] of st.ok) {
    const got = st.deliveries.get(text) || 0;
    const expected = members[roomOf(index)];
    if (got < expected) {
      lost += 1;
      missing += expected - got;
      bump(lostByDeliveries, got);
    }
  }
  let deliveredNotAcked = 0;
  let duplicated = 0;
  for (const [text, count] of st.deliveries) {
    if (!st.ok.has(text)) deliveredNotAcked += 1;
    const index = Number(text.split(" ", 2)[1].split("-")[0]);
    if (byIndex.has(index) && count > members[roomOf(index)]) duplicated += 1;
  }
  const window = DURATION_MS / 1000;
  const deliveryMs = st.deliveryMs.sorted();
  const ackMs = st.ackMs.sorted();
  const result = {
    ...ready,
    mode: MODE,
    interval_ms: MODE === "interval" ? INTERVAL : null,
    inflight: MODE === "closed" ? INFLIGHT : null,
    per_message_deflate: PER_MESSAGE_DEFLATE,
    duration_s: window,
    room_members: members,
    offered_per_s: MODE === "interval" ? Math.round((clients.length * 1000) / INTERVAL) : null,
    sent: st.sent,
    sent_per_s: Math.round((st.sentInWindow / window) * 10) / 10,
    acked_ok: st.ackedOk,
    acked_ok_in_window: st.ackedOkInWindow,
    accepted_per_s: Math.round((st.ackedOkInWindow / window) * 10) / 10,
    refused: st.refused,
    refused_in_window: st.refusedInWindow,
    refused_per_s: Math.round((st.refusedInWindow / window) * 10) / 10,
    unanswered_at_end: unansweredAtEnd,
    unanswered_after_grace: st.pending.size,
    delivered: st.delivered,
    delivered_in_window: st.deliveredInWindow,
    delivered_per_s: Math.round((st.deliveredInWindow / window) * 10) / 10,
    lost,
    missing_deliveries: missing,
    lost_by_deliveries: lostByDeliveries,
    delivered_not_acked: deliveredNotAcked,
    duplicated,
    foreign_events: st.foreign,
    disconnects: st.disconnects,
    reconnects: st.reconnects,
    delivery_p50_ms: percentile(deliveryMs, 0.5),
    delivery_p99_ms: percentile(deliveryMs, 0.99),
    delivery_max_ms: percentile(deliveryMs, 1),
    ack_p50_ms: percentile(ackMs, 0.5),
    ack_p99_ms: percentile(ackMs, 0.99),
    ack_max_ms: percentile(ackMs, 1),
    grace_used_s: Math.round((performance.now() - graceStart) / 100) / 10,
    loadgen_cpu_pct: Math.round(((cpu.user + cpu.system) / 1e3 / DURATION_MS) * 1000) / 10,
    loadgen_loop_delay_p99_ms: Math.round(delay.percentile(99) / 1e5) / 10,
  };
  await closeAll(clients);
  return result;
}

main()
  .then(async (result) => {
    await say(opt.control ? "RESULT " + JSON.stringify(result) : JSON.stringify(result, null, 2));
    process.exit(0);
  })
  .catch(async (err) => {
    log(err && err.stack ? err.stack : String(err));
    process.exit(1);
  });
