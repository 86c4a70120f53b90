/**
 * ServeGen rate windows (alibaba/ServeGen, Xiang et al., arXiv 2505.09999;
 * Apache-2.0): per client a headerless CSV of 600 s windows,
 * `window_start_s, rate_req_per_s, cv_of_interarrival, fitted_dist, p1, p2`.
 * These are statistics, not requests, so arrivals are generated, seeded:
 *
 * - Inter-arrival gaps follow the window's fitted family. `p1` is read as the
 *   shape (scipy's `a` for Gamma, `c` for Weibull: the data bears this out, since
 *   1/√p1 equals the Gamma rows' cv), and `p2` as the fitted scale. The scale is
 *   not used as is: it is reset so that the mean gap is exactly 1 / rate, because
 *   the window's rate (a count) is the authoritative figure and the fitted scale
 *   disagrees with it on many rows. Shape keeps the burstiness, rate the volume.
 * - Exponential or an empty family with a positive rate: Poisson arrivals.
 *   A zero rate: no arrival. A shape that is not a positive number falls back to
 *   a Gamma whose shape matches the row's cv (1 / cv²).
 * - Each window starts its renewal process at a uniformly random point of a first
 *   gap (an approximation of the stationary start), so windows join smoothly.
 * - A folder is read as every `*-trace.csv` in it, one client each, summed (as
 *   ServeGen's own client pool does); each client has its own seeded stream.
 *
 * No request sizes are published with the windows here, so every request takes
 * the default service time.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Random, gammaFunction } from '../random.js';
import { TraceBuilder } from './builder.js';
import { parseNumber } from './fields.js';
import { forEachLine } from './lines.js';
import { rowError, traceError, type ServiceModel, type ServiceSource } from './types.js';

const FAMILIES = new Set(['', 'Gamma', 'Weibull', 'Exponential']);
const WINDOW_SEC = 600;

interface Window {
  start: number;
  rate: number;
  cv: number;
  family: string;
  shape: number;
}

/** The client files of a ServeGen path: the file itself, or every `*-trace.csv` of a folder (sorted). */
export async function serveGenFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw traceError(path, 'no such file or folder');
  if (!info.isDirectory()) return [path];
  const files = (await readdir(path)).filter((f) => f.endsWith('-trace.csv')).sort();
  if (files.length === 0) throw traceError(path, 'folder has no ServeGen *-trace.csv file');
  return files.map((f) => join(path, f));
}

/** Generate arrivals for every client of `path` into `builder`. */
export async function readServeGen(path: string, builder: TraceBuilder, model: ServiceModel, seed: number): Promise<ServiceSource> {
  const files = await serveGenFiles(path);
  for (const file of files) {
    const rng = Random.derive(seed, basename(file));
    let pending: Window | undefined;
    await forEachLine(file, (line, lineNo) => {
      if (line.trim() === '') return;
      const w = parseWindow(line, file, lineNo);
      if (pending !== undefined) {
        if (w.start <= pending.start) throw rowError(file, lineNo, `window_start_s must increase (${w.start} after ${pending.start})`);
        generate(pending, w.start, rng, builder, model.defaultServiceMs);
      }
      pending = w;
    });
    if (pending !== undefined) generate(pending, pending.start + WINDOW_SEC, rng, builder, model.defaultServiceMs);
  }
  builder.notes.push(`ServeGen: ${files.length} client file(s), arrivals generated with the seed (shape from p1, mean gap 1/rate)`);
  return 'default';
}

function parseWindow(line: string, file: string, lineNo: number): Window {
  const f = line.split(',');
  if (f.length !== 6) throw rowError(file, lineNo, `expected 6 columns (window_start_s,rate,cv,dist,p1,p2), found ${f.length}`);
  const start = parseNumber(f[0], file, lineNo, 'window_start_s', 0);
  const rate = parseNumber(f[1], file, lineNo, 'rate_req_per_s', 0);
  const cv = f[2]!.trim() === '' ? 1 : parseNumber(f[2], file, lineNo, 'cv_of_interarrival', 0);
  const family = f[3]!.trim();
  if (!FAMILIES.has(family)) throw rowError(file, lineNo, `fitted_dist: expected Gamma, Weibull, Exponential or empty (got ${JSON.stringify(family)})`);
  const shape = family === 'Gamma' || family === 'Weibull' ? parseNumber(f[4], file, lineNo, 'p1', -Infinity) : 1;
  if (family !== '') parseNumber(f[5], file, lineNo, 'p2');
  return { start, rate, cv, family, shape };
}

function generate(w: Window, end: number, rng: Random, builder: TraceBuilder, serviceMs: number): void {
  if (!(w.rate > 0)) return;
  const mean = 1 / w.rate;
  let gap: () => number;
  if (w.family === 'Weibull' && w.shape > 0) {
    const scale = mean / gammaFunction(1 + 1 / w.shape);
    gap = () => rng.weibull(w.shape, scale);
  } else if (w.family === 'Gamma' || w.family === 'Weibull') {
    const shape = w.shape > 0 ? w.shape : 1 / Math.max(w.cv * w.cv, 1e-3);
    gap = () => rng.gamma(shape, mean / shape);
  } else gap = () => rng.exponential(mean);
  let t = w.start + rng.next() * gap();
  while (t < end) {
    builder.add(t * 1000, serviceMs);
    t += gap();
  }
}
