/**
 * A temporary directory that is removed when the test file finishes, so that a run of
 * the suite leaves nothing behind in the system's temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Makes a fresh directory under the OS temp folder. Made inside a test, it is removed
 * when that test finishes; made at a file's top level, after the file's last test.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test: vitest only takes onTestFinished while a test runs.
    afterAll(remove);
  }
  return dir;
}
