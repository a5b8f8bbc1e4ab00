// The clients of deflate-memory.ts: N ws clients with perMessageDeflate, each sends two messages and stays open.
import WebSocket from 'ws';
const [port, n] = process.argv.slice(2).map(Number);
const msg = JSON.stringify(Array.from({length: 80}, (_, i) => ({id: i, user: 'user-' + (i % 7), ok: i % 2 === 0})));
const all = [];
for (let i = 0; i < n; i++) {
  all.push(new Promise((resolve, reject) => {
    const c = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
    c.on('open', () => { c.send(msg); c.send(msg); });
    let got = 0; c.on('message', () => { if (++got === 2) resolve(c); });
    c.on('error', reject);
  }));
  if (i % 50 === 49) await Promise.all(all);
}
await Promise.all(all);
process.send('ready');
process.on('message', () => process.exit(0));
