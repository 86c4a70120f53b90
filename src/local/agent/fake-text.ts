/**
 * Generated text for the `tokens` handler: `n` plausible-looking words, the same for
 * the same seed and task id, so that a task retried on another node answers alike.
 */
import { hashSeed, seededRandom } from '../random.js';

const WORDS = (
  'the a of to and in is that for it as with on be by this are from or at an ' +
  'model token data node queue budget latency scale lease market price spot burst ' +
  'cluster request answer prompt context batch memory compute result value time ' +
  'fast slow small large new first next each every more less early late ready'
).split(' ');

/** `n` words separated by spaces, deterministic in (`seed`, `key`). */
export function fakeText(seed: number, key: string, n: number): string {
  const random = seededRandom(hashSeed(seed, key));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[random.int(WORDS.length)] ?? 'token');
  return words.join(' ');
}
