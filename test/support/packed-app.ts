/**
 * A fresh app with the package installed from its packed tarball, as a user gets it.
 * The app folder lives inside the repository (git-ignored), so the package's own
 * dependencies resolve from the repository's node_modules: offline, no registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm pack` the repository (dist must be built) into `workDir`, unpack it into
 * `<workDir>/app/node_modules/adaptive-compute`, write the app's package.json, and
 * return the app folder.
 */
export function installPackedApp(workDir: string, appPackage: Record<string, unknown> = { name: 'app', private: true, type: 'module' }): string {
  const app = join(workDir, 'app');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(app, 'node_modules', 'adaptive-compute'), { recursive: true });
  execFileSync('npm', ['pack', '--pack-destination', workDir, '--silent'], { cwd: repoRoot, stdio: 'pipe' });
  const tarball = readdirSync(workDir).find((f) => f.endsWith('.tgz'))!;
  execFileSync('tar', ['-xzf', join(workDir, tarball), '-C', join(app, 'node_modules', 'adaptive-compute'), '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify(appPackage));
  return app;
}
