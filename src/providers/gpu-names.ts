/**
 * Providers name GPUs their own way (`NVIDIA GeForce RTX 4090`, `RTX_4090`,
 * `A100 SXM4`); users write `RTX 4090` or `A100`. An offer is reported under the
 * name the user wrote, so the planner's model filter matches it as it is.
 */

// Vendor words that add nothing to a model name.
const NOISE = /\b(nvidia|geforce|tesla|amd|radeon)\b/g;

/** Lower case, `_`/`-` as spaces, vendor words dropped, spaces collapsed. */
export function normalizeGpuName(name: string): string {
  return name.toLowerCase().replace(/[_-]+/g, ' ').replace(NOISE, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The first of `wanted` (as the user wrote it) that the provider's GPU `name`
 * is: the same model, or a variant of it (`A100 SXM4` is an `A100`, `A100 80GB PCIe`
 * too; `RTX A6000` is not an `A6000`... unless the user wrote it so).
 */
export function matchGpuModel(name: string, wanted: readonly string[]): string | undefined {
  const have = normalizeGpuName(name);
  const compact = have.replace(/ /g, '');
  for (const model of wanted) {
    const want = normalizeGpuName(model);
    if (want === '') continue;
    if (have === want || compact === want.replace(/ /g, '') || have.startsWith(`${want} `)) return model;
  }
  return undefined;
}

// Names providers list for a model a user writes short. Only used to widen a
// server-side name filter; matchGpuModel decides what matches.
const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  a100: ['A100 PCIE', 'A100 SXM4', 'A100 SXM', 'A100X'],
  h100: ['H100 PCIE', 'H100 SXM', 'H100 NVL'],
  h200: ['H200', 'H200 NVL'],
  l40: ['L40', 'L40S'],
  a6000: ['RTX A6000'],
  a5000: ['RTX A5000'],
  a4000: ['RTX A4000'],
};

/** The names to ask a provider's name filter for, for the models a user wrote. */
export function gpuNameFilter(wanted: readonly string[]): string[] {
  const names = new Set<string>();
  for (const model of wanted) {
    names.add(model);
    for (const variant of VARIANTS[normalizeGpuName(model).replace(/ /g, '')] ?? []) names.add(variant);
  }
  return [...names];
}
