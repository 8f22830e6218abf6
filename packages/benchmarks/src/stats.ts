/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const formatMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
export const formatKB = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
export const formatMB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}x`;
export const formatInt = (n: number): string => n.toLocaleString("en-US");
export const formatPercent = (share: number): string =>
  share === 0 ? "0%" : share < 0.001 ? "<0.1%" : `${(share * 100).toFixed(1)}%`;
