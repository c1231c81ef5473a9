/**
 * Parameter counts the way Ollama reports them: the sum of every tensor's element count, shown as "8.0B" or
 * "109.53M" (ollama format.HumanNumber).
 * @module
 */

/** The element count of every tensor in the file, summed (what Ollama stores as `general.parameter_count`). */
export function parameterCount(
  file: { readonly tensors: ReadonlyArray<{ readonly shape: readonly number[] }> },
): number {
  let total = 0;
  for (const tensor of file.tensors) {
    let elements = 1;
    for (const dim of tensor.shape) elements *= dim;
    total += elements;
  }
  return total;
}

/**
 * Ollama's human form of a count: whole numbers lose their decimals ("8B", "500M"); otherwise billions keep one
 * decimal ("8.0B" for 8.03e9) and millions two ("109.53M"); thousands are rounded ("12K"); smaller counts print as is.
 */
export function parameterSize(
  count: number | bigint | { readonly tensors: ReadonlyArray<{ readonly shape: readonly number[] }> },
): string {
  const n = typeof count === "object" ? parameterCount(count) : Number(count);
  if (n >= 1e9) return scaled(n / 1e9, 1, "B");
  if (n >= 1e6) return scaled(n / 1e6, 2, "M");
  if (n >= 1e3) return `${goFixed(n / 1e3, 0)}K`;
  return String(Math.trunc(n));
}

function scaled(value: number, decimals: number, suffix: string): string {
  return `${Number.isInteger(value) ? goFixed(value, 0) : goFixed(value, decimals)}${suffix}`;
}

// Go's %.Nf rounds the exact binary value, breaking an exact tie to even; toFixed rounds the exact value too but
// breaks a tie upwards. A tie is exact only for a dyadic fraction such as 12.5 or 1.125, and 20 decimals of the
// exact value are enough to see one for the magnitudes used here (below 1000).
function goFixed(value: number, decimals: number): string {
  const rounded = value.toFixed(decimals);
  const exact = value.toFixed(20);
  const dot = exact.indexOf(".");
  if (exact.slice(dot + 1 + decimals) !== "5".padEnd(20 - decimals, "0")) return rounded;
  const truncated = exact.slice(0, decimals ? dot + 1 + decimals : dot);
  return Number(truncated.at(-1)) % 2 === 0 ? truncated : rounded;
}
