/**
 * Where the `adaptive-compute agent` command lives: `dist/cli.js` of this package.
 * Found by walking up from this module to the package root, which works from the
 * built package (dist/index.js, dist/index.cjs, dist/cli.js) and from the sources
 * in a clone (after `npm run build`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'adaptive-compute';

/**
 * Absolute path of the CLI script that runs node agents, or undefined when it
 * cannot be found (a clone that was never built).
 * @param from a file URL inside the package. @default this module
 */
export function findAgentEntry(from: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (let depth = 0; depth < 8; depth++) {
    if (isPackageRoot(dir)) {
      const cli = join(dir, 'dist', 'cli.js');
      return existsSync(cli) ? cli : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function isPackageRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}
