/**
 * docs/openapi.yaml is generated from the shared zod schemas: this fails when the
 * file is out of date (regenerated in memory and compared), when it does not read
 * back as the document it was written from, or when it is not a structurally
 * sound OpenAPI 3.1 document (every $ref resolves, every path parameter is
 * declared, every operation answers errors with the protocol's envelope).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, renderOpenApiYaml } from '../../scripts/openapi/document.js';
import { isPlainSafe, toYaml } from '../../scripts/openapi/yaml.js';
import type { Json } from '../../scripts/openapi/yaml.js';
import { LeaseSchema, OfferSchema } from '../../src/market/protocol.js';
import { readYaml } from './support/yaml-read.js';

const file = fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url));
type Obj = { [key: string]: Json };
const obj = (v: Json | undefined): Obj => {
  expect(v !== null && typeof v === 'object' && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)?.slice(0, 80)}`).toBe(true);
  return v as Obj;
};

function collectRefs(value: Json, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

function resolvePointer(doc: Json, ref: string): Json | undefined {
  let at: Json | undefined = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = at[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return at;
}

describe('docs/openapi.yaml', () => {
  const text = readFileSync(file, 'utf8');

  it('is up to date with the zod schemas (run `npm run gen:openapi` when this fails)', () => {
    expect(text === renderOpenApiYaml(toYaml), 'docs/openapi.yaml is out of date: run `npm run gen:openapi`').toBe(true);
  });

  it('`npm run check:openapi` (the generator script itself) agrees', () => {
    const out = execFileSync('npm', ['run', '--silent', 'check:openapi'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  it('reads back as exactly the document it was generated from', () => {
    expect(readYaml(text)).toEqual(buildOpenApiDocument());
  });

  it('is OpenAPI 3.1 with the marketplace and node protocol paths', () => {
    const doc = obj(readYaml(text));
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(obj(doc.info)).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const paths = obj(doc.paths);
    const methods = Object.fromEntries(Object.entries(paths).map(([p, item]) => [p, Object.keys(obj(item)).filter((k) => ['get', 'post', 'delete', 'put', 'patch'].includes(k)).sort()]));
    expect(methods).toEqual({
      '/v1/offers': ['get'],
      '/v1/leases': ['get', 'post'],
      '/v1/leases/{id}': ['delete', 'get'],
      '/v1/account': ['get'],
      '/healthz': ['get'],
      '/v1/run': ['post'],
    });
    const components = obj(doc.components);
    expect(Object.keys(obj(components.securitySchemes)).sort()).toEqual(['apiKey', 'nodeToken']);
    expect(Object.keys(obj(components.schemas))).toEqual(
      expect.arrayContaining(['Offer', 'Lease', 'LeaseState', 'CreateLeaseRequest', 'ErrorBody', 'AccountResponse', 'RunRequest', 'RunResponse', 'HealthResponse']),
    );
  });

  it('is structurally sound: refs resolve, path parameters are declared, operations are complete', () => {
    const doc = readYaml(text);
    const root = obj(doc);
    for (const ref of collectRefs(doc)) expect(resolvePointer(doc, ref), ref).toBeDefined();
    const operationIds = new Set<string>();
    const schemes = Object.keys(obj(obj(root.components).securitySchemes));
    for (const [path, rawItem] of Object.entries(obj(root.paths))) {
      const item = obj(rawItem);
      const shared = (item.parameters as Json[] | undefined) ?? [];
      for (const [method, rawOp] of Object.entries(item)) {
        if (!['get', 'post', 'delete'].includes(method)) continue;
        const op = obj(rawOp);
        const params = [...shared, ...((op.parameters as Json[] | undefined) ?? [])].map((p) => {
          const resolved = obj(typeof obj(p).$ref === 'string' ? resolvePointer(doc, String(obj(p).$ref)) : p);
          return `${String(resolved.in)}:${String(resolved.name)}`;
        });
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) expect(params, `${method} ${path}`).toContain(`path:${name}`);
        expect(typeof op.operationId).toBe('string');
        expect(operationIds.has(String(op.operationId)), `duplicate ${String(op.operationId)}`).toBe(false);
        operationIds.add(String(op.operationId));
        const responses = obj(op.responses);
        for (const [status, rawResponse] of Object.entries(responses)) {
          expect(status).toMatch(/^(?:[1-5][0-9][0-9]|[1-5]XX|default)$/);
          const response = obj(typeof obj(rawResponse).$ref === 'string' ? resolvePointer(doc, String(obj(rawResponse).$ref)) : rawResponse);
          expect(typeof response.description, `${method} ${path} ${status}`).toBe('string');
          // Errors carry the protocol's envelope.
          if (/^[45]/.test(status) && !(path === '/healthz' && status === '503')) {
            expect(obj(obj(obj(response.content)['application/json']).schema)).toEqual({ $ref: '#/components/schemas/ErrorBody' });
          }
        }
        for (const requirement of (op.security as Json[] | undefined) ?? (root.security as Json[])) {
          for (const scheme of Object.keys(obj(requirement))) expect(schemes).toContain(scheme);
        }
      }
    }
    // Rate limits say when to come back.
    const limited = obj(obj(obj(obj(root.components).responses).RateLimited).headers);
    expect(Object.keys(limited)).toEqual(['Retry-After', 'retry-after-ms']);
  });

  it('describes every field of the shared schemas, requiring exactly what the client requires', () => {
    const schemas = obj(obj(obj(readYaml(text)).components).schemas);
    const offer = obj(schemas.Offer);
    expect(Object.keys(obj(offer.properties)).sort()).toEqual(Object.keys(OfferSchema.shape).sort());
    expect(offer.required).toEqual(['id', 'gpu', 'pricePerHour']);
    const lease = obj(schemas.Lease);
    expect(Object.keys(obj(lease.properties)).sort()).toEqual(Object.keys(LeaseSchema.shape).sort());
    expect(lease.required).toEqual(['id', 'state']);
  });
});

describe('the YAML emitter', () => {
  it('quotes every string YAML would read as something else', () => {
    for (const s of ['true', 'False', 'null', '~', 'yes', 'off', '200', '1.0', '-1', '.5', '0x1f', '.inf', '', ' lead', 'trail ', 'a: b', 'a #b', '#x', '- x', '*x', '&x', '!x', '{x}', '[x]', '"x"', "'x'", '|', '>', '@x', '%x', 'x\ny']) {
      expect(isPlainSafe(s), JSON.stringify(s)).toBe(false);
    }
    for (const s of ['A100', 'application/json', '$ref', 'Offers and leases', 'client:x'.replace(':', '-')]) expect(isPlainSafe(s), s).toBe(true);
  });

  it('round-trips awkward values through the reader', () => {
    const value: Json = {
      '200': 'true',
      'a: b': ['1', 2, -3.5, null, true, '', 'x\ny', { k: [] }, [['deep', { e: {} }]], '#not a comment'],
      nested: { empty: {}, list: [{ a: 1, b: [1, 2] }, { c: 'd' }], quote: 'say "hi"', unicode: 'ünï ☃' },
    };
    expect(readYaml(toYaml(value))).toEqual(value);
  });
});
