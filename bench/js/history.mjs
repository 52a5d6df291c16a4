// chat:history under load with socket.io-client 4.8, for bench/history.py (which drives it):
//
//   node bench/js/history.mjs --url http://127.0.0.1:1337 --token <JWT> --room room-004 --limit 50
//
// --sockets clients, each io(url, {transports: ["websocket"], auth: {token}, forceNew: true,
// perMessageDeflate: false}) (one connection each, as wrk's connections), all the same user.
// Each joins the room (chat:join, acked) and then runs a closed loop: one chat:history {room, limit}
// outstanding, the next one sent on its ack. The first answer is checked and its message ids are
// reported. Protocol on stdio: prints "READY {json}" when connected, joined and checked, waits for
// "GO" on stdin, runs --warmup s, prints "WINDOW" as the timed window opens, and "RESULT {json}"
// after --duration s (requests whose answer arrived in the window, their latency percentiles,
// errors by name, this process's CPU). Exits when stdin closes.

import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:1337" },
    token: { type: "string" },
    room: { type: "string" },
    limit: { type: "string", default: "50" },
    sockets: { type: "string", default: "64" },
    warmup: { type: "string", default: "2" },
    duration: { type: "string", default: "10" },
  },
});
const LIMIT = Number(opt.limit);
const SOCKETS = Number(opt.sockets);

function fail(message) {
  process.stderr.write(`history.mjs: ${message}\n`);
  process.exit(1);
}

function connect() {
  return new Promise((resolve, reject) => {
    const socket = io(opt.url, {
      transports: ["websocket"], auth: { token: opt.token }, forceNew: true, perMessageDeflate: false,
    });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => reject(new Error(`connect: ${error.message}`)));
  });
}

function ask(socket, event, payload) {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

const sockets = [];
for (let i = 0; i < SOCKETS; i++) sockets.push(await connect().catch((error) => fail(error.message)));
for (const socket of sockets) {
  const joined = await ask(socket, "chat:join", { room: opt.room });
  if (!joined || !joined.ok) fail(`chat:join answered ${JSON.stringify(joined)}`);
}
const first = await ask(sockets[0], "chat:history", { room: opt.room, limit: LIMIT });
if (!first || !first.ok) fail(`chat:history answered ${JSON.stringify(first)}`);
const messages = first.data.messages;
const ids = messages.map((m) => m.id);
const check = {
  ids,
  count: messages.length,
  inRoom: messages.every((m) => m.room === opt.room),
  ascending: ids.every((id, i) => i === 0 || ids[i - 1] < id),
  populated: messages.every((m) => m.sender && typeof m.sender.username === "string"),
  nextCursor: first.data.nextCursor,
  bytes: JSON.stringify(first).length,
};
process.stdout.write(`READY ${JSON.stringify(check)}\n`);

const stdin = createInterface({ input: process.stdin });
stdin.on("close", () => process.exit(0));
await new Promise((resolve) => stdin.on("line", (line) => line.trim() === "GO" && resolve()));

let windowStart = Infinity;
let windowEnd = Infinity;
let running = true;
const latencies = [];
const errors = {};
async function loop(socket) {
  while (running) {
    const sent = performance.now();
    const answer = await ask(socket, "chat:history", { room: opt.room, limit: LIMIT });
    const done = performance.now();
    if (sent < windowStart || done > windowEnd) continue;
    if (answer && answer.ok) latencies.push(done - sent);
    else {
      const name = (answer && answer.error && answer.error.name) || "no_answer";
      errors[name] = (errors[name] || 0) + 1;
    }
  }
}
const loops = sockets.map(loop);
await new Promise((resolve) => setTimeout(resolve, Number(opt.warmup) * 1000));
const cpu0 = process.cpuUsage();
windowStart = performance.now();
windowEnd = windowStart + Number(opt.duration) * 1000;
process.stdout.write("WINDOW\n");
await new Promise((resolve) => setTimeout(resolve, Number(opt.duration) * 1000));
running = false;
const cpu = process.cpuUsage(cpu0);
await Promise.all(loops);
latencies.sort((a, b) => a - b);
const seconds = Number(opt.duration);
process.stdout.write(`RESULT ${JSON.stringify({
  requests: latencies.length,
  rps: latencies.length / seconds,
  p50_ms: percentile(latencies, 50),
  p90_ms: percentile(latencies, 90),
  p99_ms: percentile(latencies, 99),
  max_ms: latencies.length ? latencies[latencies.length - 1] : null,
  errors,
  client_cpu_pct: (100 * (cpu.user + cpu.system)) / 1e6 / seconds,
})}\n`);
for (const socket of sockets) socket.close();
process.exit(0);
