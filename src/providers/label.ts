/**
 * Providers have no tags (RunPod) or a single free-text label (Vast). The lease's
 * tags go into that one string, readably: `ac|client=app-1|workload=llm|node=llm%23a1b2.3`.
 * The `node` tag is the lease manager's key for the lease, so the label is derived
 * from the lease key: the same request always carries the same label, which is what
 * lets an adapter find an instance whose creation answer was lost.
 */

const PREFIX = 'ac|';
// Kept when the label must be shortened: what reconciliation and adoption match on.
const ESSENTIAL = ['client', 'workload', 'node'];

/** Encode tags into a label of at most `maxLength` characters; undefined if even the essential tags do not fit. */
export function encodeLabel(tags: Readonly<Record<string, string>>, maxLength: number): string | undefined {
  const keys = Object.keys(tags).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const full = render(tags, keys);
  if (full.length <= maxLength) return full;
  const short = render(tags, keys.filter((k) => ESSENTIAL.includes(k)));
  return short.length <= maxLength ? short : undefined;
}

/** The tags of a label we wrote, or undefined for anyone else's label. */
export function decodeLabel(label: string | null | undefined): Record<string, string> | undefined {
  if (typeof label !== 'string' || !label.startsWith(PREFIX)) return undefined;
  const tags: Record<string, string> = {};
  for (const part of label.slice(PREFIX.length).split('|')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      tags[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return undefined;
    }
  }
  return tags;
}

/** Whether `tags` carry `tag` (`key:value`). */
export function hasTag(tags: Readonly<Record<string, string>>, tag: string): boolean {
  const colon = tag.indexOf(':');
  if (colon <= 0) return false;
  return tags[tag.slice(0, colon)] === tag.slice(colon + 1);
}

function rank(key: string): number {
  const i = ESSENTIAL.indexOf(key);
  return i === -1 ? ESSENTIAL.length : i;
}

function render(tags: Readonly<Record<string, string>>, keys: readonly string[]): string {
  return PREFIX + keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(tags[k] ?? '')}`).join('|');
}
