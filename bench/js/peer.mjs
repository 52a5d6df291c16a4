// A plain Node.js socket.io 4.8 chat server that stores nothing: the yardstick
// bench/realtime_js.py holds our server against, driven by the same client.
//
//   node bench/js/peer.mjs --port 4000
//
// Speaks the part of our realtime protocol the bench uses (plugins/realtime/README.md):
//   handshake auth {token}        accepted, not checked (the socket gets a made-up user)
//   chat:join {room}              join "room:<room>", ack {ok: true, data: {room}}
//   chat:send {room, text, clientId?}
//                                 io.to("room:<room>").emit("chat:message", message) and
//                                 ack {ok: true, data: message}, where message is
//                                 {id, text, room, clientId?, sender: {id, username}, createdAt}
// Malformed payloads and sends to a room not joined are acked {ok: false, error: {name, message}}.
// Everything else is socket.io's Node server with its defaults (perMessageDeflate off, so a
// client's permessage-deflate offer is declined). GET /_ready and /_health answer 200.
// Stops on SIGINT/SIGTERM, and with --exit-with-stdin when its standard input closes (the bench died).

import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4000" },
    host: { type: "string", default: "127.0.0.1" },
    "exit-with-stdin": { type: "boolean", default: false },
  },
});

const http = createServer((req, res) => {
  if (req.url === "/_ready" || req.url === "/_health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(http, { cors: { origin: "*" } });

let nextUser = 0;
let nextMessage = 0;

function refuse(ack, name, message) {
  if (typeof ack === "function") ack({ ok: false, error: { name, message } });
}

io.on("connection", (socket) => {
  nextUser += 1;
  const sender = { id: nextUser, username: `user${nextUser}` };

  socket.on("chat:join", (payload, ack) => {
    const room = payload && payload.room;
    if (typeof room !== "string" || room.length < 1 || room.length > 64) {
      refuse(ack, "invalid_room", "room must be 1 to 64 characters");
      return;
    }
    socket.join(`room:${room}`);
    if (typeof ack === "function") ack({ ok: true, data: { room } });
  });

  socket.on("chat:send", (payload, ack) => {
    const room = payload && payload.room;
    const text = payload && payload.text;
    if (typeof room !== "string" || typeof text !== "string" || !text) {
      refuse(ack, "invalid_payload", "room and text must be strings");
      return;
    }
    if (!socket.rooms.has(`room:${room}`)) {
      refuse(ack, "not_in_room", "join the room first");
      return;
    }
    nextMessage += 1;
    const message = { id: nextMessage, text, room, sender, createdAt: new Date().toISOString() };
    if (typeof payload.clientId === "string") message.clientId = payload.clientId;
    io.to(`room:${room}`).emit("chat:message", message);
    if (typeof ack === "function") ack({ ok: true, data: message });
  });
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
if (values["exit-with-stdin"]) {
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
}

http.listen(Number(values.port), values.host, () => {
  console.log(`node socket.io ${values.host}:${values.port} listening`);
});
