#!/usr/bin/env node
/**
 * `adaptive-compute` command line (built to dist/cli.js, so package.json is one level up). This release ships the SDK; the commands
 * (`demo`, `market`, `agent`, `simulate`) are reserved and land in later releases.
 */
import { readFileSync } from 'node:fs';

const USAGE = `Usage: adaptive-compute <command> [options]

Commands (reserved; not in this release yet):
  demo       run a recorded demand burst on an embedded local marketplace
  market     start the embedded local marketplace
  agent      start a node agent
  simulate   replay a demand trace through the controller and baselines

Options:
  -h, --help     show this help
  -v, --version  print the version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const [first] = process.argv.slice(2);
if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
  process.stdout.write(USAGE);
} else if (first === '-v' || first === '--version') {
  process.stdout.write(`${version()}\n`);
} else if (['demo', 'market', 'agent', 'simulate'].includes(first)) {
  process.stderr.write(`adaptive-compute: "${first}" is not available in this release yet\n`);
  process.exitCode = 2;
} else {
  process.stderr.write(`adaptive-compute: unknown command "${first}" (see --help)\n`);
  process.exitCode = 2;
}
