/**
 * Workload `input` / `output` validators. Any Standard Schema (zod 3.24+, zod 4,
 * valibot, arktype) or any object with a zod-style `safeParse` is accepted, so
 * the app's own zod copy works even when it differs from ours.
 */
import { z } from 'zod';

/** A validator the SDK can run on task inputs and outputs. */
export type Validator =
  | { readonly '~standard': { validate(value: unknown): unknown } }
  | { safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown } };

/** Accepts anything usable as a {@link Validator}. */
export const ValidatorSchema = z.custom<Validator>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    (typeof (v as { safeParse?: unknown }).safeParse === 'function' ||
      typeof (v as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function'),
  { message: 'must be a zod schema (or any Standard Schema validator)' },
);

/** Outcome of one validation (`cause`: what a validator that threw threw). */
export type ValidationResult = { ok: true; value: unknown } | { ok: false; message: string; cause?: unknown };

/**
 * Validate synchronously. Async Standard Schema validators are refused with a clear
 * message because validation happens before queueing, in the caller's turn. A
 * validator that throws (a refinement with a bug, a getter on the input that throws)
 * is a failed validation carrying what it threw, never an exception out of `run()`.
 */
export function validate(validator: Validator, value: unknown): ValidationResult {
  try {
    return validateOrThrow(validator, value);
  } catch (error) {
    const what = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : typeof error;
    return { ok: false, message: `the validator threw ${what}`, cause: error };
  }
}

function validateOrThrow(validator: Validator, value: unknown): ValidationResult {
  if ('safeParse' in validator && typeof validator.safeParse === 'function') {
    const r = validator.safeParse(value);
    return r.success ? { ok: true, value: r.data } : { ok: false, message: describeIssues(r.error) };
  }
  const std = (validator as { '~standard': { validate(value: unknown): unknown } })['~standard'];
  const r = std.validate(value) as { value?: unknown; issues?: readonly StandardIssue[] } | Promise<unknown>;
  if (r instanceof Promise) {
    // Nobody awaits it: a rejection must not become an unhandled one.
    r.catch(() => undefined);
    return { ok: false, message: 'async validators are not supported' };
  }
  return r.issues ? { ok: false, message: formatIssues(r.issues) } : { ok: true, value: r.value };
}

interface StandardIssue {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[];
}

function describeIssues(error: unknown): string {
  const issues = (error as { issues?: readonly StandardIssue[] } | undefined)?.issues;
  return issues ? formatIssues(issues) : String(error);
}

/** `a.b: message; c: message` from schema issues. */
export function formatIssues(issues: readonly StandardIssue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
