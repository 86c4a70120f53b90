/**
 * Reads the YAML that scripts/openapi/yaml.ts writes (block mappings and
 * sequences, plain and double-quoted scalars, `{}` and `[]`), resolving plain
 * scalars by YAML 1.2's core schema, so that a string the emitter left unquoted
 * but YAML would read as a number, boolean or null shows up as a mismatch. Not a
 * general YAML parser: anything outside that subset throws.
 */
import type { Json } from '../../../scripts/openapi/yaml.js';

interface Line {
  indent: number;
  text: string;
  no: number;
}

const CORE_NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Parse a plain or double-quoted scalar as YAML 1.2's core schema resolves it. */
export function readScalar(text: string): Json {
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text === '{}') return {};
  if (text === '[]') return [];
  if (/^(?:null|Null|NULL|~)$/.test(text) || text === '') return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (CORE_NUMBER.test(text)) return Number(text);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text) || /^\.(?:nan|NaN|NAN)$/.test(text)) throw new Error(`unsupported scalar ${text}`);
  if (/^[\[{'|>&*!%@`#,?:-]/.test(text) && !/^-[^ ]/.test(text)) throw new Error(`plain scalar starts with an indicator: ${text}`);
  if (text.includes(': ') || text.includes(' #')) throw new Error(`ambiguous plain scalar: ${text}`);
  return text;
}

/** Split `key: rest` (rest may be empty); undefined when the text is not a mapping entry. */
function splitEntry(text: string): { key: string; rest: string } | undefined {
  if (text.startsWith('"')) {
    // A JSON string token, then ':'.
    const match = /^("(?:[^"\\]|\\.)*")(:)(?: (.*))?$/.exec(text);
    return match ? { key: JSON.parse(match[1] ?? '""') as string, rest: match[3] ?? '' } : undefined;
  }
  const at = text.search(/:(?: |$)/);
  if (at <= 0) return undefined;
  return { key: text.slice(0, at), rest: text.slice(at + 1).trimStart() };
}

const isItem = (text: string): boolean => text === '-' || text.startsWith('- ');

function parseNode(lines: Line[], pos: number, indent: number): [Json, number] {
  const first = lines[pos];
  if (first === undefined) return [null, pos];
  if (isItem(first.text)) {
    const out: Json[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && isItem(lines[pos]!.text)) {
      const line = lines[pos]!;
      const rest = line.text.slice(2);
      if (!isItem(rest) && splitEntry(rest) === undefined) {
        out.push(readScalar(rest));
        pos += 1;
        continue;
      }
      // "- key: v" opens a block whose lines sit two columns further in.
      lines[pos] = { indent: indent + 2, text: rest, no: line.no };
      const [value, next] = parseNode(lines, pos, indent + 2);
      out.push(value);
      pos = next;
    }
    return [out, pos];
  }
  const out: { [key: string]: Json } = {};
  while (pos < lines.length && lines[pos]!.indent === indent && !isItem(lines[pos]!.text)) {
    const line = lines[pos]!;
    const entry = splitEntry(line.text);
    if (entry === undefined) throw new Error(`line ${line.no}: expected "key: value", got ${line.text}`);
    if (entry.key in out) throw new Error(`line ${line.no}: duplicate key ${entry.key}`);
    pos += 1;
    if (entry.rest !== '') {
      out[entry.key] = readScalar(entry.rest);
      continue;
    }
    const next = lines[pos];
    if (next === undefined || next.indent <= indent) {
      out[entry.key] = null;
      continue;
    }
    const [value, after] = parseNode(lines, pos, next.indent);
    out[entry.key] = value;
    pos = after;
  }
  return [out, pos];
}

/** Parse a document of the subset. Throws on anything else (tabs, stray indentation, flow collections). */
export function readYaml(text: string): Json {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tab`);
    const indent = raw.length - raw.trimStart().length;
    lines.push({ indent, text: raw.trim(), no: i + 1 });
  });
  const [value, pos] = parseNode(lines, 0, lines[0]?.indent ?? 0);
  if (pos !== lines.length) throw new Error(`line ${lines[pos]?.no}: unexpected indentation`);
  return value;
}
