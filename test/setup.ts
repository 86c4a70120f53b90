/**
 * Test-wide setup. On CI, fast-check runs with a fixed seed so that a submission's
 * result does not depend on the draw; locally every run explores new cases (and a
 * failure prints its seed for replay).
 */
import fc from 'fast-check';

if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
