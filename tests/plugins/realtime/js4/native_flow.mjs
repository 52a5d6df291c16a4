// The native chat protocol with socket.io-client 4 (WebSocket only, permessage-deflate offered as
// browsers do), two users: both join a room, the first sends, both receive chat:message; then an
// oversized text and a deeply nested payload, each answered with an error ack on a live socket.
//
//   node native_flow.mjs <url> <jwt A> <jwt B> <room> <text>
//
// Prints one JSON object with every ack and event, in order; exits 1 on timeout or connect error.
import { io } from "socket.io-client";

const [url, jwtA, jwtB, room, text] = process.argv.slice(2);
const log = [];
const fail = (why) => {
  console.log(JSON.stringify({ error: why, log }));
  process.exit(1);
};
setTimeout(() => fail("timeout"), 15000);

const open = (name, token) =>
  new Promise((resolve) => {
    const socket = io(url, { transports: ["websocket"], auth: { token }, reconnection: false });
    socket.on("connect_error", (err) => fail(`${name} connect_error: ${err.message}`));
    socket.on("chat:message", (message) => log.push({ socket: name, event: "chat:message", message }));
    socket.on("connect", () => resolve(socket));
  });
const call = (socket, name, event, payload) =>
  new Promise((resolve) =>
    socket.emit(event, payload, (answer) => {
      log.push({ socket: name, ack: event, answer });
      resolve(answer);
    }),
  );

const a = await open("a", jwtA);
const b = await open("b", jwtB);
await call(a, "a", "chat:join", { room });
await call(b, "b", "chat:join", { room });
await call(a, "a", "chat:send", { room, text });
await call(a, "a", "chat:send", { room, text: "x".repeat(100000) });
let nested = "x";
for (let i = 0; i < 100; i++) nested = [nested];
await call(a, "a", "chat:send", { room, text: nested });
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ log, connected: [a.connected, b.connected], transport: a.io.engine.transport.name }));
process.exit(0);
