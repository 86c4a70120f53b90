/**
 * The error a promise rejects with, checked to be an instance of `type`: fails the
 * test when the promise fulfils or rejects with something else.
 */
import { expect } from 'vitest';

/** Await `promise`'s rejection and return it as a `T`. */
export async function rejectionOf<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(type);
  return error as T;
}
