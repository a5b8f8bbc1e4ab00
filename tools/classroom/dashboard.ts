/**
 * The teacher's dashboard: one static page, its script and its style, served by the room server.
 *
 * The page holds no data. Its script reads the teacher token from the URL's fragment (which the
 * browser never sends in a request), opens a WebSocket to `/dashboard` and redraws from every room
 * view the server pushes. Everything attendees wrote (names, test titles, URLs) goes into the page
 * with `textContent`, never as markup, and the page's Content-Security-Policy allows no script but
 * its own file: a name such as `<img src=x onerror=…>` shows as those characters.
 */

import { CLOSE_POLICY_VIOLATION } from './protocol.ts';

export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Classroom · WebSocket from scratch</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header><h1>Classroom</h1><span id="connection" data-state="connecting">connecting…</span></header>
<section>
  <h2>Progress</h2>
  <p class="legend">✓ passed · ✗ n/m failing · · not started · blank: no result yet. Stuck: the same failing test for longer than <span id="stuck-after"></span>.</p>
  <table id="grid"><thead></thead><tbody></tbody></table>
</section>
<section>
  <h2>Stuck</h2>
  <ul id="stuck"></ul>
</section>
<section>
  <h2>Failing for many</h2>
  <p class="legend">Tests that fail for two or more people in the chapter they are on: worth explaining to the whole room.</p>
  <ul id="common"></ul>
</section>
<section>
  <h2>Tell the room</h2>
  <form id="broadcast">
    <textarea id="broadcast-text" rows="2" maxlength="2000" placeholder="A message or a hint"></textarea>
    <select id="broadcast-chapter"><option value="">everyone</option></select>
    <button type="submit">Send</button>
  </form>
  <ul id="broadcasts"></ul>
</section>
<section>
  <h2>Conformance board</h2>
  <p class="legend">Attendees register their server with <code>npm start -- board ws://HOST:PORT</code>; each is scored by the conformance suite, per chapter.</p>
  <button id="run-board" type="button">Run the conformance suite on every registered server</button>
  <span id="board-state"></span>
  <table id="board"><thead></thead><tbody></tbody></table>
</section>
<p id="refusal" role="alert"></p>
</body>
</html>
`;

export const DASHBOARD_CSS = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
header { display: flex; gap: 1rem; align-items: baseline; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: center; }
th.name, td.name { text-align: left; max-width: 18rem; overflow-wrap: anywhere; }
td.passed { background: #dcf5dc; }
td.failing { background: #fbdede; }
td.not-started { color: #888; }
td.current { outline: 2px solid #333; }
tr.offline td.name { color: #999; }
.stuck-mark { color: #b00; font-weight: bold; }
.legend { color: #666; font-size: 12px; }
#connection[data-state="open"] { color: #080; }
#connection[data-state="closed"] { color: #b00; }
#refusal { color: #b00; }
textarea { width: 30rem; vertical-align: middle; }
`;

export const DASHBOARD_JS = `'use strict';
(() => {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  const minutes = (ms) => ms >= 60000 ? Math.round(ms / 60000) + ' min' : Math.round(ms / 1000) + ' s';
  let socket = null;
  let shownChapters = '';

  function cell(entry) {
    if (!entry) return ['', ''];
    if (entry.state === 'passed') return ['✓', 'passed'];
    if (entry.state === 'not-started') return ['·', 'not-started'];
    return ['✗ ' + (entry.total - entry.passed) + '/' + entry.total, 'failing'];
  }

  function render(room) {
    $('stuck-after').textContent = minutes(room.stuckAfterMs);
    const head = $('grid').tHead;
    const key = room.chapters.map((c) => c.number).join(',');
    if (key !== shownChapters) {
      shownChapters = key;
      head.replaceChildren();
      const row = head.insertRow();
      row.append(el('th', 'attendee', 'name'));
      for (const chapter of room.chapters) {
        const th = el('th', chapter.number);
        th.title = chapter.title;
        row.append(th);
      }
      const select = $('broadcast-chapter');
      select.replaceChildren(el('option', 'everyone'));
      select.firstChild.value = '';
      for (const chapter of room.chapters) {
        const option = el('option', 'chapter ' + chapter.number + ' group');
        option.value = chapter.number;
        select.append(option);
      }
    }
    const body = $('grid').tBodies[0];
    body.replaceChildren();
    for (const attendee of room.attendees) {
      const row = body.insertRow();
      row.dataset.attendee = attendee.id;
      if (!attendee.online) row.className = 'offline';
      const name = el('td', attendee.name, 'name');
      if (attendee.stuck) name.append(el('span', ' ⚑ stuck', 'stuck-mark'));
      row.append(name);
      for (const chapter of room.chapters) {
        const entry = attendee.chapters[chapter.number];
        const [text, state] = cell(entry);
        const td = el('td', text, state + (attendee.current === chapter.number ? ' current' : ''));
        td.dataset.chapter = chapter.number;
        if (entry && entry.failing.length > 0) td.title = entry.failing.join('\\n');
        row.append(td);
      }
    }
    $('stuck').replaceChildren(...room.attendees.filter((a) => a.stuck).map((a) => {
      const li = el('li');
      li.dataset.attendee = a.id;
      li.append(el('strong', a.name), el('span', ' on chapter ' + a.stuck.chapter + ' for ' + minutes(a.stuck.forMs) + ': '), el('code', a.stuck.test));
      return li;
    }));
    $('common').replaceChildren(...room.common.map((entry) => {
      const li = el('li');
      li.dataset.chapter = entry.chapter;
      li.append(el('strong', entry.names.length + ' people'), el('span', ' · chapter ' + entry.chapter + ': '), el('code', entry.test), el('span', ' (' + entry.names.join(', ') + ')', 'who'));
      return li;
    }));
    $('broadcasts').replaceChildren(...room.broadcasts.slice().reverse().map((b) => el('li', new Date(b.at).toLocaleTimeString() + ' → ' + (b.chapter ? 'chapter ' + b.chapter : 'everyone') + ': ' + b.text)));
    $('board-state').textContent = room.boardRunning ? 'running…' : '';
    $('run-board').disabled = room.boardRunning;
    const boardHead = $('board').tHead;
    boardHead.replaceChildren();
    const boardBody = $('board').tBodies[0];
    boardBody.replaceChildren();
    if (room.board.length > 0) {
      const chapters = [...new Set(room.board.flatMap((entry) => entry.scores.map((score) => score.chapter)))].sort();
      const row = boardHead.insertRow();
      for (const title of ['server', 'attendee', 'passed', ...chapters]) row.append(el('th', title));
      for (const entry of room.board) {
        const r = boardBody.insertRow();
        r.dataset.url = entry.url;
        r.append(el('td', entry.url, 'name'), el('td', entry.attendee, 'name'), el('td', entry.error ? entry.error : entry.passed + '/' + (entry.passed + entry.failed)));
        for (const chapter of chapters) {
          const score = entry.scores.find((s) => s.chapter === chapter);
          const td = el('td', score ? score.passed + '/' + score.total : '', score ? (score.failed === 0 ? 'passed' : 'failing') : '');
          td.dataset.chapter = chapter.slice(0, 2);
          r.append(td);
        }
      }
    }
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(scheme + '//' + location.host + '/dashboard?token=' + encodeURIComponent(token));
    socket.onopen = () => { $('connection').textContent = 'live'; $('connection').dataset.state = 'open'; };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'room') render(message.room);
      if (message.type === 'refused') $('refusal').textContent = message.reason;
    };
    socket.onclose = (event) => {
      $('connection').textContent = 'disconnected' + (event.reason ? ': ' + event.reason : '') + ' (retrying)';
      $('connection').dataset.state = 'closed';
      if (event.code !== ${CLOSE_POLICY_VIOLATION}) setTimeout(connect, 2000);
    };
  }

  $('broadcast').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('broadcast-text').value.trim();
    if (!text || !socket || socket.readyState !== 1) return;
    const chapter = $('broadcast-chapter').value || null;
    socket.send(JSON.stringify({ type: 'broadcast', text, chapter }));
    $('broadcast-text').value = '';
  });
  $('run-board').addEventListener('click', () => {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'run-board' }));
  });
  connect();
})();
`;
