// After tsup: the bundled declarations keep the file-header comment of every internal
// module a public type comes from, detached from any declaration ("What the lease
// manager knows about one lease..." above an unrelated interface). They describe
// internals, not the API, and only confuse a reader of the types: drop a doc comment
// that is followed by a blank line or by another doc comment (a declaration's own
// TSDoc is directly above it).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const DETACHED = /^\/\*\*(?:(?!\*\/)[\s\S])*?\*\/\n(?=\n|\/\*\*)/gm;
for (const name of readdirSync('dist')) {
  if (!/\.d\.c?ts$/.test(name)) continue;
  const file = `dist/${name}`;
  const text = readFileSync(file, 'utf8');
  const tidy = text.replace(DETACHED, '').replace(/\n{3,}/g, '\n\n');
  if (tidy !== text) writeFileSync(file, tidy);
}
