// After tsup: the declarations of `adaptive-compute/testing` import msw's types for
// marketplaceHandlers(), and msw is an optional peer dependency. A TypeScript app that
// checks library types (skipLibCheck off) and has no msw would fail to compile just
// by importing createFakeMarketplace(). Marking that import @ts-ignore keeps msw's
// exact types when it is installed, and makes them `any` when it is not.
import { readFileSync, writeFileSync } from 'node:fs';

const NOTE = '// @ts-ignore: msw is an optional peer dependency; without it, its types are any here.';
for (const file of ['dist/testing.d.ts', 'dist/testing.d.cts']) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out = [];
  let marked = 0;
  for (const [i, line] of lines.entries()) {
    if (/^import .* from 'msw';$/.test(line) && lines[i - 1] !== NOTE) {
      out.push(NOTE);
      marked++;
    }
    out.push(line);
  }
  if (marked > 0) writeFileSync(file, out.join('\n'));
  if (!/from 'msw'/.test(text)) console.warn(`optional-peer-types: ${file} no longer imports msw; this step can go`);
}
