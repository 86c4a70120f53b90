/**
 * Long-lived abort signals that every call in flight listens to.
 */
import { setMaxListeners } from 'node:events';

/**
 * Lift Node's listener warning (10 by default) on a controller's signal: one that every
 * call in flight listens to, and whose listeners are removed as each call settles, has as
 * many as there are calls at once, which is not a leak.
 */
export function unlimitedListeners(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
