/**
 * Writes docs/openapi.yaml from the shared zod schemas (`npm run gen:openapi`), or
 * with `--check` exits 1 when the file is out of date. test/contract/openapi.test.ts
 * runs the same check in the suite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderOpenApiYaml } from './openapi/document.js';
import { toYaml } from './openapi/yaml.js';

// npm runs scripts from the package root; this file may be bundled elsewhere first.
const target = resolve(process.cwd(), 'docs/openapi.yaml');
const text = renderOpenApiYaml(toYaml);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    process.stderr.write('docs/openapi.yaml is out of date: run `npm run gen:openapi`\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.yaml is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
