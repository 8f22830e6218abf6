import { ConfigurationError } from "./errors.js";
import { normalizeS3Prefix } from "./s3-location.js";

/** CloudFront's default-free-tier-friendly path budget: see README "Choosing max-paths". */
export const DEFAULT_MAX_PATHS = 30;
export const DEFAULT_INDEX_DOCUMENT = "index.html";

/**
 * Longest invalidation path accepted, in characters after encoding. CloudFront documents 4,000
 * (unsure: kept as one constant so it is easy to change). An S3 key is at most 1,024 bytes, so
 * an encoded key (at most 3 characters a byte, plus `/`) always fits.
 */
export const MAX_INVALIDATION_PATH_LENGTH = 4000;

/** How many skipped keys a warning names before it only counts the rest. */
export const MAX_NAMED_KEYS = 10;

export interface KeyMappingOptions {
  /** Key prefix that the distribution's origin path points at (`site` or `site/`); stripped. */
  readonly s3Prefix?: string;
  /** Index document; `""` or `null` turns directory forms off. Default `index.html`. */
  readonly indexDocument?: string | null;
}

export interface MappedPaths {
  /** Encoded invalidation paths, unique, in first-seen order. */
  readonly paths: readonly string[];
  readonly warnings: readonly string[];
}

// ASCII characters that are percent-encoded in a path made from a key: controls, DEL, the
// characters RFC 1738 calls unsafe (space " < > # % { } | \ ^ ~ [ ] `) and `?` (else it starts a
// query string). Every other ASCII character is left as it is: CloudFront matches the path as
// the viewer sends it, and browsers send `'`, `+`, `!`, `$`, `&`, `(`, `)`, `,`, `;`, `=`, `:`,
// `@` and `*` unencoded.
const KEY_ENCODED = new Uint8Array(128);
for (let code = 0; code < 0x20; code++) KEY_ENCODED[code] = 1;
for (const char of ' "<>#%{}|\\^~[]`?\x7f') KEY_ENCODED[char.charCodeAt(0)] = 1;

// For a path a user typed: `%` that starts a valid escape, `?` (a query string, as CloudFront
// allows) and `~` (the user chose the form) are kept; see parseInvalidationPath.
const USER_ENCODED = KEY_ENCODED.slice();
USER_ENCODED["?".charCodeAt(0)] = 0;
USER_ENCODED["~".charCodeAt(0)] = 0;

const HEX = "0123456789ABCDEF";
const pct = (byte: number) => `%${HEX[byte >> 4]}${HEX[byte & 15]}`;

/** Percent-encodes the run of non-ASCII characters that starts at `start` as UTF-8; returns [encoded, end]. */
function encodeNonAscii(text: string, start: number): [string, number] {
  let end = start + 1;
  while (end < text.length && text.charCodeAt(end) >= 128) end++;
  const run = text.slice(start, end);
  try {
    return [encodeURIComponent(run), end];
  } catch {
    // A lone surrogate cannot be UTF-8: encode U+FFFD for it, as TextEncoder would, instead of throwing.
    return [encodeURIComponent(run.replace(/\p{Surrogate}/gu, "\uFFFD")), end];
  }
}

function encode(text: string, table: Uint8Array, keepEscapes: boolean): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      if (table[code] === 0 || (keepEscapes && code === 0x25 && isEscape(text, i))) {
        i++;
        continue;
      }
      out += text.slice(start, i) + pct(code);
      start = ++i;
    } else {
      const [encoded, end] = encodeNonAscii(text, i);
      out += text.slice(start, i) + encoded;
      i = end;
      start = end;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isEscape(text: string, index: number): boolean {
  return isHex(text.charCodeAt(index + 1)) && isHex(text.charCodeAt(index + 2));
}

/**
 * Encodes one S3 key as the CloudFront path that serves it (`my file.html` → `/my%20file.html`).
 *
 * - Adds the leading `/`; percent-encodes (UTF-8) non-ASCII characters, control characters, the
 *   RFC 1738 unsafe characters (space `" < > # % { } | \ ^ ~ [ ] ` and backtick) and `?`; nothing else.
 * - `~` is encoded here (`%7E`, as the CloudFront guide's rule says); since reports disagree,
 *   {@link invalidationPathForms} and {@link keysToPaths} also give the raw `~` form.
 * - A key holding `*` gives the wildcard of its part before the first `*` (`a*b.html` → `/a*`):
 *   CloudFront accepts `*` only as a path's last character, and encoding it (`%2A`) is not the
 *   path viewers request (encode nothing but unsafe characters, or the old object stays cached).
 *   The wildcard covers the object for sure, at the price of the other objects it starts.
 * - A key starting with `#` gives `/%23...`: never a cache-tag item.
 *
 * @example
 * toInvalidationPath("blog/a b#1?.html") // → "/blog/a%20b%231%3F.html"
 */
export function toInvalidationPath(key: string): string {
  return pathOf(encode(key, KEY_ENCODED, false));
}

/**
 * The path of an encoded key: `/` in front, cut after its first `*` (encoding leaves `*` where it
 * is, so the part before it is the encoded part of the key before it). A `*` anywhere else makes
 * CloudFront refuse the batch, and `%2A` would not match the object's cached path.
 */
function pathOf(encoded: string): string {
  const star = encoded.indexOf("*");
  return star === -1 ? `/${encoded}` : `/${encoded.slice(0, star + 1)}`;
}

/**
 * Every path form to invalidate for one key: {@link toInvalidationPath}, plus the same path with
 * `~` left raw when the key has one (CloudFront's guide lists `~` as unsafe, other reports say
 * it must stay raw; sending both costs one path and is right either way).
 */
export function invalidationPathForms(key: string): string[] {
  const encoded = toInvalidationPath(key);
  return key.includes("~") ? [encoded, encoded.replaceAll("%7E", "~")] : [encoded];
}

/**
 * Maps changed keys to invalidation paths: strips the prefix, encodes, adds directory forms.
 *
 * - Keys outside `s3Prefix` (with or without its trailing `/`) are skipped with a warning.
 * - With an index document (default `index.html`), `blog/index.html` gives `/blog/index.html`,
 *   `/blog/` and `/blog`; a root `index.html` gives `/index.html` and `/`.
 * - Keys with `~` give both `~` forms (see {@link invalidationPathForms}).
 * - A key holding `*` gives the wildcard before its first `*` (see {@link toInvalidationPath}), with a warning.
 * - Paths are unique, in first-seen order. Linear in the number of keys.
 *
 * @example
 * keysToPaths(["site/blog/index.html"], { s3Prefix: "site" }).paths // → ["/blog/index.html", "/blog/", "/blog"]
 */
export function keysToPaths(keys: Iterable<string>, options: KeyMappingOptions = {}): MappedPaths {
  const prefix = normalizeS3Prefix(options.s3Prefix ?? "");
  const indexDocument = options.indexDocument === undefined ? DEFAULT_INDEX_DOCUMENT : (options.indexDocument ?? "");
  const indexSuffix = `/${indexDocument}`;
  // The encoded index document as it ends an encoded key: `blog/index.html` is `blog/` plus this.
  const indexTail = encode(indexDocument, KEY_ENCODED, false);
  const distinct = new DistinctPaths();
  const outside: string[] = [];
  let outsideCount = 0;
  const tooLong: string[] = [];
  // The key being mapped, and where its first `~` is (-1: none).
  let relative = "";
  let tilde = -1;
  // The path of the key's first `length` characters, already encoded; `hash` is that of `/` +
  // `encoded`, right unless pathOf had to encode a trailing `*` (rare: then the path is hashed as it
  // came out). A `~` among those characters also gives the raw-`~` form, as invalidationPathForms does.
  const add = (encoded: string, length: number, hash: number) => {
    const path = pathOf(encoded);
    if (path.length > MAX_INVALIDATION_PATH_LENGTH) {
      // Quoted cut short: a multi-megabyte line in a log must not flood the warning.
      if (tooLong.length < MAX_NAMED_KEYS) tooLong.push(show(relative.slice(0, length)));
      return;
    }
    distinct.add(path, path.length === encoded.length + 1 ? hash : hashOf(path, 0));
    if (tilde >= 0 && tilde < length) {
      const raw = path.replaceAll("%7E", "~");
      distinct.add(raw, hashOf(raw, 0));
    }
  };
  const hashes = new Int32Array(2);
  const starred: string[] = [];
  let starredCount = 0;
  for (const key of keys) {
    if (!key.startsWith(prefix)) {
      if (outsideCount++ < MAX_NAMED_KEYS) outside.push(JSON.stringify(key));
      continue;
    }
    relative = prefix === "" ? key : key.slice(prefix.length);
    if (relative.includes("*") && starredCount++ < MAX_NAMED_KEYS) {
      starred.push(`${show(relative)} → ${show(toInvalidationPath(relative))}`);
    }
    const index = indexDocument !== "" && relative.endsWith(indexSuffix);
    // How long the directory forms (`blog/` of `blog/index.html`) are in the key, and in the encoded key.
    const directory = index ? relative.length - indexDocument.length : -1;
    let directoryLength = directory;
    // Most keys need no encoding: one pass over the key checks that and hashes its path. Hashing
    // the key as it is, rather than the concatenated path, spares V8 copying every path flat.
    let encoded = relative;
    let hash = hashPlainKey(relative, directory, hashes);
    tilde = -1;
    if (hash === undefined) {
      encoded = encode(relative, KEY_ENCODED, false);
      tilde = relative.indexOf("~");
      // The directory forms are prefixes of the encoded key (encoding goes character by character,
      // and `/` ends any run it encodes together), so one pass hashes all three.
      if (index) directoryLength = encoded.length - indexTail.length;
      hash = hashOf(encoded, 1, directoryLength, hashes);
    }
    add(encoded, relative.length, hash);
    if (!index) {
      if (relative === indexDocument && indexDocument !== "") distinct.add("/", hashOf("/", 0));
      continue;
    }
    add(encoded.slice(0, directoryLength), directory, hashes[0]!);
    add(encoded.slice(0, directoryLength - 1), directory - 1, hashes[1]!);
  }
  const warnings: string[] = [];
  if (outsideCount > 0) {
    const more = outsideCount > outside.length ? ` and ${outsideCount - outside.length} more` : "";
    warnings.push(
      `skipped ${outsideCount} key(s) outside the prefix ${JSON.stringify(prefix)}: ${outside.join(", ")}${more}. ` +
        "Check the S3 prefix setting: it must be the key prefix the distribution's origin path points at.",
    );
  }
  if (starredCount > 0) {
    const more = starredCount > starred.length ? ` and ${starredCount - starred.length} more` : "";
    warnings.push(
      `${starredCount} key(s) hold "*", which CloudFront reads only as a wildcard at a path's end: each is ` +
        `covered by the wildcard up to its first "*" (${starred.join(", ")}${more}), which may invalidate other objects too.`,
    );
  }
  if (tooLong.length > 0) {
    warnings.push(
      `skipped key(s) whose path is longer than ${MAX_INVALIDATION_PATH_LENGTH} characters (not a valid S3 key): ${tooLong.join(", ")}`,
    );
  }
  return { paths: distinct.paths, warnings };
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * {@link hashOf}(key, 1, cut, out) in the same pass that checks the key needs no encoding (every
 * character ASCII and not in KEY_ENCODED, so its path is `/` + key); undefined if it does.
 */
function hashPlainKey(key: string, cut: number, out: Int32Array): number | undefined {
  let hash = Math.imul(FNV_OFFSET ^ 47, FNV_PRIME);
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 128 || KEY_ENCODED[code] === 1) return undefined;
    if (i === cut - 1) out[1] = hash;
    if (i === cut) out[0] = hash;
    hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  if (cut === key.length) out[0] = hash;
  return hash;
}

/**
 * FNV-1a of a path: `/` then `text` when `slash` is 1, or `text` alone when it is 0. With `cut`, also
 * stores in `out` the hashes of `/` plus text's first `cut` code units (out[0]) and first `cut - 1`
 * (out[1]): a directory's two forms, hashed in the key's own pass.
 */
function hashOf(text: string, slash: 0 | 1, cut = -1, out?: Int32Array): number {
  let hash = FNV_OFFSET;
  if (slash === 1) hash = Math.imul(hash ^ 47, FNV_PRIME);
  for (let i = 0; i < text.length; i++) {
    if (i === cut - 1 && out !== undefined) out[1] = hash;
    if (i === cut && out !== undefined) out[0] = hash;
    hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  }
  if (cut === text.length && out !== undefined) out[0] = hash;
  return hash;
}

/**
 * Distinct paths in first-seen order, in an open-addressing table of the caller's hashes. Cheaper
 * than a Set for the millions of paths of a big sync log: the Set hashes each path on its own
 * (flattening the concatenated string first), where a key's directory forms share its pass.
 */
class DistinctPaths {
  readonly paths: string[] = [];
  /**
   * Slot k is entries[2k] (the path's hash) and entries[2k + 1] (its index in `paths` plus one; 0 is
   * empty): side by side, so a probe reads one cache line, not one in each of two arrays.
   */
  private entries = new Int32Array(2 * 1024);

  add(path: string, hash: number): void {
    const entries = this.entries;
    const mask = (entries.length >> 1) - 1;
    for (let at = mix(hash) & mask; ; at = (at + 1) & mask) {
      const slot = entries[2 * at + 1]!;
      if (slot === 0) {
        this.paths.push(path);
        entries[2 * at] = hash;
        entries[2 * at + 1] = this.paths.length;
        // Kept at most half full, so a probe ends within a few slots.
        if (4 * this.paths.length > entries.length) this.grow();
        return;
      }
      if (entries[2 * at] === hash && this.paths[slot - 1] === path) return;
    }
  }

  private grow(): void {
    const old = this.entries;
    const entries = new Int32Array(2 * old.length);
    const mask = (entries.length >> 1) - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let at = mix(old[k]!) & mask;
      while (entries[2 * at + 1] !== 0) at = (at + 1) & mask;
      entries[2 * at] = old[k]!;
      entries[2 * at + 1] = old[k + 1]!;
    }
    this.entries = entries;
  }
}

/** Spreads FNV's low bits, which a power-of-two table reads alone. */
function mix(hash: number): number {
  return hash ^ (hash >>> 16);
}

/** The value, quoted and cut short, for an error message. */
function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/**
 * Validates and normalizes a path the user gave. Throws ConfigurationError naming the path.
 *
 * - Surrounding whitespace is trimmed; the path must start with `/`, may hold `*` only as its
 *   last character (a wildcard), no control characters, and at most
 *   {@link MAX_INVALIDATION_PATH_LENGTH} characters once encoded.
 * - Unsafe characters and non-ASCII are percent-encoded; valid `%XX` escapes are kept (`%20` is
 *   not encoded again), a lone `%` becomes `%25`.
 * - `?` is kept (CloudFront invalidates a path with its query string) and `~` is kept as written:
 *   the user chooses the form (give both `/a~b` and `/a%7Eb` to be sure).
 *
 * @example
 * parseInvalidationPath(" /docs/my file.html ") // → "/docs/my%20file.html"
 */
export function parseInvalidationPath(input: string): string {
  const path = input.trim();
  const fail = (problem: string, fix: string) => {
    throw new ConfigurationError(`Invalidation path ${show(input)} ${problem}: ${fix}`);
  };
  if (path === "") fail("is empty", 'give a path that starts with "/", such as "/index.html" or "/*"');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const control = /[\x00-\x1f\x7f]/.exec(path);
  if (control) {
    const code = control[0].charCodeAt(0);
    fail(
      `holds a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")} at position ${control.index})`,
      `remove it, or write it percent-encoded (${pct(code)}) if the object's name really holds it`,
    );
  }
  if (/^https?:\/\//i.test(path)) {
    let suggestion = "/";
    try {
      const url = new URL(path);
      suggestion = url.pathname + url.search;
    } catch {
      // keep "/"
    }
    fail("is a URL", `give only its path, such as ${show(suggestion)}`);
  }
  if (path.startsWith("s3://")) {
    fail(
      "is an S3 URI",
      'give the path viewers request from CloudFront, such as "/index.html" (the key without the origin path\'s prefix)',
    );
  }
  if (path.startsWith("#")) {
    fail(
      'starts with "#", which CloudFront reads as a cache tag',
      `to invalidate a file named like that, write ${show(`/%23${path.slice(1)}`)}`,
    );
  }
  if (!path.startsWith("/")) fail('does not start with "/"', `write ${show(`/${path}`)}`);
  const star = path.indexOf("*");
  if (star !== -1 && star !== path.length - 1) {
    fail(
      `has "*" at position ${star}, but CloudFront reads "*" as a wildcard only as the last character`,
      `end the path there (${show(path.slice(0, star + 1))}) to invalidate everything that starts with it (a literal "*" in a name cannot be named otherwise: CloudFront matches the path as viewers send it)`,
    );
  }
  const encoded = encode(path, USER_ENCODED, true);
  if (encoded.length > MAX_INVALIDATION_PATH_LENGTH) {
    fail(
      `is ${encoded.length} characters long once encoded, more than the ${MAX_INVALIDATION_PATH_LENGTH} CloudFront accepts`,
      'shorten it, or invalidate a wildcard path that ends in "*" before the long part',
    );
  }
  return encoded;
}

const DISTRIBUTION_ID = /^[A-Z0-9]{10,20}$/;

/**
 * Whether `value` is already a distribution id, as {@link parseDistributionId} returns it
 * (10 to 20 upper-case letters and digits), so that it needs no look-up.
 *
 * @example isDistributionId("E2QWRUHAPOMQZL") // true; isDistributionId("www.example.com") // false
 */
export function isDistributionId(value: string): boolean {
  return DISTRIBUTION_ID.test(value);
}

const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/([A-Za-z0-9]+)$/;
const FIND_ID =
  'find it in the CloudFront console or with `aws cloudfront list-distributions --query "DistributionList.Items[].[Id,DomainName]"`';

/**
 * Validates a distribution id (`E2QWRUHAPOMQZL`). Throws ConfigurationError naming the value.
 *
 * Surrounding whitespace is trimmed, and the id is taken out of a distribution ARN
 * (`arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL`), which names exactly one
 * distribution. Lower case, domain names (`d111111abcdef8.cloudfront.net`) and other ARNs are
 * refused with a message that says what to give instead.
 */
export function parseDistributionId(input: string): string {
  const value = input.trim();
  const fail = (problem: string, fix: string): never => {
    throw new ConfigurationError(`Distribution id ${show(input)} ${problem}: ${fix}`);
  };
  if (value === "") return fail("is empty", `give the id of the distribution, such as "E2QWRUHAPOMQZL"; ${FIND_ID}`);
  const arn = DISTRIBUTION_ARN.exec(value);
  const id = arn ? arn[1]! : value;
  if (!arn && value.startsWith("arn:")) {
    return fail(
      "is an ARN, but not of a distribution",
      `give the distribution's id, such as "E2QWRUHAPOMQZL"; ${FIND_ID}`,
    );
  }
  if (/cloudfront\.net/i.test(id) || id.includes(".") || id.includes("/")) {
    return fail(
      "looks like a domain name or URL, not an id",
      `give the distribution's id (such as "E2QWRUHAPOMQZL"), not its domain name; ${FIND_ID}`,
    );
  }
  if (DISTRIBUTION_ID.test(id)) return id;
  if (/^[A-Za-z0-9]{10,20}$/.test(id)) {
    return fail("has lower-case letters, but ids are upper case", `did you mean ${show(id.toUpperCase())}?`);
  }
  return fail(
    "is not a CloudFront distribution id (10 to 20 upper-case letters and digits)",
    `give an id such as "E2QWRUHAPOMQZL"; ${FIND_ID}`,
  );
}
