/**
 * Trace readers: every format, detection, sorting and re-basing, and one-line
 * errors that name the file and the line of a bad row.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComputeError } from '../../src/errors.js';
import { readNumberCells } from '../../src/sim/trace/fields.js';
import { readTrace } from '../../src/sim/trace/index.js';
import type { ServiceModel } from '../../src/sim/trace/types.js';
import { rejectionOf } from '../support/rejection.js';
import { tempDir } from '../support/temp-dir.js';

const MODEL: ServiceModel = { baseMs: 50, msPerInputToken: 0.1, msPerOutputToken: 20, defaultServiceMs: 1000 };
const dir = tempDir('sim-traces');
const fixture = (name: string): string => new URL(`../fixtures/traces/${name}`, import.meta.url).pathname;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function fails(path: string, pattern: RegExp, format?: 'generic' | 'servegen'): Promise<ComputeError> {
  const error = await rejectionOf(readTrace(path, { service: MODEL, seed: 1, ...(format ? { format } : {}) }), ComputeError);
  expect(error.code).toBe('TRACE_INVALID');
  expect(error.message).toMatch(pattern);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('generic CSV', () => {
  it('sorts unsorted rows, moves the origin to the first arrival, and reads service_ms', async () => {
    const path = file('g1.csv', 'timestamp_s,service_ms,extra\n105.5,200,x\n100,100,y\n103,300,z\n');
    const t = await readTrace(path, { service: MODEL, seed: 1 });
    expect(t.format).toBe('generic');
    expect(t.serviceSource).toBe('trace');
    expect([...t.arrivalMs]).toEqual([0, 3000, 5500]);
    expect([...t.serviceMs]).toEqual([100, 300, 200]);
    expect(t.notes.join(' ')).toContain('sorted');
  });

  it('derives service time from tokens, or uses the default without sizes', async () => {
    const tokens = await readTrace(file('g2.csv', 'input_tokens,timestamp_s,output_tokens\r\n1000,1,10\r\n'), { service: MODEL, seed: 1 });
    expect(tokens.serviceSource).toBe('tokens');
    expect(tokens.serviceMs[0]).toBeCloseTo(50 + 100 + 200);
    const bare = await readTrace(file('g3.csv', 'timestamp_s\n5\n7\n'), { service: MODEL, seed: 1 });
    expect(bare.serviceSource).toBe('default');
    expect([...bare.serviceMs]).toEqual([1000, 1000]);
  });

  it('gives a row with empty size cells the default service time, and counts those rows in the notes', async () => {
    const t = await readTrace(file('g4.csv', 'timestamp_s,input_tokens,output_tokens\n1,1000,10\n2,,\n3,1000, \n4,\"\",10\n5,1000,10\n'), { service: MODEL, seed: 1 });
    expect(t.count).toBe(5);
    expect([...t.serviceMs]).toEqual([350, 1000, 1000, 1000, 350].map((ms) => expect.closeTo(ms, 6)));
    expect(t.notes.some((n) => /\b3 rows\b/.test(n) && n.includes('input_tokens'))).toBe(true);
    const svc = await readTrace(file('g5.csv', 'timestamp_s,service_ms\n1,200\n2,\n'), { service: MODEL, seed: 1 });
    expect([...svc.serviceMs]).toEqual([200, 1000]);
    expect(svc.notes.some((n) => /\b1 row\b/.test(n) && n.includes('service_ms'))).toBe(true);
    // A clean trace has no such note; an empty timestamp is still an error.
    const clean = await readTrace(file('g6.csv', 'timestamp_s,service_ms\n1,200\n'), { service: MODEL, seed: 1 });
    expect(clean.notes.some((n) => n.includes('empty'))).toBe(false);
    await fails(file('bad6.csv', 'timestamp_s,service_ms\n,200\n'), /bad6\.csv:2: timestamp_s: empty/);
  });

  it('names file and line of a malformed row, and the missing column', async () => {
    await fails(file('bad1.csv', 'timestamp_s,service_ms\n1,10\n2,abc\n'), /bad1\.csv:3: service_ms: not a number/);
    await fails(file('bad2.csv', 'timestamp_s,service_ms\n1,10\n2,-5\n'), /bad2\.csv:3: service_ms: must be >= 0/);
    await fails(file('bad3.csv', 'time,service_ms\n1,10\n'), /bad3\.csv: .*timestamp_s/, 'generic');
    await fails(file('bad4.csv', 'timestamp_s,input_tokens\n1,10\n'), /bad4\.csv: token columns come in pairs/);
    await fails(file('bad5.csv', 'timestamp_s,service_ms\n1\n'), /bad5\.csv:2: expected 2 columns/);
  });

  it('reads plain rows on a fast path that gives exactly what Number gives, and leaves the rest to the general one', () => {
    const cells = Int32Array.from([0, 2]);
    const out = new Float64Array(2);
    let fast = 0;
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 9 }), (x, digits) => {
        const text = x.toFixed(digits);
        if (readNumberCells(`${text},skip,${text}`, 3, cells, out)) {
          fast++;
          expect(out[0]).toBe(Number(text));
          expect(out[1]).toBe(Number(text));
        }
      }),
      { numRuns: 2000 },
    );
    expect(fast).toBeGreaterThan(1500);
    expect(readNumberCells('12.5,x,-0.25', 3, cells, out)).toBe(true);
    expect([...out]).toEqual([12.5, -0.25]);
    for (const line of ['1e3,x,1', ' 1,x,1', '"1",x,1', '1,x', '1,x,', '+1,x,1', '1.2.3,x,1', '0x10,x,1', '12345678901234567,x,1']) {
      expect(readNumberCells(line, 3, cells, out), line).toBe(false);
    }
  });

  it('fails with one line for a missing file, an empty trace and an unknown header', async () => {
    await fails(join(dir, 'nope.csv'), /nope\.csv: no such file/);
    await fails(file('empty.csv', 'timestamp_s\n'), /no request in the trace/);
    await fails(file('what.csv', 'foo,bar\n1,2\n'), /cannot tell the format/);
  });
});

describe('shared formats', () => {
  it('reads the Azure LLM fixture (detected from its header) with the token model', async () => {
    const t = await readTrace(fixture('azure-conv-5min.csv'), { service: MODEL, seed: 1 });
    expect(t.format).toBe('azure');
    expect(t.count).toBe(1445);
    expect(t.arrivalMs[0]).toBe(0);
    // First row: 374 input, 44 output tokens.
    expect(t.serviceMs[0]).toBeCloseTo(50 + 37.4 + 880, 6);
    // Second row is 4.314 s later (18:15:46.6805900 -> 18:15:50.9951690).
    expect(t.arrivalMs[1]).toBeCloseTo(4314.579, 3);
  });

  it('reads the Mooncake fixture (JSONL, timestamps in ms)', async () => {
    const t = await readTrace(fixture('mooncake-200.jsonl'), { service: MODEL, seed: 1 });
    expect(t.format).toBe('mooncake');
    expect(t.count).toBe(200);
    await fails(file('m.jsonl', '{"timestamp": 0, "input_length": 5, "output_length": 1}\n{"timestamp": 1, "input_length": "x", "output_length": 1}\n'), /m\.jsonl:2: input_length: not a number/);
    await fails(file('m2.jsonl', '{"timestamp": 0, "input_length": 5, "output_length": 1}\nnot json\n'), /m2\.jsonl:2: not a JSON object/);
  });

  it('reads the Alibaba LoRA CSV with its real execution times', async () => {
    const header = 'gmt_create,predict_type,predict_status,exec_time_seconds,groupId,prompt_length,negative_prompt_length,num_images_per_prompt,num_inference_steps,checkpoint_model_version_id,num_lora';
    const path = file('lora.csv', `${header}\n2024-11-15 16:57:50,TXT_2_IMG,SUCCEED,32.0,G0000,63.0,26.0,1.0,30.0,M0000,0\n2024-11-15 16:58:00,TXT_2_IMG,FAILED,3.0,G0001,93.0,,1.0,40.0,M0001,0\n`);
    const t = await readTrace(path, { service: MODEL, seed: 1 });
    expect(t.format).toBe('alibaba-lora');
    expect([...t.arrivalMs]).toEqual([0, 10_000]);
    expect([...t.serviceMs]).toEqual([32_000, 3_000]);
    await fails(file('lora2.csv', `${header}\n2024-11-15 16:57:50,TXT_2_IMG,SUCCEED,,G0000,63.0,26.0,1.0,30.0,M0000,0\n`), /lora2\.csv:2: exec_time_seconds: empty/);
    await fails(file('lora3.csv', `${header}\n2024/11/15 16:57:50,TXT_2_IMG,SUCCEED,1,G0000,63.0,26.0,1.0,30.0,M0000,0\n`), /lora3\.csv:2: gmt_create: not a date-time/);
  });

  it('generates ServeGen arrivals per window from rate and shape, the same for the same seed', async () => {
    const folder = join(dir, 'servegen');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'chunk-0-trace.csv'), '0,0,0,,0,0\n600,2,1.0,Gamma,1.0,0.5\n1200,1,3.8,Weibull,0.35,0.08\n');
    writeFileSync(join(folder, 'chunk-1-trace.csv'), '0,0.5,1,Exponential,0,2\n600,0,0,,0,0\n1200,0,0,,0,0\n');
    const a = await readTrace(folder, { service: MODEL, seed: 7 });
    const b = await readTrace(folder, { service: MODEL, seed: 7 });
    const c = await readTrace(folder, { service: MODEL, seed: 8 });
    expect(a.format).toBe('servegen');
    expect([...a.arrivalMs]).toEqual([...b.arrivalMs]);
    expect([...a.arrivalMs]).not.toEqual([...c.arrivalMs]);
    // Expected count: 0.5·600 + 2·600 + 1·600 = 2100; Weibull windows are bursty, so allow slack.
    expect(a.count).toBeGreaterThan(1400);
    expect(a.count).toBeLessThan(2900);
    await fails(file('sg.csv', '0,1,1,Lognormal,1,1\n'), /sg\.csv:1: fitted_dist: expected Gamma, Weibull/, 'servegen');
    await fails(file('sg2.csv', '600,1,1,Gamma,1,1\n0,1,1,Gamma,1,1\n'), /sg2\.csv:2: window_start_s must increase/, 'servegen');
  });
});
