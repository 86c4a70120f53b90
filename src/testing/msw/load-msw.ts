/**
 * msw is an optional peer dependency: it is loaded here, on first use of the msw
 * parts of `adaptive-compute/testing`, never when the package (or the rest of
 * `/testing`) is imported. A dynamic `import()` stays lazy in the ESM build and
 * becomes a deferred `require()` in the CommonJS one.
 */
import { ComputeError } from '../../errors.js';

/** The msw module. */
export type Msw = typeof import('msw');

let loading: Promise<Msw> | undefined;

/** Load msw once; rejects with `CONFIG_INVALID` saying how to install it when it is missing. */
export function loadMsw(): Promise<Msw> {
  loading ??= import('msw').catch((error: unknown) => {
    loading = undefined;
    const code = (error as { code?: unknown } | null)?.code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new ComputeError(
      'CONFIG_INVALID',
      missing
        ? 'adaptive-compute/testing: marketplaceHandlers() and handlersDispatcher() need msw 2 (an optional peer dependency): npm install --save-dev msw'
        : `adaptive-compute/testing: msw could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  return loading;
}
