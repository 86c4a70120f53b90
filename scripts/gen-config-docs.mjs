#!/usr/bin/env node
// Purpose: generate docs/configuration.md from the zod option schemas (types, bounds, enum values, defaults) and their TSDoc (descriptions, @default).
/**
 * Usage:
 *   node scripts/gen-config-docs.mjs           write docs/configuration.md  (npm run gen:docs)
 *   node scripts/gen-config-docs.mjs --check   exit 1 when the file is out of date
 *
 * How: the TypeScript compiler API reads each schema field's TSDoc from the sources.
 * The same sources, transpiled without a type-check into a scratch folder and
 * imported, give the runtime zod schemas; their JSON Schema (`z.toJSONSchema`, input
 * side) gives types, bounds, enum values, required fields and defaults. A TSDoc
 * `@default` that disagrees with the schema's own default fails the generation, so
 * neither the comment nor the page can drift from the code.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = 'docs/configuration.md';

/**
 * The zod schemas documented, in page order. `prefix` is the option path the fields
 * live under; `also` names other schemas whose fields link here; `type` is the type
 * shown where a field refers to this section through a schema zod cannot describe.
 * @type {{ title: string, anchor: string, file: string, schema: string, prefix?: string, also?: string[], type?: string, aliases?: string, intro?: string }[]}
 */
const SECTIONS = [
  {
    title: '`createCompute(options)`', anchor: 'createcompute', file: 'src/config/compute.ts', schema: 'ComputeOptionsObjectSchema', aliases: 'ALIASES',
    // The schema's own TSDoc speaks of its internals (aliases mapped before it runs).
    intro: 'Every option is optional: `createCompute()` alone runs on the embedded local marketplace with no budget cap.',
  },
  {
    title: '`marketplace`', anchor: 'marketplace', file: 'src/config/marketplace-option.ts', schema: 'MarketplaceConnectionSchema', prefix: 'marketplace.',
    also: ['MarketplaceOptionSchema'], type: '{ url, apiKey, … } | Marketplace',
  },
  { title: '`budget`', anchor: 'budget', file: 'src/config/compute.ts', schema: 'BudgetSchema', prefix: 'budget.' },
  { title: '`coordination`', anchor: 'coordination', file: 'src/config/compute.ts', schema: 'CoordinationSchema', prefix: 'coordination.' },
  { title: '`compute.workload(name, options)`', anchor: 'workload', file: 'src/config/workload.ts', schema: 'WorkloadOptionsSchema' },
  { title: 'workload `gpu`', anchor: 'workload-gpu', file: 'src/config/workload.ts', schema: 'GpuRequirementSchema', prefix: 'gpu.' },
  { title: 'workload `scaling`', anchor: 'workload-scaling', file: 'src/config/workload.ts', schema: 'ScalingSchema', prefix: 'scaling.' },
  { title: 'workload `request`', anchor: 'workload-request', file: 'src/config/workload.ts', schema: 'HttpTargetSchema', prefix: 'request.' },
  { title: 'workload `budget`', anchor: 'workload-budget', file: 'src/config/workload.ts', schema: 'WorkloadBudgetSchema', prefix: 'budget.' },
  {
    title: '`new LocalMarketplace(options)`, `startLocalMarket(options)`', anchor: 'local-marketplace',
    file: 'src/local/market/options.ts', schema: 'LocalMarketOptionsSchema',
  },
];

/** How many of {@link SECTIONS} are runtime options (the rest: five workload sections, then the local marketplace). */
const RUNTIME_SECTIONS = 4;

/** Per-call options: TypeScript interfaces (no zod schema), documented from their TSDoc and declared types. */
const CALL_OPTIONS = [
  { title: '`workload.run(input, options)`, `workload.stream(input, options)`', anchor: 'run-options', parts: [['src/api.ts', 'RunOptions']] },
  { title: '`workload.map(inputs, options)`', anchor: 'map-options', parts: [['src/queue/map.ts', 'MapOptions'], ['src/api.ts', 'WorkloadMapOptions']] },
  { title: '`compute.pause(name, options)`, `workload.pause(options)`', anchor: 'pause-options', parts: [['src/api.ts', 'PauseOptions']] },
  { title: '`compute.shutdown(options)`', anchor: 'shutdown-options', parts: [['src/api.ts', 'ShutdownOptions']] },
];

// ---------------------------------------------------------------- sources (AST)

/** @type {Map<string, ts.SourceFile>} */
const parsed = new Map();

/** @param {string} file repository-relative path */
function source(file) {
  let sf = parsed.get(file);
  if (sf === undefined) {
    sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    parsed.set(file, sf);
  }
  return sf;
}

/** The initializer of `const name = ...` at the top level of `file`. */
function constInitializer(file, name) {
  for (const statement of source(file).statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return { declaration: d, initializer: d.initializer };
    }
  }
  throw new Error(`${file}: no top-level const ${name}`);
}

/** The TSDoc of a node: its text (links as code) and its `@default`, if any. */
function tsdoc(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter((d) => ts.isJSDoc(d));
  const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? '').join(' ');
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === 'default');
  const def = tag === undefined ? undefined : (ts.getTextOfJSDocComment(tag.comment) ?? '').trim();
  return { text: oneLine(text), default: def === undefined ? undefined : oneLine(def) };
}

/** @param {string} text */
function oneLine(text) {
  return text.replace(/\{@link\s+([^}\s|]+)(?:\s*\|?\s*([^}]*))?\}/g, (_, name, label) => `\`${label?.trim() || name}\``).replace(/\s+/g, ' ').trim();
}

/** A call's callee without whitespace (`z\n  .strictObject` → `z.strictObject`). */
const callee = (call) => call.expression.getText().replace(/\s+/g, '');

const OBJECT_CALLS = new Set(['z.object', 'z.strictObject', 'z.looseObject']);

/** The object literal of the first `z.object({...})` (or strict/loose) call inside `node`, if any. */
function objectLiteralIn(node) {
  /** @type {ts.ObjectLiteralExpression | undefined} */
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isCallExpression(n) && OBJECT_CALLS.has(callee(n)) && n.arguments[0] && ts.isObjectLiteralExpression(n.arguments[0])) {
      found = n.arguments[0];
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The identifier a schema expression starts from (`BudgetSchema` in `BudgetSchema.default(...)`). */
function rootIdentifier(node) {
  let n = node;
  while (ts.isCallExpression(n) || ts.isPropertyAccessExpression(n)) n = n.expression;
  return ts.isIdentifier(n) && n.text !== 'z' ? n.text : undefined;
}

/** `Offer` for a field built from `OfferSchema` (`z.array(OfferSchema)`): a name reads better than its fields. */
function namedSchema(node) {
  /** @type {string | undefined} */
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isIdentifier(n) && /^[A-Z]\w*Schema$/.test(n.text)) found = n.text.slice(0, -'Schema'.length);
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** `T` of a `z.custom<T>` inside `node`, following one reference to another const of `file`. */
function customType(node, file) {
  /** @type {string | undefined} */
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isCallExpression(n) && callee(n) === 'z.custom' && n.typeArguments?.[0]) found = n.typeArguments[0].getText();
    else ts.forEachChild(n, visit);
  };
  visit(node);
  if (found !== undefined) return found;
  const id = rootIdentifier(node);
  if (id === undefined) return undefined;
  for (const imported of [file, ...importedFiles(file)]) {
    try {
      return customType(constInitializer(imported, id).initializer, imported);
    } catch {
      // not declared in that file
    }
  }
  return undefined;
}

/** Repository-relative `.ts` files that `file` imports values from (type-only imports are erased). */
function importedFiles(file) {
  const out = [];
  for (const s of source(file).statements) {
    const spec = (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
    if (spec === undefined || !spec.startsWith('.')) continue;
    if (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) continue;
    if (ts.isExportDeclaration(s) && s.isTypeOnly) continue;
    const target = posix.normalize(posix.join(posix.dirname(file), spec.replace(/\.js$/, '.ts')));
    if (existsSync(join(ROOT, target))) out.push(target);
  }
  return out;
}

// ---------------------------------------------------------------- runtime schemas

/** Transpile `files` and what they import into a scratch folder, import them, return their exports by file. */
async function loadSchemas(files) {
  // Inside node_modules so that `zod` resolves from the transpiled files as from the sources.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const scratch = mkdtempSync(join(cache, 'gen-config-docs-'));
  try {
    const seen = new Set();
    const queue = [...files];
    while (queue.length > 0) {
      const file = /** @type {string} */ (queue.pop());
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...importedFiles(file));
      const js = ts.transpileModule(source(file).text, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      }).outputText;
      const out = join(scratch, file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, js);
    }
    /** @type {Record<string, Record<string, unknown>>} */
    const modules = {};
    for (const file of files) modules[file] = await import(pathToFileURL(join(scratch, file.replace(/\.ts$/, '.js'))).href);
    return modules;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- rendering

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A JSON Schema (zod's input side) as a short type. */
function typeOf(s, fallback) {
  if (s.anyOf) return s.anyOf.map((x) => typeOf(x, fallback)).join(' | ');
  if (s.const !== undefined) return literal(s.const);
  if (s.enum) return s.enum.map(literal).join(' | ');
  switch (s.type) {
    case 'integer':
    case 'number':
      return numberType(s);
    case 'string':
      if (s.format === 'uri') return 'URL';
      if (s.pattern) return `string matching /${s.pattern}/`;
      return s.minLength >= 1 ? 'non-empty string' : 'string';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `${typeOf(s.items ?? {}, 'unknown').includes(' ') ? `(${typeOf(s.items, 'unknown')})` : typeOf(s.items ?? {}, 'unknown')}[]${s.minItems ? ` (at least ${s.minItems})` : ''}`;
    case 'object':
      if (s.properties) return `{ ${Object.keys(s.properties).join(', ')} }`;
      if (typeof s.additionalProperties === 'object') return `Record<string, ${typeOf(s.additionalProperties, 'unknown')}>`;
      return 'object';
    default:
      return fallback ?? 'any';
  }
}

function numberType(s) {
  const base = s.type === 'integer' ? 'integer' : 'number';
  const lower = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined && Math.abs(s.minimum) < MAX_SAFE ? `≥ ${s.minimum}` : '';
  const upper = s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined && Math.abs(s.maximum) < MAX_SAFE ? `≤ ${s.maximum}` : '';
  return [base, [lower, upper].filter(Boolean).join(', ')].filter(Boolean).join(' ');
}

function literal(value) {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** @param {string} text */
const cell = (text) => text.replace(/\|/g, '\\|');
/** @param {string} text */
const code = (text) => `\`${text}\``;

/** A prose default as written, code-formatted when it is an identifier or a call (`realClock`, `process.cwd()`). */
const prose = (text) => (/^[\w.]+\(\)$|^[a-z]+[A-Z]\w*$/.test(text) ? code(text) : text);

/** The value a TSDoc `@default` names, when it is a literal (else undefined: prose). */
function tsdocLiteral(text) {
  if (/^-?[\d_]+(\.\d+)?$/.test(text)) return { value: Number(text.replace(/_/g, '')) };
  if (/^'[^']*'$|^"[^"]*"$/.test(text)) return { value: text.slice(1, -1) };
  if (text === 'true' || text === 'false') return { value: text === 'true' };
  return undefined;
}

/**
 * The default column: the TSDoc `@default` (checked against the schema's), else the
 * schema's default, else "required" or "—".
 */
function defaultCell(path, doc, schema, required) {
  const zodDefault = schema.default;
  if (doc.default !== undefined && doc.default !== '') {
    const lit = tsdocLiteral(doc.default);
    if (lit && zodDefault !== undefined && typeof zodDefault !== 'object' && lit.value !== zodDefault) {
      throw new Error(`${path}: TSDoc says @default ${doc.default} but the schema defaults to ${JSON.stringify(zodDefault)}`);
    }
    return lit ? code(literal(lit.value)) : prose(doc.default);
  }
  if (zodDefault !== undefined && (typeof zodDefault !== 'object' || zodDefault === null)) return code(literal(zodDefault));
  if (zodDefault !== undefined) return 'each field’s default';
  return required ? '**required**' : '—';
}

/** Table rows for the fields of one object literal + its JSON Schema, recursing into inline objects. */
function fieldRows(ctx, literalNode, json, prefix) {
  const rows = [];
  const required = new Set(json.required ?? []);
  for (const prop of literalNode.properties) {
    if (!ts.isPropertyAssignment(prop)) continue;
    const name = prop.name.getText().replace(/^['"]|['"]$/g, '');
    const schema = json.properties?.[name] ?? {};
    const path = `${prefix}${name}`;
    const doc = tsdoc(prop);
    const ref = rootIdentifier(prop.initializer);
    const linked = ref === undefined ? undefined : ctx.links.get(ref);
    const named = namedSchema(prop.initializer);
    const itemsAreObjects = schema.type === 'array' && schema.items?.type === 'object';
    let type = named && (schema.type === 'object' || itemsAreObjects) ? `${named}${itemsAreObjects ? '[]' : ''}` : typeOf(schema, customType(prop.initializer, ctx.file));
    let text = doc.text;
    if (linked) {
      type = linked.type ?? 'object';
      text = `${text}${text ? ' ' : ''}Fields: [${linked.title}](#${linked.anchor}).`.trim();
    }
    rows.push(`| ${code(path)} | ${cell(code(type))} | ${cell(defaultCell(`${ctx.schema}.${path}`, doc, schema, required.has(name)))} | ${cell(text)} |`);
    const inline = linked ? undefined : objectLiteralIn(prop.initializer);
    if (inline) {
      const nested = schema.properties ? schema : (schema.anyOf ?? []).find((x) => x.type === 'object' && x.properties);
      if (nested) rows.push(...fieldRows(ctx, inline, nested, `${path}.`));
    }
  }
  return rows;
}

const TABLE_HEAD = ['| option | type | default | description |', '| --- | --- | --- | --- |'];

function renderSection(section, modules, links) {
  const { declaration, initializer } = constInitializer(section.file, section.schema);
  const literalNode = objectLiteralIn(initializer);
  if (literalNode === undefined) throw new Error(`${section.file}: ${section.schema} is not a z.object(...)`);
  const runtime = modules[section.file]?.[section.schema];
  if (runtime === undefined) throw new Error(`${section.file}: ${section.schema} is not exported`);
  const json = z.toJSONSchema(/** @type {z.ZodType} */ (runtime), { io: 'input', unrepresentable: 'any' });
  const ctx = { file: section.file, schema: section.schema, links };
  const lines = [`<a id="${section.anchor}"></a>`, '', `### ${section.title}`, ''];
  const intro = section.intro ?? tsdoc(declaration).text;
  if (intro) lines.push(intro, '');
  lines.push(...TABLE_HEAD, ...fieldRows(ctx, literalNode, json, section.prefix ?? ''), '');
  if (section.aliases) {
    const aliases = constInitializer(section.file, section.aliases).initializer;
    if (ts.isObjectLiteralExpression(aliases)) {
      const pairs = aliases.properties.filter(ts.isPropertyAssignment).map((p) => `${code(p.name.getText())} for ${code(p.initializer.getText().slice(1, -1))}`);
      lines.push(`Also accepted, as other names: ${pairs.join(', ')}.`, '');
    }
  }
  lines.push(`<sub>Source: [\`${section.file}\`](../${section.file}) \`${section.schema}\`</sub>`, '');
  return lines;
}

function renderCallOptions(entry) {
  const lines = [`<a id="${entry.anchor}"></a>`, '', `### ${entry.title}`, '', ...TABLE_HEAD];
  for (const [file, name] of entry.parts) {
    const decl = source(file).statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (decl === undefined || !ts.isInterfaceDeclaration(decl)) throw new Error(`${file}: no interface ${name}`);
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || member.type === undefined) continue;
      const doc = tsdoc(member);
      const def = doc.default ? (tsdocLiteral(doc.default) ? code(doc.default) : prose(doc.default)) : member.questionToken ? '—' : '**required**';
      lines.push(`| ${code(member.name.getText())} | ${cell(code(oneLine(member.type.getText())))} | ${cell(def)} | ${cell(doc.text)} |`);
    }
  }
  lines.push('');
  return lines;
}

/** The whole page. */
export async function generateConfigDocs() {
  const modules = await loadSchemas([...new Set(SECTIONS.map((s) => s.file))]);
  const links = new Map();
  for (const s of SECTIONS) {
    for (const id of [s.schema, ...(s.also ?? [])]) links.set(id, { anchor: s.anchor, title: s.title, type: s.type });
  }
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by scripts/gen-config-docs.mjs from the zod schemas and their TSDoc. Do not edit by hand:',
    '     change the schema or its comment, then run `npm run gen:docs`. A test fails when this file is stale. -->',
    '',
    'Every option is checked by a zod schema when it is given. A bad option throws a',
    '`ComputeError` with code `CONFIG_INVALID` whose message names the option’s path',
    '(`workload "embed": scaling.maxNodes: must be >= minNodes`), synchronously, from',
    '`createCompute()`, `compute.workload()` or `new LocalMarketplace()`. Unknown options',
    'are refused too, so a typo does not pass silently. Types below are what you may pass.',
    '',
    '- Runtime: ' + SECTIONS.slice(0, RUNTIME_SECTIONS).map((s) => `[${s.title}](#${s.anchor})`).join(', '),
    '- Workloads: ' + SECTIONS.slice(RUNTIME_SECTIONS, RUNTIME_SECTIONS + 5).map((s) => `[${s.title}](#${s.anchor})`).join(', '),
    `- The embedded local marketplace: [${SECTIONS[RUNTIME_SECTIONS + 5]?.title}](#${SECTIONS[RUNTIME_SECTIONS + 5]?.anchor})`,
    '- Per call: ' + CALL_OPTIONS.map((c) => `[${c.title}](#${c.anchor})`).join(', '),
    '',
    '## The runtime',
    '',
  ];
  // A section never links to itself: its own fields are rendered, not referenced.
  const own = (s) => new Map([...links].filter(([id]) => id !== s.schema));
  for (const s of SECTIONS.slice(0, RUNTIME_SECTIONS)) lines.push(...renderSection(s, modules, own(s)));
  lines.push('## Workloads', '');
  for (const s of SECTIONS.slice(RUNTIME_SECTIONS, RUNTIME_SECTIONS + 5)) lines.push(...renderSection(s, modules, own(s)));
  lines.push('## The embedded local marketplace', '');
  lines.push('Used when `createCompute()` gets no `marketplace`, with these defaults; pass your own `LocalMarketplace` from `adaptive-compute/local` to change them (see the README, *The local marketplace*).', '');
  lines.push(...renderSection(/** @type {typeof SECTIONS[number]} */ (SECTIONS[RUNTIME_SECTIONS + 5]), modules, own(SECTIONS[RUNTIME_SECTIONS + 5])));
  lines.push('## Per-call options', '', 'Plain TypeScript options of single calls (not zod-checked beyond their types).', '');
  for (const c of CALL_OPTIONS) lines.push(...renderCallOptions(c));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

async function main() {
  const check = process.argv.includes('--check');
  const text = await generateConfigDocs();
  const target = join(ROOT, OUTPUT);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (check) {
    if (current !== text) {
      process.stderr.write(`${OUTPUT} is out of date with the option schemas: run \`npm run gen:docs\` and commit the result.\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (current !== text) writeFileSync(target, text);
  process.stdout.write(`${OUTPUT} ${current === text ? 'is up to date' : 'written'}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main().catch((error) => {
    // One line: the message names the schema field at fault.
    process.stderr.write(`gen-config-docs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
