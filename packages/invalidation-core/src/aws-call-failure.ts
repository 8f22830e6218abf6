import { classifyError, errorName, type InvalidationError, PermissionError } from "./errors.js";

/**
 * Classifies a failed read of the distribution (or tenant) like `classifyError`, but with a
 * permission hint that names the action this call needs: the generic AccessDenied hint speaks of
 * CreateInvalidation, which would send the user to fix the wrong statement.
 */
export function callFailure(error: unknown, context: string, permissionHint: string): InvalidationError {
  const classified = classifyError(error, context);
  if (classified.kind !== "permission" || classified.cause !== error) return classified;
  const name = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  const shown = name && !detail.startsWith(name) ? `${name}: ${detail}` : detail;
  return new PermissionError(`${context} failed: ${shown} (${permissionHint})`, { cause: error });
}
