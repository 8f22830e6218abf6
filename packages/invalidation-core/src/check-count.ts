import { ConfigurationError } from "./errors.js";

/**
 * A count given as a number (a budget, a limit, a number of attempts): whole and at least 1.
 *
 * @example checkCount(0, "limits.maxWildcardPaths") // throws: limits.maxWildcardPaths must be a whole number of at least 1, got 0
 */
export function checkCount(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return value;
}
