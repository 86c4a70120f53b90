/**
 * A fake of Vast.ai's REST API written from its documentation (vast-ai/docs
 * api-reference, and ../shared/PROVIDERS.md): offer search, create from an ask,
 * instance read-back (`{instances: null}` when gone), the paged v1 listing (the v0
 * list answers 410), asynchronous deletion, plain-text 429s without Retry-After,
 * `no_such_ask` capacity refusals. Each instance runs a real `adaptive-compute
 * agent` process with the env its request carried, on a loopback port that plays
 * the host port mapped to the container's 8000/tcp.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeNode, ProviderFake, sendJson, type InstanceNode } from './provider-fake-common.js';
import { ImpostorNode } from './impostor-node.js';

/** An offer the fake lists. */
export interface VastFakeOffer {
  id: number;
  gpu_name: string;
  num_gpus: number;
  gpu_ram: number;
  dph_total: number;
  min_bid: number;
  reliability2: number;
  geolocation: string;
  /** Storage price, $/GB/month; `dph_total` is quoted for the search's `allocated_storage` (default 8 GB). @default 0 */
  storage_cost?: number;
}

/** Behaviours to switch on. */
export interface VastFakeOptions {
  apiKey?: string;
  /** dist/cli.js of the package whose agent the instances run (default: this repository's). */
  agentCli?: string;
  offers?: VastFakeOffer[];
  /** ms from creation until `loading`, and from the agent listening until `running`. @default 150 */
  stepMs?: number;
  /** ms an instance stays listed after DELETE (asynchronous deletion). @default 300 */
  deleteDelayMs?: number;
  /** Answer every n-th request with a plain-text 429 (0: never). */
  rateLimitEvery?: number;
  /** Ask ids refused with 404 `no_such_ask`. */
  goneAsks?: number[];
  /** Creations whose answer is lost (the instance is made, the connection cut). */
  loseCreateAnswers?: number;
  /** Ask ids whose instances run a node with another TLS key than the one sent ({@link ImpostorNode}). */
  impostorAsks?: number[];
  /** Most instances per listing page (Vast: 25). */
  pageLimit?: number;
}

interface Instance {
  id: number;
  askId: number;
  label: string;
  env: Record<string, string>;
  dph: number;
  isBid: boolean;
  createdAtMs: number;
  status: null | 'loading' | 'running';
  node: InstanceNode;
  deletedAtMs: number | null;
  goneAtMs: number | null;
}

/** The running fake. */
export class VastFake extends ProviderFake<Instance> {
  readonly instances = new Map<number, Instance>();
  private readonly o: Required<Omit<VastFakeOptions, 'agentCli'>> & Pick<VastFakeOptions, 'agentCli'>;
  private nextId = 5000;
  /** Ask id -> the storage (GB) its last quote was for. */
  private readonly quotes = new Map<number, number>();

  constructor(options: VastFakeOptions = {}) {
    super();
    this.o = {
      apiKey: 'vast-key-123456789',
      offers: [
        { id: 101, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.4, min_bid: 0.25, reliability2: 0.99, geolocation: 'Norway, NO' },
        { id: 102, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.45, min_bid: 0.3, reliability2: 0.98, geolocation: 'Texas, US' },
        { id: 103, gpu_name: 'A100 SXM4', num_gpus: 1, gpu_ram: 81920, dph_total: 1.2, min_bid: 0.8, reliability2: 0.995, geolocation: 'Ohio, US' },
        { id: 104, gpu_name: 'RTX 3090', num_gpus: 1, gpu_ram: 24576, dph_total: 0.2, min_bid: 0.1, reliability2: 0.97, geolocation: 'Spain, ES' },
      ],
      stepMs: 150,
      deleteDelayMs: 300,
      rateLimitEvery: 0,
      goneAsks: [],
      loseCreateAnswers: 0,
      impostorAsks: [],
      pageLimit: 25,
      ...options,
    };
    this.toLose = this.o.loseCreateAnswers;
  }

  /** The key the fake accepts. */
  get apiKey(): string {
    return this.o.apiKey;
  }

  /** `http://127.0.0.1:<port>/api/v0`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v0`;
  }

  protected all(): Iterable<Instance> {
    return this.instances.values();
  }

  protected perHour(i: Instance): number {
    return i.dph;
  }

  protected rateLimitEvery(): number {
    return this.o.rateLimitEvery;
  }

  /** Vast's 429 is plain text without Retry-After (rate-limits-and-errors.mdx). */
  protected tooMany(res: ServerResponse): void {
    res.writeHead(429, { 'content-type': 'text/plain' });
    res.end('API requests too frequent');
  }

  protected crashed(res: ServerResponse): void {
    sendJson(res, 500, { success: false, error: 'server_error', msg: 'fake failed' });
  }

  private rented(askId: number): boolean {
    return [...this.instances.values()].some((i) => i.askId === askId && i.deletedAtMs === null);
  }

  private status(i: Instance): Instance['status'] {
    const now = Date.now();
    if (i.status === null && now - i.createdAtMs >= this.o.stepMs) i.status = 'loading';
    if (i.status === 'loading' && i.node.agent && now - i.createdAtMs >= 2 * this.o.stepMs) i.status = 'running';
    return i.status;
  }

  private view(i: Instance): Record<string, unknown> {
    const status = this.status(i);
    const running = status === 'running' && i.node.agent !== undefined;
    return {
      id: i.id,
      actual_status: i.node.failed ? 'exited' : status,
      intended_status: i.deletedAtMs === null ? 'running' : 'stopped',
      cur_state: status === 'running' ? 'running' : 'loading',
      label: i.label,
      image_uuid: 'img',
      public_ipaddr: running ? '127.0.0.1' : '',
      ports: running ? { '8000/tcp': [{ HostIp: '0.0.0.0', HostPort: String(i.node.agent!.port) }] } : null,
      dph_total: i.dph,
      is_bid: i.isBid,
      start_date: i.createdAtMs / 1000,
      gpu_name: 'RTX 4090',
    };
  }

  protected route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): void {
    if (req.headers.authorization !== `Bearer ${this.o.apiKey}`) return sendJson(res, 401, { success: false, error: 'auth_error', msg: 'Invalid user key' });
    const path = url.pathname;
    const m = (re: RegExp): RegExpExecArray | null => re.exec(path);
    let match: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/api/v0/bundles/') return this.search(res, body as Record<string, unknown>);
    if (req.method === 'PUT' && (match = m(/^\/api\/v0\/asks\/(\d+)\/$/))) return this.create(req, res, Number(match[1]), body as Record<string, unknown>);
    if (req.method === 'GET' && path === '/api/v0/instances/') return sendJson(res, 410, { success: false, error: 'deprecated', msg: 'use /api/v1/instances/' });
    if (req.method === 'GET' && (match = m(/^\/api\/v0\/instances\/(\d+)\/$/))) {
      const i = this.instances.get(Number(match[1]));
      const gone = !i || (i.goneAtMs !== null && i.goneAtMs <= Date.now());
      return sendJson(res, 200, { instances: gone ? null : this.view(i) });
    }
    if (req.method === 'DELETE' && (match = m(/^\/api\/v0\/instances\/(\d+)\/$/))) return this.destroy(res, Number(match[1]));
    if (req.method === 'GET' && path === '/api/v1/instances/') return this.list(res, url);
    sendJson(res, 404, { success: false, error: 'not_found', msg: `no route ${req.method} ${path}` });
  }

  private search(res: ServerResponse, q: Record<string, unknown>): void {
    const type = q.type;
    if (type !== 'on-demand' && type !== 'bid') return sendJson(res, 400, { success: false, error: 'invalid_args', msg: 'type must be on-demand, bid or reserved' });
    const names = q.gpu_name as { eq?: string; in?: string[] } | undefined;
    const wanted = names?.in ?? (names?.eq !== undefined ? [names.eq] : undefined);
    const minGpus = (q.num_gpus as { gte?: number } | undefined)?.gte ?? 1;
    // search_offers.yaml: allocated_storage sets the disk the quote (dph_total) is for; default 8 GB.
    const storage = typeof q.allocated_storage === 'number' ? q.allocated_storage : 8;
    const offers = this.o.offers
      .filter((o) => !this.rented(o.id))
      .filter((o) => !wanted || wanted.includes(o.gpu_name))
      .filter((o) => o.num_gpus >= minGpus)
      .map((o) => {
        this.quotes.set(o.id, storage);
        const base = type === 'bid' ? o.min_bid + 0.01 : o.dph_total;
        return { ...o, ask_contract_id: o.id, rentable: true, rented: false, is_bid: type === 'bid', dph_total: base + storageHour(o, storage) };
      })
      .sort((a, b) => a.dph_total - b.dph_total);
    sendJson(res, 200, { offers: offers.slice(0, typeof q.limit === 'number' ? q.limit : 64) });
  }

  private create(req: IncomingMessage, res: ServerResponse, askId: number, b: Record<string, unknown>): void {
    const offer = this.o.offers.find((o) => o.id === askId);
    // An ask is one machine: once rented it is gone until that instance is deleted.
    if (!offer || this.o.goneAsks.includes(askId) || this.rented(askId)) {
      return sendJson(res, 404, { success: false, error: 'invalid_args', msg: `error 404/3603: no_such_ask Instance type by id ${askId} is not available.`, ask_id: askId });
    }
    if (typeof b?.image !== 'string' || b.image === '') return sendJson(res, 400, { success: false, error: 'invalid_args', msg: 'image is required' });
    const disk = typeof b.disk === 'number' ? b.disk : 8;
    if (disk < 8) return sendJson(res, 400, { success: false, error: 'invalid_args', msg: 'disk must be at least 8' });
    // create_instance.yaml: a create that does not match the fresh search quote (its storage) is invalid_price.
    const quoted = this.quotes.get(askId);
    if (quoted !== undefined && quoted !== disk) return sendJson(res, 400, { success: false, error: 'invalid_price', msg: `error 400/3468: price no longer matches the quote for ${quoted} GB; search again`, ask_id: askId });
    const label = typeof b.label === 'string' ? b.label : '';
    if (label.length > 256) return sendJson(res, 400, { success: false, error: 'invalid_args', msg: 'label too long' });
    const parsed = parseEnvString(typeof b.env === 'string' ? b.env : '');
    if ('error' in parsed) return sendJson(res, 400, { success: false, error: 'invalid_args', msg: parsed.error });
    const isBid = typeof b.price === 'number';
    const id = this.nextId++;
    this.instances.set(id, {
      id,
      askId,
      label,
      env: parsed.env,
      dph: (isBid ? (b.price as number) + 0.01 : offer.dph_total) + storageHour(offer, disk),
      isBid,
      createdAtMs: Date.now(),
      status: null,
      node: this.o.impostorAsks.includes(askId) && parsed.env.ADAPTIVE_COMPUTE_TLS_KEY ? new ImpostorNode() : new FakeNode(parsed.env, this.o.agentCli),
      deletedAtMs: null,
      goneAtMs: null,
    });
    if (this.loseAnswer(req)) return;
    sendJson(res, 200, { success: true, new_contract: id, instance_api_key: 'inst-key' });
  }

  private destroy(res: ServerResponse, id: number): void {
    const i = this.instances.get(id);
    if (!i || (i.goneAtMs !== null && i.goneAtMs <= Date.now())) return sendJson(res, 404, { success: false, error: 'no_such_instance', msg: 'Instance not found' });
    if (i.deletedAtMs === null) {
      i.deletedAtMs = Date.now();
      i.goneAtMs = i.deletedAtMs + this.o.deleteDelayMs;
      void i.node.stop();
    }
    sendJson(res, 200, { success: true });
  }

  private list(res: ServerResponse, url: URL): void {
    const limit = Math.min(this.o.pageLimit, Number(url.searchParams.get('limit') ?? 5) || 5);
    const after = Number(url.searchParams.get('after_token') ? Buffer.from(url.searchParams.get('after_token')!, 'base64').toString() : 0);
    const all = this.live().sort((a, b) => a.id - b.id).filter((i) => i.id > after);
    const page = all.slice(0, limit);
    const more = all.length > limit;
    sendJson(res, 200, {
      success: true,
      instances_found: page.length,
      total_instances: this.live().length,
      next_token: more ? Buffer.from(String(page[page.length - 1]!.id)).toString('base64') : null,
      instances: page.map((i) => this.view(i)),
    });
  }
}

/** $/h of `gb` of an offer's storage (priced per GB and 30-day month). */
function storageHour(offer: VastFakeOffer, gb: number): number {
  return ((offer.storage_cost ?? 0) * gb) / (30 * 24);
}

/** `-e K=V -p 8000:8000` into env (the fake rejects anything else, as a strict reading of the docs). */
export function parseEnvString(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const tokens = text.trim() === '' ? [] : text.trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i];
    const value = tokens[i + 1];
    if (value === undefined) return { error: `dangling ${flag}` };
    i++;
    if (flag === '-e') {
      if (value.length > 256) return { error: 'env entry longer than 256' };
      const eq = value.indexOf('=');
      if (eq <= 0) return { error: `bad env entry ${value.slice(0, 20)}` };
      env[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (flag === '-p') {
      if (!/^\d+:\d+(\/(tcp|udp))?$/.test(value)) return { error: `bad port ${value}` };
    } else return { error: `unknown flag ${flag}` };
  }
  return { env };
}
