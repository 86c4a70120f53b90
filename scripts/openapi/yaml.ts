/**
 * A small YAML emitter for JSON values (objects, arrays, strings, numbers,
 * booleans, null), in block style so that docs/openapi.yaml reads like hand-written
 * YAML without a YAML dependency. A string is written plain only when YAML 1.2's
 * core schema would read it back as that same string; otherwise it is
 * double-quoted with JSON escapes, which YAML double-quoted scalars accept.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const RESERVED = /^(?:true|false|null|~|yes|no|on|off|y|n)$/i;
const NUMERIC = /^[-+]?(?:\.?[0-9]|0x|0o|\.inf|\.nan)/i;
// Letters, digits and a few punctuation marks that mean nothing to YAML mid-string.
const SAFE = /^[A-Za-z_/$][A-Za-z0-9 _./$@()+,'`=-]*$/;

/** Whether `text` can be written as a plain scalar and read back unchanged. */
export function isPlainSafe(text: string): boolean {
  return SAFE.test(text) && !RESERVED.test(text) && !NUMERIC.test(text) && !text.endsWith(' ') && !text.includes(' #');
}

function scalar(value: null | boolean | number | string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as YAML`);
    return JSON.stringify(value);
  }
  return isPlainSafe(value) ? value : JSON.stringify(value);
}

function key(name: string): string {
  return isPlainSafe(name) && !name.includes(':') ? name : JSON.stringify(name);
}

function isCollection(value: Json): value is Json[] | { [key: string]: Json } {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: Json[] | { [key: string]: Json }): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function lines(value: Json, indent: string): string[] {
  if (!isCollection(value) || isEmpty(value)) return [indent + inline(value)];
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // The first line of the nested block goes after "- ", the rest keep its indentation.
        const nested = lines(item, `${indent}  `);
        out.push(`${indent}- ${(nested[0] ?? '').slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${indent}- ${inline(item)}`);
      }
    }
    return out;
  }
  for (const [name, item] of Object.entries(value)) {
    if (isCollection(item) && !isEmpty(item)) out.push(`${indent}${key(name)}:`, ...lines(item, `${indent}  `));
    else out.push(`${indent}${key(name)}: ${inline(item)}`);
  }
  return out;
}

function inline(value: Json): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  return scalar(value);
}

/** Write a JSON value as block-style YAML, ending with a newline. */
export function toYaml(value: Json): string {
  return `${lines(value, '').join('\n')}\n`;
}
