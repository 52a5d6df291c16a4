// Chat attachments as a browser app does it: upload the file over REST with the user's JWT
// (fetch + FormData, field "files"), then send its id with chat:send; the other user's socket
// receives chat:message with the file object. Also a message of attachments only.
//
//   node attachment_flow.mjs <url> <jwt A> <jwt B> <room>
//
// Prints one JSON object with the upload answer and every ack and event; exits 1 on failure.
import { io } from "socket.io-client";

const [url, jwtA, jwtB, room] = process.argv.slice(2);
const log = [];
const fail = (why) => {
  console.log(JSON.stringify({ error: why, log }));
  process.exit(1);
};
setTimeout(() => fail("timeout"), 15000);

// a 1x1 PNG
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const form = new FormData();
form.append("files", new Blob([png], { type: "image/png" }), "dot.png");
const response = await fetch(`${url}/api/upload`, {
  method: "POST",
  headers: { Authorization: `Bearer ${jwtA}` },
  body: form,
});
const uploaded = await response.json();
if (response.status !== 201) fail(`upload answered ${response.status}: ${JSON.stringify(uploaded)}`);

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
await call(a, "a", "chat:send", { room, text: "look", attachments: [uploaded[0].id] });
await call(a, "a", "chat:send", { room, attachments: [uploaded[0].id] });
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ uploaded, log }));
process.exit(0);
