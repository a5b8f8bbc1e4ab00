/**
 * The demo page `npm run serve` answers `GET /` with: a chat on `/chat` and a live log of the
 * frames of that chat connection, both directions, field by field.
 *
 * Plain HTML and browser JavaScript, no framework, no build step: it is served as this string.
 * The page opens two WebSockets. The first, `/frames?for=<id>`, receives the log: one JSON message
 * per frame the server read from or wrote to the chat connection. The second, `/chat?log=<id>`
 * (subprotocol `chat`), is the chat itself; `<id>` is a random name the page picks so the server
 * knows which log belongs to which chat connection.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebSocket from scratch: demo</title>
<style>
  :root { color-scheme: light dark; --line: #8884; --in: #2a7ae2; --out: #1a9a5a; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 1rem 1.25rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.lead { margin: 0 0 1rem; opacity: .8; }
  main { display: grid; grid-template-columns: minmax(18rem, 1fr) minmax(26rem, 1.6fr); gap: 1.25rem; }
  section { border: 1px solid var(--line); border-radius: 8px; padding: .75rem; min-width: 0; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; }
  #status { font-size: .85rem; margin-bottom: .5rem; }
  #status.open { color: var(--out); } #status.closed { color: #c33; }
  #room-status { font-size: .8rem; margin-bottom: .5rem; opacity: .8; } #room-status.down { color: #c33; opacity: 1; }
  #chat-messages { list-style: none; margin: 0 0 .5rem; padding: .25rem; height: 22rem; overflow-y: auto;
    border: 1px solid var(--line); border-radius: 6px; }
  #chat-messages li { padding: .15rem .25rem; overflow-wrap: anywhere; }
  #chat-messages li.system { opacity: .65; font-style: italic; }
  form { display: flex; gap: .4rem; flex-wrap: wrap; }
  input[type=text] { flex: 1; min-width: 6rem; padding: .35rem .5rem; font: inherit; }
  #name { flex: 0 0 8rem; }
  button { font: inherit; padding: .35rem .8rem; cursor: pointer; }
  .log { height: 27rem; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
  table { border-collapse: collapse; width: 100%; font: 12.5px/1.35 ui-monospace, monospace; }
  th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { position: sticky; top: 0; background: Canvas; }
  td.preview { white-space: normal; overflow-wrap: anywhere; max-width: 18rem; }
  tr.in td.dir { color: var(--in); } tr.out td.dir { color: var(--out); }
  tr.note td { font-style: italic; opacity: .75; }
  .legend { font-size: .8rem; opacity: .75; margin: .35rem 0 0; }
</style>
</head>
<body>
<h1>WebSocket from scratch</h1>
<p class="lead">A chat on <code>/chat</code> (open this page in two windows), and every frame of your chat
connection as the server saw it. Any other WebSocket path is an echo endpoint.</p>
<main>
  <section>
    <h2>Chat</h2>
    <div id="status">connecting…</div>
    <div id="room-status"></div>
    <ul id="chat-messages"></ul>
    <form id="chat-form">
      <input id="name" type="text" aria-label="your name">
      <input id="chat-input" type="text" placeholder="say something" autocomplete="off" aria-label="message">
      <button id="chat-send" type="submit">Send</button>
      <button id="chat-leave" type="button">Leave (close 1000)</button>
    </form>
  </section>
  <section>
    <h2>Frames of the chat connection</h2>
    <div class="log">
      <table id="frames">
        <thead><tr><th>#</th><th>dir</th><th>FIN</th><th>RSV1</th><th>opcode</th><th>length</th><th>masked</th><th>payload</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p class="legend">→ client to server (always masked, RFC 6455 §5.3) · ← server to client (never masked)</p>
  </section>
</main>
<script>
(function () {
"use strict";
var base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
var id = Math.random().toString(36).slice(2) + Date.now().toString(36);
var chat = null;
var frameCount = 0;
var nameInput = document.getElementById("name");
var input = document.getElementById("chat-input");
var messages = document.getElementById("chat-messages");
var frames = document.querySelector("#frames tbody");
var statusLine = document.getElementById("status");
var leave = document.getElementById("chat-leave");
nameInput.value = "guest-" + Math.floor(1000 + Math.random() * 9000);

function say(text, system) {
  var li = document.createElement("li");
  li.textContent = text;
  if (system) li.className = "system";
  messages.appendChild(li);
  messages.scrollTop = messages.scrollHeight;
}

function setStatus(text, state) {
  statusLine.textContent = text;
  statusLine.className = state;
}

function cell(row, text, className) {
  var td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
}

function logFrame(entry) {
  var row = document.createElement("tr");
  row.className = entry.direction;
  if (entry.note) {
    row.className += " note";
    cell(row, "");
    cell(row, entry.direction === "in" ? "→" : "←", "dir");
    var td = document.createElement("td");
    td.colSpan = 6;
    td.textContent = entry.note;
    row.appendChild(td);
  } else {
    frameCount += 1;
    cell(row, String(frameCount));
    cell(row, entry.direction === "in" ? "→ server" : "← server", "dir");
    cell(row, entry.fin ? "1" : "0");
    cell(row, entry.rsv1 ? "1" : "0");
    cell(row, entry.opcodeName + " (0x" + entry.opcode.toString(16) + ")");
    cell(row, String(entry.payloadLength));
    cell(row, entry.masked ? "yes, key " + entry.maskingKey : "no");
    var preview = entry.closeCode !== undefined ? "code " + entry.closeCode + (entry.preview ? " " + entry.preview : "") : entry.preview;
    cell(row, preview, "preview");
  }
  frames.appendChild(row);
  frames.parentNode.parentNode.scrollTop = frames.parentNode.parentNode.scrollHeight;
}

function join() {
  chat = new WebSocket(base + "/chat?log=" + encodeURIComponent(id), ["chat"]);
  chat.onopen = function () {
    setStatus("connected to " + base + "/chat, subprotocol \\"" + chat.protocol + "\\"", "open");
    say("you joined the room", true);
    leave.textContent = "Leave (close 1000)";
  };
  chat.onmessage = function (event) {
    say(typeof event.data === "string" ? event.data : "(binary message)");
  };
  chat.onclose = function (event) {
    setStatus("closed: code " + event.code + (event.reason ? " \\"" + event.reason + "\\"" : "") + ", wasClean " + event.wasClean, "closed");
    say("you left the room", true);
    leave.textContent = "Join again";
  };
}

document.getElementById("chat-form").addEventListener("submit", function (event) {
  event.preventDefault();
  var text = input.value.trim();
  if (!text) return;
  if (!chat || chat.readyState !== WebSocket.OPEN) join();
  else chat.send(nameInput.value + ": " + text);
  input.value = "";
});

leave.addEventListener("click", function () {
  if (chat && chat.readyState === WebSocket.OPEN) chat.close(1000, "bye");
  else join();
});

var log = new WebSocket(base + "/frames?for=" + encodeURIComponent(id));
log.onmessage = function (event) { logFrame(JSON.parse(event.data)); };
log.onopen = join;
log.onerror = function () { setStatus("could not open the frame log; joining the chat without it", ""); join(); };

// Chapter 15: whether messages reach the other processes, and who is in the room across them.
var roomLine = document.getElementById("room-status");
var room = new WebSocket(base + "/room");
room.onmessage = function (event) {
  var status = JSON.parse(event.data);
  roomLine.className = status.crossProcess;
  roomLine.textContent = status.crossProcess === "off"
    ? "rooms are per process (server started without --redis) · process " + status.pid
    : "cross-process delivery: " + status.crossProcess + " · " + status.present + " in the room · process " + status.pid;
};
})();
</script>
</body>
</html>
`;
