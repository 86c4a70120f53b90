/**
 * Turns a zod failure into `CONFIG_INVALID` naming the field, e.g.
 * `scaling.maxNodes: must be >= minNodes`.
 */
import type { z } from 'zod';
import { ComputeError } from '../errors.js';
import { formatIssues } from './validator.js';

/**
 * Parse `value` with `schema` or throw `CONFIG_INVALID` synchronously.
 * @param where what is being configured, for the message (`workload "embed"`).
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const message = formatIssues(
    result.error.issues.map((i) => ({ message: i.message, path: i.path as readonly PropertyKey[] })),
  );
  throw new ComputeError('CONFIG_INVALID', `${where}: ${message}`, {
    details: { paths: result.error.issues.map((i) => i.path.join('.')) },
  });
}
