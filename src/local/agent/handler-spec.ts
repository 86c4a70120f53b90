/**
 * Which task handler a node agent runs. The local marketplace reads it from the
 * lease's `image`, so a workload picks its emulated model the way it would pick a
 * container image on a real marketplace:
 *
 * - `echo`, `sleep`, `tokens` (or `builtin:<name>`): a built-in handler;
 * - a path ending in `.mjs`, `.js` or `.cjs`, or a `file:` URL: the user's handler
 *   module (relative paths resolve against the marketplace's working directory);
 * - anything else (`ghcr.io/acme/embedder:1.4`): the marketplace's default handler,
 *   so that a config written for a real marketplace runs here unchanged.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Names of the built-in handlers. */
export const BUILTIN_HANDLERS = ['echo', 'sleep', 'tokens'] as const;
/** One of {@link BUILTIN_HANDLERS}. */
export type BuiltinHandlerName = (typeof BUILTIN_HANDLERS)[number];

/** A resolved handler choice. */
export type HandlerSpec = { kind: 'builtin'; name: BuiltinHandlerName } | { kind: 'module'; path: string };

/** A built-in name, with or without the `builtin:` prefix. */
export function builtinName(text: string): BuiltinHandlerName | undefined {
  const name = text.startsWith('builtin:') ? text.slice('builtin:'.length) : text;
  return (BUILTIN_HANDLERS as readonly string[]).includes(name) ? (name as BuiltinHandlerName) : undefined;
}

/** Whether `text` names a handler module rather than a built-in or an image. */
export function isModuleReference(text: string): boolean {
  return text.startsWith('file:') || /\.(m|c)?js$/.test(text);
}

/**
 * Resolve a handler reference (`--handler` of the agent, or a lease image).
 * @returns undefined when `text` is neither a built-in nor a module reference.
 */
export function parseHandlerSpec(text: string, cwd: string): HandlerSpec | undefined {
  const name = builtinName(text);
  if (name !== undefined) return { kind: 'builtin', name };
  if (!isModuleReference(text)) return undefined;
  const path = text.startsWith('file:') ? fileURLToPath(text) : isAbsolute(text) ? text : resolve(cwd, text);
  return { kind: 'module', path };
}

/** The handler a lease with this image runs; `fallback` for images that name none. */
export function handlerForImage(image: string, fallback: string, cwd: string): string {
  const spec = parseHandlerSpec(image, cwd);
  if (spec === undefined) return fallback;
  return spec.kind === 'builtin' ? spec.name : spec.path;
}
