/**
 * One colour per policy in the simulator's charts: ours always the same blue, each
 * baseline a colour of its own, however many policies a run has (tuned baselines
 * double them): past the palette, hues spread by the golden angle.
 */
import { ADAPTIVE } from '../results.js';

/** Our policy's colour. */
export const OURS = '#1f5fbf';
// Far apart in hue and lightness, and none near our blue: orange, purple, green, red,
// dark grey, pink, teal, brown, olive.
const PALETTE = ['#e67700', '#7a5195', '#2f9e44', '#c92a2a', '#495057', '#d6336c', '#0ca678', '#8d5524', '#82a300'];

/** A distinct colour for each policy name, in order of appearance. */
export function policyColors(policies: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  let next = 0;
  for (const policy of policies) {
    if (colors.has(policy)) continue;
    if (policy === ADAPTIVE) {
      colors.set(policy, OURS);
      continue;
    }
    colors.set(policy, next < PALETTE.length ? PALETTE[next]! : `hsl(${Math.round((next * 137.508) % 360)},55%,40%)`);
    next++;
  }
  return colors;
}
