import type { FailureKind } from "./errors.js";

/**
 * Words every adapter uses when it tells people what happened, so that the CLI, the action and
 * the Lambda say the same thing the same way.
 */

/** `1 path`, `2 paths`, `3 batches`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : /(ch|sh|s|x|z)$/.test(word) ? "es" : "s"}`;
}

/** How a failure of each kind is headed in logs and summaries. */
export const FAILURE_HEADLINE: Readonly<Record<FailureKind, string>> = {
  configuration: "Configuration error",
  permission: "Permission error",
  transient: "Transient error",
  timeout: "Timeout",
};
