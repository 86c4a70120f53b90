/**
 * A fake of RunPod's REST API v2 written from its documentation (runpod/docs
 * api-reference-v2/openapi.json, and ../shared/PROVIDERS.md): the GPU catalog with
 * availability, pod creation that rejects unknown fields with 422
 * (`unevaluatedProperties: false`), PROVISIONING -> STARTING -> RUNNING, runtime port
 * mappings, DELETE 204 then 404, RFC 9457 problems, 429 with Retry-After, and 400
 * for no capacity. Each pod runs a real `adaptive-compute agent` process with the
 * env its request carried, on a loopback port that plays the public TCP mapping.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeNode, ProviderFake, sendJson, type InstanceNode } from './provider-fake-common.js';
import { ImpostorNode } from './impostor-node.js';

/** A GPU type the fake's catalog lists. */
export interface RunPodFakeGpu {
  id: string;
  name: string;
  memory: number;
  secure: number;
  community: number;
  availability: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
}

/** Behaviours to switch on. */
export interface RunPodFakeOptions {
  apiKey?: string;
  /** dist/cli.js of the package whose agent the instances run (default: this repository's). */
  agentCli?: string;
  gpus?: RunPodFakeGpu[];
  /** ms per status step. @default 150 */
  stepMs?: number;
  /** ms a pod stays readable after DELETE. @default 300 */
  deleteDelayMs?: number;
  /** Answer every n-th request with 429 + Retry-After (0: never). */
  rateLimitEvery?: number;
  /** GPU type ids (or `<CLOUD>:<id>`) refused with 400 "no capacity". */
  noCapacity?: string[];
  /** GPU type ids (or `<CLOUD>:<id>`) whose pool this account may not use: 403 on create. */
  forbidden?: string[];
  /** Creations whose answer is lost (the pod is made, the connection cut). */
  loseCreateAnswers?: number;
  /** GPU type ids (or `<CLOUD>:<id>`) whose pods run a node with another TLS key than the one sent ({@link ImpostorNode}). */
  impostorGpus?: string[];
  /** At most this many pods are impostors (a node-level attack, not a whole tier). @default unlimited */
  impostorPods?: number;
}

const CREATE_FIELDS = new Set(['name', 'image', 'gpu', 'cpu', 'cloud', 'env', 'ports', 'disk', 'args', 'registry', 'dataCenterIds', 'globalNetworking', 'mounts', 'startJupyter', 'startSsh', 'templateId']);
const GPU_FIELDS = new Set(['id', 'count', 'allowedCudaVersions', 'minCudaVersion', 'minRamPerGpu', 'minVcpuCountPerGpu']);

interface FakePod {
  id: string;
  name: string;
  gpuId: string;
  count: number;
  cloud: string;
  env: Record<string, string>;
  ports: string[];
  cost: number;
  /** Its node presents another TLS key than the one sent. */
  impostor: boolean;
  createdAtMs: number;
  node: InstanceNode;
  deletedAtMs: number | null;
  goneAtMs: number | null;
}

/** The running fake. */
export class RunPodFake extends ProviderFake<FakePod> {
  readonly pods = new Map<string, FakePod>();
  private readonly o: Required<Omit<RunPodFakeOptions, 'agentCli'>> & Pick<RunPodFakeOptions, 'agentCli'>;
  private seq = 0;
  /** Pods started with another TLS key so far. */
  impostors = 0;

  constructor(options: RunPodFakeOptions = {}) {
    super();
    this.o = {
      apiKey: 'rpa_fake_key_0123456789',
      gpus: [
        { id: 'NVIDIA GeForce RTX 4090', name: 'RTX 4090', memory: 24, secure: 0.69, community: 0.34, availability: 'HIGH' },
        { id: 'NVIDIA A100 80GB PCIe', name: 'A100 PCIe', memory: 80, secure: 1.64, community: 1.19, availability: 'LOW' },
        { id: 'NVIDIA H100 80GB HBM3', name: 'H100 SXM', memory: 80, secure: 2.99, community: 2.69, availability: 'NONE' },
      ],
      stepMs: 150,
      deleteDelayMs: 300,
      rateLimitEvery: 0,
      noCapacity: [],
      forbidden: [],
      loseCreateAnswers: 0,
      impostorGpus: [],
      impostorPods: Number.POSITIVE_INFINITY,
      ...options,
    };
    this.toLose = this.o.loseCreateAnswers;
  }

  /** The key the fake accepts. */
  get apiKey(): string {
    return this.o.apiKey;
  }

  /** `http://127.0.0.1:<port>/v2`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v2`;
  }

  protected all(): Iterable<FakePod> {
    return this.pods.values();
  }

  /** Per second here; the adapter counts per minute unless told otherwise. */
  protected perHour(p: FakePod): number {
    return p.cost;
  }

  protected rateLimitEvery(): number {
    return this.o.rateLimitEvery;
  }

  /** RunPod's 429 carries Retry-After. */
  protected tooMany(res: ServerResponse): void {
    this.problem(res, 429, 'Too Many Requests', 'rate limit exceeded for the second window', {}, { 'retry-after': '1' });
  }

  protected crashed(res: ServerResponse): void {
    this.problem(res, 500, 'Internal Server Error', 'fake failed');
  }

  private problem(res: ServerResponse, status: number, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
    const text = JSON.stringify({ title, status, detail, ...extra });
    res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  private status(p: FakePod): string {
    if (p.deletedAtMs !== null) return 'TERMINATED';
    const age = Date.now() - p.createdAtMs;
    if (p.node.failed) return 'ERROR';
    if (age < this.o.stepMs) return 'PROVISIONING';
    if (age < 2 * this.o.stepMs || !p.node.agent) return 'STARTING';
    return 'RUNNING';
  }

  private view(p: FakePod): Record<string, unknown> {
    const status = this.status(p);
    const running = status === 'RUNNING';
    return {
      id: p.id,
      name: p.name,
      status,
      actions: running ? ['stop', 'restart', 'terminate'] : ['terminate'],
      image: 'img',
      args: '',
      disk: 20,
      mounts: {},
      ports: p.ports,
      env: Object.fromEntries(Object.keys(p.env).map((k) => [k, '***'])),
      registry: null,
      gpu: { id: p.gpuId, count: p.count, vcpuCount: 8, memory: 32 },
      cloud: p.cloud,
      dataCenterId: 'US-TX-3',
      cudaVersion: '12.8',
      ssh: { proxy: null, direct: null },
      template: null,
      cost: status === 'TERMINATED' || status === 'EXITED' ? 0 : p.cost,
      locked: false,
      globalNetworking: { enabled: false },
      runtime: running ? { uptime: 1, gpus: [], ports: [{ private: 8000, public: p.node.agent!.port, type: 'tcp', ip: '127.0.0.1' }] } : null,
      createdAt: new Date(p.createdAtMs).toISOString(),
      startedAt: running ? new Date(p.createdAtMs).toISOString() : null,
    };
  }

  protected route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): void {
    if (req.headers.authorization !== `Bearer ${this.o.apiKey}`) return this.problem(res, 401, 'Unauthorized', 'missing bearer token');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/v2/catalog/gpus') return this.catalog(res, url);
    if (req.method === 'POST' && path === '/v2/pods') return this.create(req, res, body);
    if (req.method === 'GET' && path === '/v2/pods') return sendJson(res, 200, { pods: this.live().map((p) => this.view(p)) });
    const match = /^\/v2\/pods\/([^/]+)$/.exec(path);
    if (match) {
      const pod = this.pods.get(decodeURIComponent(match[1]!));
      const gone = !pod || (pod.goneAtMs !== null && pod.goneAtMs <= Date.now());
      if (gone) return this.problem(res, 404, 'Not Found', 'pod not found');
      if (req.method === 'GET') return sendJson(res, 200, this.view(pod));
      if (req.method === 'DELETE') {
        if (pod.deletedAtMs === null) {
          pod.deletedAtMs = Date.now();
          pod.goneAtMs = pod.deletedAtMs + this.o.deleteDelayMs;
          void pod.node.stop();
        }
        res.writeHead(204);
        res.end();
        return;
      }
    }
    this.problem(res, 404, 'Not Found', `no route ${req.method} ${path}`);
  }

  private catalog(res: ServerResponse, url: URL): void {
    const include = url.searchParams.get('include');
    const product = url.searchParams.get('product');
    if ((include === 'AVAILABILITY') !== (product !== null)) return this.problem(res, 400, 'Bad Request', 'product is required with include=AVAILABILITY, and valid only with it');
    const cloud = url.searchParams.get('cloud') ?? 'SECURE';
    const gpus = this.o.gpus.map((g) => ({
      id: g.id,
      name: g.name,
      pool: null,
      manufacturer: 'NVIDIA',
      memory: g.memory,
      secure: true,
      community: true,
      price: { secure: g.secure, community: g.community },
      maxCount: { secure: 8, community: 4 },
      ...(include === 'AVAILABILITY' ? { availability: cloud === 'COMMUNITY' && g.availability === 'LOW' ? 'NONE' : g.availability } : {}),
    }));
    sendJson(res, 200, { gpus });
  }

  private create(req: IncomingMessage, res: ServerResponse, raw: unknown): void {
    const b = raw as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) return this.problem(res, 422, 'Unprocessable Entity', 'Request validation failed.');
    const unknown = Object.keys(b).filter((k) => !CREATE_FIELDS.has(k));
    const gpu = b.gpu as Record<string, unknown> | undefined;
    const unknownGpu = gpu && typeof gpu === 'object' ? Object.keys(gpu).filter((k) => !GPU_FIELDS.has(k)) : [];
    if (unknown.length > 0 || unknownGpu.length > 0) {
      return this.problem(res, 422, 'Unprocessable Entity', 'Request validation failed.', { errors: [...unknown, ...unknownGpu.map((k) => `gpu.${k}`)].map((f) => ({ location: `body.${f}`, message: 'unexpected property' })) });
    }
    if (typeof b.name !== 'string' || b.name === '' || typeof b.image !== 'string' || !gpu || typeof gpu.id !== 'string') {
      return this.problem(res, 422, 'Unprocessable Entity', 'Request validation failed.', { errors: [{ location: 'body', message: 'name, image and gpu.id are required' }] });
    }
    const ports = Array.isArray(b.ports) ? (b.ports as unknown[]) : [];
    if (!ports.every((p) => typeof p === 'string' && /^\d+\/(tcp|http)$/.test(p))) return this.problem(res, 422, 'Unprocessable Entity', 'Request validation failed.', { errors: [{ location: 'body.ports', message: 'port/protocol' }] });
    const env = (b.env ?? {}) as Record<string, unknown>;
    if (typeof env !== 'object' || Object.values(env).some((v) => typeof v !== 'string')) return this.problem(res, 422, 'Unprocessable Entity', 'Request validation failed.');
    const type = this.o.gpus.find((g) => g.id === gpu.id);
    const cloud = typeof b.cloud === 'string' ? b.cloud : 'SECURE';
    if (!type) return this.problem(res, 400, 'Bad Request', `unknown GPU type ${String(gpu.id)}`);
    if (this.o.forbidden.includes(type.id) || this.o.forbidden.includes(`${cloud}:${type.id}`)) return this.problem(res, 403, 'Forbidden', 'access denied');
    if (this.o.noCapacity.includes(type.id) || this.o.noCapacity.includes(`${cloud}:${type.id}`)) return this.problem(res, 400, 'Bad Request', `There are no instances currently available for ${type.id} in ${cloud}`);
    const count = typeof gpu.count === 'number' ? gpu.count : 1;
    const impostor = (this.o.impostorGpus.includes(type.id) || this.o.impostorGpus.includes(`${cloud}:${type.id}`)) && this.impostors < this.o.impostorPods && typeof env.ADAPTIVE_COMPUTE_TLS_KEY === 'string';
    if (impostor) this.impostors++;
    const id = `pod${(++this.seq).toString(36)}x${Math.random().toString(36).slice(2, 8)}`;
    const pod: FakePod = {
      id,
      name: b.name,
      gpuId: type.id,
      count,
      cloud,
      env: env as Record<string, string>,
      ports: ports as string[],
      cost: (cloud === 'COMMUNITY' ? type.community : type.secure) * count,
      impostor,
      createdAtMs: Date.now(),
      node: impostor ? new ImpostorNode() : new FakeNode(env as Record<string, string>, this.o.agentCli),
      deletedAtMs: null,
      goneAtMs: null,
    };
    this.pods.set(id, pod);
    if (this.loseAnswer(req)) return;
    sendJson(res, 201, this.view(pod));
  }
}
