// Whether dist/ was built from the sources as they are now. `npm run build` ends by
// writing a stamp (a hash of every build input, and the build's output files with
// their modification times); the test run's global setup (test/global-setup.ts)
// rebuilds when the stamp does not match, so `npm run test:unit` or a single
// `npx vitest run file` never tests a stale dist/ by accident.
//
//   node scripts/build-stamp.mjs write   (the last step of `npm run build`)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a build reads: a change to any of these makes dist/ stale. */
export const BUILD_INPUTS = ['src', 'tsup.config.ts', 'tsconfig.json', 'package.json', 'scripts/optional-peer-types.mjs', 'scripts/tidy-dts.mjs'];
/** Files a build writes, checked for presence and modification time. */
export const BUILD_OUTPUTS = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/cli.js'];

function files(root, entry) {
  const path = join(root, entry);
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(root, join(entry, name)));
}

/** A hash of every build input's path and content. */
export function sourceHash(root) {
  const hash = createHash('sha256');
  for (const file of BUILD_INPUTS.flatMap((entry) => files(root, entry))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Where the stamp lives (not in dist/: it is not part of the package). */
export function stampPath(root) {
  return join(root, 'node_modules', '.cache', 'adaptive-compute-build', 'stamp.json');
}

function outputTimes(root) {
  return Object.fromEntries(BUILD_OUTPUTS.map((f) => [f, existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : null]));
}

/** Record that dist/ is a build of the sources as they are now. */
export function writeStamp(root) {
  const path = stampPath(root);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ hash: sourceHash(root), outputs: outputTimes(root) }));
}

/** Why dist/ cannot be trusted, or undefined when it is a build of the current sources. */
export function staleReason(root) {
  const outputs = outputTimes(root);
  const missing = Object.keys(outputs).filter((f) => outputs[f] === null);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath(root), 'utf8'));
  } catch {
    return 'no build stamp (built by another command, or never)';
  }
  if (stamp.hash !== sourceHash(root)) return 'the sources changed since the last build';
  for (const [file, time] of Object.entries(outputs)) if (stamp.outputs?.[file] !== time) return `${file} changed since the last build`;
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'write') writeStamp(process.cwd());
