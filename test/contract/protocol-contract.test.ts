/**
 * One protocol-v1 scenario, three implementations: the msw handlers of
 * `adaptive-compute/testing`, the loopback fake marketplace, and the embedded local
 * marketplace with real agent processes. If they disagree, one of them drifted
 * from the shared schemas and core.
 */
import { protocolContract } from './scenario.js';
import { fakeTarget, localTarget, mswTarget } from './targets.js';

protocolContract('msw handlers (through their undici dispatcher)', mswTarget);
protocolContract('fake marketplace (loopback)', fakeTarget);
protocolContract('embedded local marketplace (agent processes)', localTarget);
