/**
 * Every TypeScript / JavaScript block in README.md and in every .md under docs/ runs,
 * as a user would copy it, against the PACKED package installed in a fresh app, so a
 * doc cannot rot. Adding a doc needs no change here: its blocks are found and run.
 *
 * Rules for doc writers:
 * - Fences marked ts, typescript, js, javascript or mjs are run; others (sh, json...) are not.
 * - `<!-- not run: <reason> -->` on the line just before a fence skips that block. Use it
 *   sparingly, and say why (needs a package that is not a dependency, serves forever...).
 * - Each block is a whole program (its imports, then code; top-level await is fine)
 *   that exits 0 on its own within a minute. Without a `marketplace` it runs on the
 *   embedded local marketplace, as `createCompute()` does for a user.
 * - A block whose first line is a comment naming a file (`// my-handler.mjs`,
 *   `// app.mjs: ...`) is saved under that name beside the others from its page, so
 *   later blocks of the page can use it (a handler module, say).
 * - The docs' stand-in for a real marketplace, `https://market.example.com`, is
 *   replaced by a local marketplace this test starts; `MARKET_API_KEY` is its key.
 * - TypeScript is stripped with esbuild (types are not checked here).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalMarket, type LocalMarketServer } from '../../src/local/index.js';
import { installPackedApp, repoRoot } from '../support/packed-app.js';
import { tempDir } from '../support/temp-dir.js';

const RUN_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const NOT_RUN = /^<!--\s*not run:\s*(\S.*?)\s*-->$/;
const NAMED_FILE = /^\/\/\s*([\w.-]+\.(?:mjs|js|ts|mts))\b/;
const STAND_IN_URL = /https:\/\/market\.example\.com/g;
/** Per block; generous for a loaded 2-core machine (a block alone takes 2-6 s: a cold start of 2 s). */
const KILL_AFTER_MS = 60_000;
/** Blocks run at once (each starts agent processes). */
const PARALLEL = 2;

interface Block {
  /** `docs/x.md:12` (line of the opening fence). */
  where: string;
  page: string;
  lang: string;
  code: string;
  skip?: string;
  file?: string;
}

/** README.md and every .md under docs/, recursively. */
function pages(): string[] {
  const out = [join(repoRoot, 'README.md')];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) out.push(path);
    }
  };
  walk(join(repoRoot, 'docs'));
  return out;
}

/** The fenced code blocks of one page that are in a language we run. */
export function extractBlocks(page: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence)) end++;
    const lang = open[3]!.toLowerCase();
    if (RUN_LANGS.has(lang)) {
      const code = lines.slice(i + 1, end).join('\n');
      const skip = NOT_RUN.exec((lines[i - 1] ?? '').trim())?.[1];
      const file = NAMED_FILE.exec(code.trimStart())?.[1];
      blocks.push({ where: `${relative(repoRoot, page)}:${i + 1}`, page, lang, code, ...(skip ? { skip } : {}), ...(file ? { file } : {}) });
    }
    i = end;
  }
  return blocks;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(file: string, cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const all = pages().flatMap((page) => extractBlocks(page, readFileSync(page, 'utf8')));
const runnable = all.filter((b) => b.skip === undefined);
const results = new Map<Block, Ran>();
let market: LocalMarketServer | undefined;

beforeAll(async () => {
  const app = installPackedApp(join(repoRoot, 'node_modules', '.cache', 'adaptive-compute-doc-blocks'));
  // The default journal lives in the OS temp folder: give the programs one we remove.
  const tmp = tempDir('ac-doc-blocks');
  market = await startLocalMarket({ coldStartMs: 200, preemptionRatePerHour: 0 });
  const env: Record<string, string> = { NO_COLOR: '1', TMPDIR: tmp, MARKET_API_KEY: market.apiKey };
  for (const name of ['PATH', 'HOME', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  // One folder per page; named blocks saved first, so later blocks can use them.
  const files = new Map<Block, { dir: string; name: string }>();
  runnable.forEach((block, n) => {
    const dir = join(app, basename(block.page, '.md'));
    if (!existsSync(dir)) mkdirSync(dir);
    const source = block.code.replace(STAND_IN_URL, market!.url);
    const js = block.lang === 'ts' || block.lang === 'typescript' ? transformSync(source, { loader: 'ts', format: 'esm' }).code : source;
    const name = block.file?.replace(/\.(ts|mts)$/, '.mjs').replace(/\.js$/, '.mjs') ?? `block-${n}.mjs`;
    writeFileSync(join(dir, name), js);
    files.set(block, { dir, name });
  });
  const queue = [...runnable];
  const worker = async (): Promise<void> => {
    for (let block = queue.shift(); block; block = queue.shift()) {
      const { dir, name } = files.get(block)!;
      results.set(block, await runNode(name, dir, env));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}, 600_000);

afterAll(async () => {
  await market?.close();
});

describe('code blocks in README.md and docs/', () => {
  it('finds the blocks of every page, and skips only a few, each with its reason', () => {
    expect(runnable.length).toBeGreaterThan(10);
    const skipped = all.filter((b) => b.skip !== undefined);
    expect(skipped.length).toBeLessThanOrEqual(Math.ceil(all.length / 4));
    for (const block of skipped) expect(block.skip!.length, block.where).toBeGreaterThan(5);
  });

  it('extracts fences, the not-run marker and named files', () => {
    const text = ['# t', '```ts', "// app.mjs: the app", 'const a: number = 1;', '```', '<!-- not run: needs pino -->', '```js', 'x()', '```', '```sh', 'ls', '```'].join('\n');
    const blocks = extractBlocks(join(repoRoot, 'docs', 't.md'), text);
    expect(blocks.map((b) => [b.where, b.lang, b.file, b.skip])).toEqual([
      ['docs/t.md:2', 'ts', 'app.mjs', undefined],
      ['docs/t.md:7', 'js', undefined, 'needs pino'],
    ]);
  });

  it.each(runnable.map((b) => [b.where, b] as const))('%s runs and exits 0', (where, block) => {
    const ran = results.get(block);
    expect(ran, where).toBeDefined();
    expect(ran!.code, `${where}\n--- stdout\n${ran!.stdout}\n--- stderr\n${ran!.stderr}`).toBe(0);
  });

  it('the local marketplace that stands in for market.example.com served the blocks that name it', () => {
    const named = runnable.filter((b) => STAND_IN_URL.test(b.code));
    STAND_IN_URL.lastIndex = 0;
    if (named.length > 0) expect(market!.requestLog.length).toBeGreaterThan(0);
  });
});
