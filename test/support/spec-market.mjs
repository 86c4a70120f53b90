// A protocol-v1 marketplace written from DESIGN.md section 3 alone, sharing no code
// with the package, run as its own process (`node spec-market.mjs` prints its port):
// the app under test then has nothing of ours keeping its process open. One offer
// (A100, $3.60/h billed per second, 1 s cold start); each lease's node serves 2 tasks
// at a time, sleeps `input.ms` and echoes `{ echo: input }`; `GET /bill` reports the
// marketplace's own bill and live leases (also: the most live at once, and per lease the
// distinct `input.from` values its node served).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
const API_KEY = 'k-secret';
const PRICE = 3.6; // $/h -> 0.001 $/s
const COLD_MS = 1000;
const leases = new Map();
const byIdem = new Map();
let billTotal = 0;
let peakLive = 0; // most leases live at once (GET /bill)
const now = () => Date.now();
function json(res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}
function err(res, status, code, message, retryable = false) { json(res, status, { error: { code, message, retryable } }); }
function billed(l) { const end = l.endedAtMs ?? now(); return Math.ceil(Math.max(0, end - l.createdAtMs) / 1000); }
function view(l) {
  const sec = billed(l);
  return { id: l.id, offerId: 'o1', state: l.state, endpoint: l.state === 'running' ? l.endpoint : null, nodeToken: l.state === 'running' ? l.token : null,
    pricePerHour: PRICE, createdAt: new Date(l.createdAtMs).toISOString(), readyAt: l.readyAtMs ? new Date(l.readyAtMs).toISOString() : null,
    endedAt: l.endedAtMs ? new Date(l.endedAtMs).toISOString() : null, billedSec: sec, cost: +(sec * PRICE / 3600).toFixed(6), tags: l.tags };
}
function startNode(l) {
  let active = 0; const waiting = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return json(res, 200, { ready: true });
    if (req.method !== 'POST' || req.url !== '/v1/run') return err(res, 404, 'not_found', 'no');
    if (req.headers.authorization !== `Bearer ${l.token}`) return err(res, 401, 'unauthorized', 'bad node token');
    let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => {
      const { input } = JSON.parse(body);
      if (typeof input?.from === 'string') (l.servedFrom ??= new Set()).add(input.from);
      const run = () => { active++; setTimeout(() => { active--; json(res, 200, { output: { echo: input } }); waiting.shift()?.(); }, Number(input?.ms ?? 0)); };
      if (active < 2) run(); else waiting.push(run);
    });
  });
  server.listen(0, '127.0.0.1', () => { l.endpoint = `http://127.0.0.1:${server.address().port}`; });
  l.server = server;
}
function end(l, state) {
  if (l.endedAtMs) return;
  l.endedAtMs = now(); l.state = state; billTotal += billed(l) * PRICE / 3600; l.server?.close(); l.server?.closeAllConnections?.();
}
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/bill') return json(res, 200, { total: billTotal + [...leases.values()].filter((l) => !l.endedAtMs).reduce((s, l) => s + billed(l) * PRICE / 3600, 0), live: [...leases.values()].filter((l) => !l.endedAtMs).length, leases: leases.size, peakLive, servedFrom: Object.fromEntries([...leases.values()].map((l) => [l.id, [...(l.servedFrom ?? [])]])) });
  if (req.headers.authorization !== `Bearer ${API_KEY}`) return err(res, 401, 'unauthorized', 'bad key');
  let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => {
    if (req.method === 'GET' && url.pathname === '/v1/offers') {
      return json(res, 200, { offers: [{ id: 'o1', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: PRICE, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'local', reliability: 0.99, coldStartSec: 1, available: 20 }] });
    }
    if (req.method === 'POST' && url.pathname === '/v1/leases') {
      const idem = req.headers['idempotency-key'];
      if (idem && byIdem.has(idem)) return json(res, 201, { lease: view(byIdem.get(idem)) });
      const spec = JSON.parse(body || '{}');
      if (spec.offerId !== 'o1') return err(res, 409, 'offer_gone', 'no such offer');
      const l = { id: randomUUID(), state: 'provisioning', token: randomUUID(), createdAtMs: now(), tags: spec.tags ?? {} };
      leases.set(l.id, l); if (idem) byIdem.set(idem, l);
      peakLive = Math.max(peakLive, [...leases.values()].filter((x) => !x.endedAtMs).length);
      startNode(l);
      setTimeout(() => { if (!l.endedAtMs) { l.state = 'running'; l.readyAtMs = now(); } }, COLD_MS);
      return json(res, 201, { lease: view(l) });
    }
    const m = url.pathname.match(/^\/v1\/leases\/([\w-]+)$/);
    if (m) {
      const l = leases.get(m[1]); if (!l) return err(res, 404, 'not_found', 'no lease');
      if (req.method === 'GET') return json(res, 200, { lease: view(l) });
      if (req.method === 'DELETE') { end(l, 'terminated'); return json(res, 200, { lease: view(l) }); }
    }
    if (req.method === 'GET' && url.pathname === '/v1/leases') {
      const tag = url.searchParams.get('tag') ?? ''; const [k, v] = tag.split(':');
      return json(res, 200, { leases: [...leases.values()].filter((l) => !k || l.tags[k] === v).map(view) });
    }
    err(res, 404, 'not_found', 'no route');
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(server.address().port));
