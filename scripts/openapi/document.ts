/**
 * Protocol v1 as an OpenAPI 3.1 document, built from the shared zod schemas in
 * src/market/protocol.ts (and the account extension's in src/local/market/account.ts).
 * Component schemas are generated with `z.toJSONSchema` (JSON Schema 2020-12, the
 * dialect OpenAPI 3.1 uses); paths, parameters and responses are written here.
 *
 * Schemas are generated with `io: 'input'`: they say what the receiving side
 * accepts, which is the contract. A field with a `default` may be left out and the
 * receiver assumes the default; our own servers always send every field.
 */
import { z } from 'zod';
import { AccountLeaseSchema, AccountResponseSchema } from '../../src/local/market/account.js';
import {
  CreateLeaseRequestSchema,
  ErrorBodySchema,
  GpuSchema,
  HealthResponseSchema,
  LeaseResponseSchema,
  LeaseSchema,
  LeaseStateSchema,
  LeasesResponseSchema,
  LeaseTagsSchema,
  OfferSchema,
  OffersResponseSchema,
  RunRequestSchema,
  RunResponseSchema,
} from '../../src/market/protocol.js';
import type { Json } from './yaml.js';

type JsonObject = { [key: string]: Json };

/** Shared schemas by component name, with the sentence that describes each. */
const COMPONENTS: [string, z.ZodType, string][] = [
  ['Gpu', GpuSchema, 'GPUs of an offer: model, GPUs per node, memory per GPU in GB.'],
  ['Offer', OfferSchema, 'One rentable node type at a price. `available` counts nodes that can still be leased.'],
  ['OffersResponse', OffersResponseSchema, 'Body of `GET /v1/offers`.'],
  ['LeaseState', LeaseStateSchema, 'terminated, preempted and failed are final: the lease no longer bills.'],
  ['LeaseTags', LeaseTagsSchema, 'Free-form tags; clients put `client` (for crash reconciliation) and `workload`.'],
  ['CreateLeaseRequest', CreateLeaseRequestSchema, 'Body of `POST /v1/leases`. The lease is refused (409) when the offer costs more than `maxPricePerHour` now.'],
  ['Lease', LeaseSchema, 'A lease. `endpoint` is the node base URL, set while `running`; `nodeToken` is the Bearer token the node wants; `billedSec` and `cost` are as of now (final once ended).'],
  ['LeaseResponse', LeaseResponseSchema, '`{ lease }` envelope.'],
  ['LeasesResponse', LeasesResponseSchema, '`{ leases }` envelope.'],
  ['ErrorBody', ErrorBodySchema, 'Every 4xx/5xx answer. `retryable` says whether the same request may succeed later.'],
  ['AccountLease', AccountLeaseSchema, 'One lease on the bill.'],
  ['Account', AccountResponseSchema.shape.account, 'The bill as of now (local extension).'],
  ['AccountResponse', AccountResponseSchema, 'Body of `GET /v1/account` (local extension).'],
  ['HealthResponse', HealthResponseSchema, 'Node health: `ready` is true once the node takes tasks.'],
  ['RunRequest', RunRequestSchema, 'One task for a node. `taskId` is the same on every attempt of a task, so a node can de-duplicate.'],
  ['RunResponse', RunResponseSchema, 'The task output.'],
];

/** zod's integer bounds say "a safe integer"; in the document they are noise. */
function tidy(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(tidy);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(schema)) {
    if (name === '$schema' || name === '$id') continue;
    if ((name === 'maximum' || name === 'minimum') && Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER) continue;
    out[name] = tidy(value);
  }
  return out;
}

/** The component schemas, generated from the zod schemas. */
export function componentSchemas(): JsonObject {
  const registry = z.registry<{ id: string; description: string }>();
  for (const [id, schema, description] of COMPONENTS) registry.add(schema, { id, description });
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    metadata: registry,
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  const out: JsonObject = {};
  for (const [id, , description] of COMPONENTS) {
    // The description first, where a reader looks for it.
    out[id] = { description, ...(tidy(generated.schemas[id] ?? {}) as JsonObject) };
  }
  return out;
}

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });
const ok = (description: string, schema: string): JsonObject => ({ description, content: json(ref(schema)) });
const error = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });

/** The error answers every authenticated marketplace call can get. */
const COMMON_ERRORS: JsonObject = {
  '401': error('Unauthorized'),
  '429': error('RateLimited'),
  '5XX': error('Unavailable'),
};

function marketplacePaths(): JsonObject {
  return {
    '/v1/offers': {
      get: {
        operationId: 'listOffers',
        tags: ['marketplace'],
        summary: 'Offers that match a GPU query',
        parameters: [
          { name: 'gpu', in: 'query', description: 'Acceptable GPU models, comma-separated (any of). Omitted: every model.', schema: { type: 'string' }, example: 'A100,H100' },
          { name: 'minGpus', in: 'query', description: 'GPUs per node at least.', schema: { type: 'integer', minimum: 1 } },
          { name: 'minMemoryGb', in: 'query', description: 'Memory per GPU at least, GB.', schema: { type: 'number', minimum: 0 } },
          { name: 'interruptible', in: 'query', description: 'Only interruptible (true) or only on-demand (false) offers. Omitted: both.', schema: { type: 'boolean' } },
        ],
        responses: { '200': ok('Matching offers, with prices as of now', 'OffersResponse'), '400': error('BadRequest'), ...COMMON_ERRORS },
      },
    },
    '/v1/leases': {
      post: {
        operationId: 'createLease',
        tags: ['marketplace'],
        summary: 'Lease a node of an offer',
        description:
          'Idempotent by `Idempotency-Key`: the same key with the same body answers the lease it created (200) instead of creating another; with a different body, 422. Clients send the same key on every retry, so a retried request never rents twice.',
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: { required: true, content: json(ref('CreateLeaseRequest')) },
        responses: {
          '201': ok('Lease created (state pending or provisioning)', 'LeaseResponse'),
          '200': ok('The lease this Idempotency-Key created earlier', 'LeaseResponse'),
          '400': error('BadRequest'),
          '402': error('InsufficientFunds'),
          '409': error('OfferGone'),
          '422': error('IdempotencyKeyReused'),
          ...COMMON_ERRORS,
        },
      },
      get: {
        operationId: 'listLeases',
        tags: ['marketplace'],
        summary: 'Leases, optionally only those with a tag (crash reconciliation)',
        parameters: [{ name: 'tag', in: 'query', description: 'Only leases whose tag `key` has this value, written `key:value`.', schema: { type: 'string', pattern: '^[^:]+:.*$' }, example: 'client:api-7f3a' }],
        responses: { '200': ok('Leases, oldest first', 'LeasesResponse'), '400': error('BadRequest'), ...COMMON_ERRORS },
      },
    },
    '/v1/leases/{id}': {
      parameters: [{ $ref: '#/components/parameters/LeaseId' }],
      get: {
        operationId: 'getLease',
        tags: ['marketplace'],
        summary: 'One lease, bill as of now',
        responses: { '200': ok('The lease', 'LeaseResponse'), '404': error('NotFound'), ...COMMON_ERRORS },
      },
      delete: {
        operationId: 'releaseLease',
        tags: ['marketplace'],
        summary: 'Release a lease (idempotent)',
        description: 'Ends the lease: billing stops and the node goes away. Releasing an ended lease answers it unchanged.',
        responses: { '200': ok('The ended lease', 'LeaseResponse'), '404': error('NotFound'), ...COMMON_ERRORS },
      },
    },
    '/v1/account': {
      get: {
        operationId: 'getAccount',
        tags: ['local-extension'],
        summary: 'The bill (local extension of protocol v1)',
        description:
          'Served by the embedded local marketplace and the `adaptive-compute/testing` fakes so that tests and the demo can read what was charged. Not part of protocol v1: a real marketplace has its own billing API, and the SDK never calls this.',
        'x-local-extension': true,
        responses: { '200': ok('The bill', 'AccountResponse'), ...COMMON_ERRORS },
      },
    },
  };
}

function nodePaths(): JsonObject {
  const servers = [
    {
      url: '{endpoint}',
      description: 'The `endpoint` of a running lease',
      variables: { endpoint: { default: 'https://node.example.com', description: 'Lease endpoint (base URL of the node)' } },
    },
  ];
  return {
    '/healthz': {
      servers,
      get: {
        operationId: 'nodeHealth',
        tags: ['node'],
        summary: 'Node readiness',
        security: [],
        responses: {
          '200': ok('The node takes tasks', 'HealthResponse'),
          '503': { description: 'The node is not ready', content: json(ref('HealthResponse')) },
        },
      },
    },
    '/v1/run': {
      servers,
      post: {
        operationId: 'nodeRun',
        tags: ['node'],
        summary: 'Run one task',
        description:
          'A node runs a bounded number of tasks at once; extra requests wait their turn. 4xx means the node rejected the task itself (not retried elsewhere); 5xx, 429 and dropped connections are retried on another node.',
        security: [{ nodeToken: [] }],
        requestBody: { required: true, content: json(ref('RunRequest')) },
        responses: {
          '200': ok('The task output', 'RunResponse'),
          '400': error('BadRequest'),
          '401': { description: 'Missing or wrong node token', content: json(ref('ErrorBody')) },
          '5XX': { description: 'The task failed on the node, or the node is not ready (503)', content: json(ref('ErrorBody')) },
        },
      },
    },
  };
}

function errorResponse(description: string, headers?: JsonObject): JsonObject {
  return { description, ...(headers ? { headers } : {}), content: json(ref('ErrorBody')) };
}

/** The whole document, as a JSON value. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'adaptive-compute marketplace protocol',
      version: '1.0.0',
      summary: 'Protocol v1: the marketplace API the SDK rents nodes through, and the node protocol a leased node serves.',
      description:
        'Generated by `npm run gen:openapi` from the zod schemas in src/market/protocol.ts, which the HTTP client, the embedded local marketplace, the fake marketplace and the msw handlers of `adaptive-compute/testing` all use. See docs/protocol.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: '{marketplace}',
        description: 'A protocol-v1 marketplace (`adaptive-compute market` serves one on 127.0.0.1)',
        variables: { marketplace: { default: 'http://127.0.0.1:8787', description: 'Marketplace base URL' } },
      },
    ],
    security: [{ apiKey: [] }],
    tags: [
      { name: 'marketplace', description: 'Offers and leases' },
      { name: 'node', description: 'What a leased node serves, at the lease endpoint' },
      { name: 'local-extension', description: 'Served by the local and fake marketplaces only' },
    ],
    paths: { ...marketplacePaths(), ...nodePaths() },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'The marketplace API key: `Authorization: Bearer <apiKey>`. Never sent anywhere but the marketplace URL (redirects are not followed).' },
        nodeToken: { type: 'http', scheme: 'bearer', description: 'The lease `nodeToken`: `Authorization: Bearer <nodeToken>` on `POST /v1/run`.' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description: 'Unique per lease the client means to create (a UUID), the same on every retry.',
          schema: { type: 'string', minLength: 1 },
        },
        LeaseId: { name: 'id', in: 'path', required: true, description: 'Lease id', schema: { type: 'string', minLength: 1 } },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
        RetryAfterMs: { description: 'Milliseconds to wait before retrying (more precise; clients read it first)', schema: { type: 'integer', minimum: 0 } },
      },
      responses: {
        BadRequest: errorResponse('Malformed request: a bad query, a missing Idempotency-Key, a body that fails the schema'),
        Unauthorized: errorResponse('Missing or wrong API key'),
        InsufficientFunds: errorResponse('The account balance does not cover the lease'),
        NotFound: errorResponse('No such lease'),
        OfferGone: errorResponse('The offer is unknown, has no node left, or costs more than maxPricePerHour now'),
        IdempotencyKeyReused: errorResponse('The Idempotency-Key was used before with a different body'),
        RateLimited: errorResponse('Too many requests; retry after the time the headers say', {
          'Retry-After': { $ref: '#/components/headers/RetryAfter' },
          'retry-after-ms': { $ref: '#/components/headers/RetryAfterMs' },
        }),
        Unavailable: errorResponse('The marketplace failed or is unavailable; retryable'),
      },
    },
  };
}

/** The file docs/openapi.yaml should contain. */
export function renderOpenApiYaml(toYaml: (value: Json) => string): string {
  return `# Generated by \`npm run gen:openapi\` (scripts/gen-openapi.ts) from the zod schemas
# in src/market/protocol.ts. Do not edit by hand: a test fails when it is out of date.
${toYaml(buildOpenApiDocument())}`;
}
