/** Structured JSON-line logging that never writes credentials, whatever a caller hands it. */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` (e.g. the job id) to every line. */
  child(fields: LogFields): Logger;
}

const REDACTED = "[redacted]";

// Keys whose values are secrets wherever they appear: the event's artifactCredentials and the
// parts of any AWS credential. `continuationToken` is ours and holds no secret, so it is kept.
const SECRET_KEY = /credential|secret|password|sessiontoken|accesskey|authorization|^token$/i;

// Values that look like AWS access key ids, in case one ends up inside a message.
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

/** Deep copy of `value` with secret-named keys replaced and access key ids masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[too deep]";
  if (typeof value === "string") return value.replace(ACCESS_KEY_ID, REDACTED);
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { name: value.name, message: value.message };
    const status = (value as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    if (status !== undefined) plain.httpStatusCode = status;
    if (value.cause !== undefined) plain.cause = value.cause;
    return redact(plain, depth + 1);
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1);
    }
    return out;
  }
  return value;
}

export interface JsonLoggerOptions {
  /** Where each line goes. Default: stdout (CloudWatch Logs keeps one event per line). */
  readonly write?: (line: string) => void;
  readonly fields?: LogFields;
  readonly now?: () => number;
}

/** A logger writing one JSON object per line: `{time, level, message, ...fields}`. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const base = options.fields ?? {};
  const log = (level: LogLevel, message: string, fields: LogFields = {}) => {
    const record = redact({ ...base, ...fields }) as Record<string, unknown>;
    write(
      JSON.stringify({ time: new Date(now()).toISOString(), level, message: redact(message), ...record }, (_k, v) =>
        typeof v === "bigint" ? v.toString() : v,
      ),
    );
  };
  return {
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
    child: (fields) => createJsonLogger({ write, now, fields: { ...base, ...fields } }),
  };
}
