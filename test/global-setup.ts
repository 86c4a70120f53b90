/**
 * Runs once before any test file: package, example and docs tests run the BUILT
 * package, so dist/ must be a build of the sources as they are. When it is not (a
 * source edited since, or built by hand without the stamp), build it first, so
 * `npm run test:unit` or `npx vitest run <file>` never passes on a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleReason } from '../scripts/build-stamp.mjs';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const reason = staleReason(root);
  if (reason === undefined) return;
  console.log(`dist/ is stale (${reason}): running npm run build first`);
  try {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed, so the tests would run a stale dist/:\n${String(stdout ?? '')}${String(stderr ?? '')}`);
  }
  const still = staleReason(root);
  if (still !== undefined) throw new Error(`dist/ is still stale after npm run build: ${still}`);
}
