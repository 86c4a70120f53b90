/**
 * Read any supported trace into a replayable {@link Trace}: pick the reader (given
 * or detected), stream the file, sort and re-base the arrivals.
 */
import { basename } from 'node:path';
import { readAlibabaLora } from './alibaba-lora.js';
import { readAzure } from './azure.js';
import { TraceBuilder } from './builder.js';
import { detectFormat } from './detect.js';
import { readGeneric } from './generic.js';
import { readMooncake } from './mooncake.js';
import { readServeGen } from './servegen.js';
import { traceError, type ServiceModel, type ServiceSource, type Trace, type TraceFormat } from './types.js';

export { TRACE_FORMATS, type Trace, type TraceFormat, type ServiceModel, type ServiceSource } from './types.js';

/** Options of {@link readTrace}. */
export interface ReadTraceOptions {
  /** Reader to use; detected from the file when omitted. */
  format?: TraceFormat | undefined;
  /** How service times are derived from token counts, or assumed. */
  service: ServiceModel;
  /** Seed for formats whose arrivals are generated (ServeGen). */
  seed: number;
}

/** Read `path` as a trace. Throws `TRACE_INVALID` (naming file and line) on any problem. */
export async function readTrace(path: string, options: ReadTraceOptions): Promise<Trace> {
  const format = options.format ?? (await detectFormat(path));
  const builder = new TraceBuilder();
  let source: ServiceSource;
  switch (format) {
    case 'generic':
      source = await readGeneric(path, builder, options.service);
      break;
    case 'azure':
      source = await readAzure(path, builder, options.service);
      break;
    case 'mooncake':
      source = await readMooncake(path, builder, options.service);
      break;
    case 'alibaba-lora':
      source = await readAlibabaLora(path, builder);
      break;
    case 'servegen':
      source = await readServeGen(path, builder, options.service, options.seed);
      break;
  }
  if (builder.count === 0) throw traceError(path, 'no request in the trace');
  return builder.build({ name: basename(path.replace(/[\\/]+$/, '')), path, format, serviceSource: source });
}
