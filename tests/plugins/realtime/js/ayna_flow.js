// The Ayna frontend's flow, with the Ayna frontend's client library (socket.io-client 3.0.5).
//
//   node ayna_flow.js <url> <username> <password> <room> <message>
//
// Like the frontend: one `io(url)` with no options (polling first, then the
// upgrade to WebSocket), listeners registered before each request, acks
// `(error) => ...`. Prints one JSON object: every server event received and
// every ack's arguments, in order, and the final transport. Exits 0 when the
// flow ran to the end (the Python test judges the content), 1 on timeout or
// connection error.

const io = require("socket.io-client");

const [url, username, password, room, text] = process.argv.slice(2);
const log = [];
const socket = io(url);

const fail = (why) => {
  console.log(JSON.stringify({ error: why, log }));
  process.exit(1);
};
const timer = setTimeout(() => fail("timeout"), 15000);

for (const name of ["registered", "logedin", "welcome", "message"]) {
  socket.on(name, (...args) => log.push({ event: name, args }));
}
socket.on("connect_error", (err) => fail(`connect_error: ${err.message}`));

// emit, wait for the ack, then (on success) for the event the screen navigates on
const step = (event, payload, awaited) =>
  new Promise((resolve) => {
    const seen = log.length;
    socket.emit(event, payload, (...ackArgs) => {
      log.push({ ack: event, args: ackArgs });
      if (ackArgs[0]) return resolve(); // an error string: the UI alerts and stays
      const poll = setInterval(() => {
        if (log.slice(seen).some((entry) => entry.event === awaited)) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
  });

socket.on("connect", async () => {
  await step("register", { username, password }, "registered");
  await step("login", { username, password }, "logedin");
  await step("join", { username, room }, "welcome");
  const welcome = log.find((entry) => entry.event === "welcome");
  const userId = welcome ? welcome.args[0].userData.id : null;
  await step("sendMessage", { userId, message: text }, "message");
  clearTimeout(timer);
  const transport = socket.io.engine.transport.name;
  socket.close();
  console.log(JSON.stringify({ log, transport }));
  process.exit(0);
});
