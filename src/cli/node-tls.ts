/**
 * `adaptive-compute node-tls <dir>`: write the node's TLS key and self-signed
 * certificate (PEM) from `ADAPTIVE_COMPUTE_TLS_KEY`, for a server other than the
 * agent to serve with (vLLM's `--ssl-keyfile` / `--ssl-certfile`): the SDK pins the
 * key it generated for the lease, so that server is reached over pinned TLS too.
 */
import type { Command } from 'commander';
import { action, UsageError } from './command.js';
import type { CliCommand } from './command.js';

/** The `node-tls` command. */
export const nodeTlsCommand: CliCommand = {
  name: 'node-tls',
  register(program: Command): void {
    program
      .command('node-tls')
      .description('write key.pem and cert.pem for the lease TLS key in ADAPTIVE_COMPUTE_TLS_KEY (for servers other than the agent)')
      .argument('<dir>', 'directory to write key.pem and cert.pem into (created if missing)')
      .addHelpText('after', '\nExit codes: 0 written, 1 failed, 2 no or bad ADAPTIVE_COMPUTE_TLS_KEY.')
      .action(
        action(async (dir: string) => {
          const [{ mkdirSync, writeFileSync }, { join }, { agentSettingsFromEnv }] = await Promise.all([import('node:fs'), import('node:path'), import('./agent-env.js')]);
          const tls = agentSettingsFromEnv({}, process.env).tls;
          if (!tls) throw new UsageError('set ADAPTIVE_COMPUTE_TLS_KEY (or ADAPTIVE_COMPUTE_TLS_CERT_FILE and ADAPTIVE_COMPUTE_TLS_KEY_FILE)');
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          writeFileSync(join(dir, 'key.pem'), tls.key, { mode: 0o600 });
          writeFileSync(join(dir, 'cert.pem'), tls.cert, { mode: 0o644 });
          return 0;
        }),
      );
  },
};
