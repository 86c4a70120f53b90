/**
 * Vast.ai takes a container's env and ports as one string in docker-run syntax:
 * `-e KEY=VALUE -p 8000:8000`. Each entry is limited to 256 characters and the
 * whole to 32768 (create_instance.yaml, x-input-validation). Values are not quoted,
 * so a value with whitespace or quotes cannot be passed: refused, naming the key
 * (never the value, which may be a secret).
 */
import { ComputeError } from '../../errors.js';

/** Documented limits. */
export const VAST_ENV_ENTRY_MAX = 256;
export const VAST_ENV_TOTAL_MAX = 32_768;

/** Build the env string; rejects with `MARKET_REJECTED` naming the key that cannot be passed. */
export function vastEnvString(env: Readonly<Record<string, string>>, nodePort: number): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw refuse(key, 'is not a valid environment variable name');
    if (/[\s"'\\`$]/.test(value)) throw refuse(key, 'has a value with whitespace, quotes, `\\`, `$` or a backtick, which Vast.ai\'s env string cannot carry');
    const entry = `${key}=${value}`;
    if (entry.length > VAST_ENV_ENTRY_MAX) throw refuse(key, `is longer than Vast.ai's ${VAST_ENV_ENTRY_MAX} characters per entry`);
    parts.push(`-e ${entry}`);
  }
  parts.push(`-p ${nodePort}:${nodePort}`);
  const text = parts.join(' ');
  if (text.length > VAST_ENV_TOTAL_MAX) throw new ComputeError('MARKET_REJECTED', `env: longer than Vast.ai's ${VAST_ENV_TOTAL_MAX} characters in all`, { retryable: false, details: { path: 'env' } });
  return text;
}

function refuse(key: string, why: string): ComputeError {
  return new ComputeError('MARKET_REJECTED', `env.${key}: ${why}`, { retryable: false, details: { path: `env.${key}` } });
}
