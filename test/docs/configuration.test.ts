/**
 * docs/configuration.md is generated from the zod option schemas and their TSDoc
 * (scripts/gen-config-docs.mjs). This fails when a schema or its comment changed
 * and the page was not regenerated (`npm run gen:docs`), or when a TSDoc `@default`
 * disagrees with the schema's own default.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('docs/configuration.md', () => {
  it('is up to date with the option schemas (else: npm run gen:docs)', () => {
    const result = spawnSync(process.execPath, ['scripts/gen-config-docs.mjs', '--check'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(result.status, `${result.stderr}${result.stdout}`).toBe(0);
  });
});
