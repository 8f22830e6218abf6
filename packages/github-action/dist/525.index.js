export const id = 525;
export const ids = [525];
export const modules = {

/***/ 3525:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  loadChanges: () => (/* binding */ loadChanges),
  parseSavedDiff: () => (/* binding */ parseSavedDiff),
  runDiffStep: () => (/* binding */ runDiffStep)
});

// UNUSED EXPORTS: INLINE_STATE_CHARS, STATE, changeListWithExtraPaths

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ../invalidation-core/dist/index.js + 12 modules
var dist = __webpack_require__(43);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@aws-sdk+client-s3@3.1138.0/node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(9761);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ../invalidation-core/dist/errors.js
var errors = __webpack_require__(3818);
;// CONCATENATED MODULE: ../invalidation-core/dist/content-diff-etag.js



const MIB = 1024 * 1024;
/** The AWS CLI's transfer defaults (`multipart_threshold`, `multipart_chunksize` in `~/.aws/config`). */
const AWS_CLI_MULTIPART_DEFAULTS = {
    thresholdBytes: 8 * MIB,
    partSizeBytes: 8 * MIB,
};
/** S3's multipart limits, as the AWS CLI (s3transfer `ChunksizeAdjuster`) applies them. */
const S3_MULTIPART_LIMITS = {
    maxParts: 10_000,
    minPartSizeBytes: 5 * MIB,
    maxPartSizeBytes: 5 * 1024 * MIB,
};
/**
 * The part size the AWS CLI really uses for a file of `fileSize` bytes when `multipart_chunksize`
 * is `configuredPartSize`. Replicates s3transfer's `ChunksizeAdjuster`: the size is doubled until
 * the file fits in 10,000 parts, then clamped to [5 MiB, 5 GiB].
 *
 * @example
 * awsCliPartSize(100 * 1024 ** 3) // → 16 MiB (8 MiB would need 12,800 parts)
 * awsCliPartSize(20 * 1024 ** 2, 1024 ** 2) // → 5 MiB (raised to S3's minimum)
 */
function awsCliPartSize(fileSize, configuredPartSize = AWS_CLI_MULTIPART_DEFAULTS.partSizeBytes) {
    requireByteCount(configuredPartSize, "partSizeBytes", 1);
    let partSize = configuredPartSize;
    while (Math.ceil(fileSize / partSize) > S3_MULTIPART_LIMITS.maxParts)
        partSize *= 2;
    return Math.min(S3_MULTIPART_LIMITS.maxPartSizeBytes, Math.max(S3_MULTIPART_LIMITS.minPartSizeBytes, partSize));
}
/**
 * Reads an ETag as S3 returns it (`"9b2cf535f27731c974343645a3985328"`, quotes included, or a
 * multipart `"…-3"`), lower-cased and without quotes.
 */
function parseStoredEtag(raw) {
    const etag = (raw ?? "")
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1")
        .toLowerCase();
    if (/^[0-9a-f]{32}$/.test(etag))
        return { kind: "single", etag };
    const multipart = /^[0-9a-f]{32}-([1-9][0-9]{0,4})$/.exec(etag);
    const parts = Number(multipart?.[1]);
    if (multipart && parts <= S3_MULTIPART_LIMITS.maxParts)
        return { kind: "multipart", etag, parts };
    return { kind: "opaque", etag };
}
/**
 * The ETag S3 gives an unencrypted (or SSE-S3) object with this file's content: the hex MD5, or,
 * with `partSize`, `md5(md5(part 1) ‖ … ‖ md5(part N))-N`. Reads the file in chunks: memory stays
 * at one read buffer (1 MiB at most) whatever the file's size.
 */
async function localEtag(path, options = {}) {
    const partSize = options.partSize;
    if (partSize !== undefined)
        requireByteCount(partSize, "partSize", 1);
    const file = await (0,promises_.open)(path, "r");
    try {
        // One buffer per file, no bigger than the file: most site files are tiny, and a stream would
        // allocate a full read buffer for each of them.
        const { size } = await file.stat();
        const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(options.readChunkBytes ?? MIB, size)));
        const whole = (0,external_node_crypto_.createHash)("md5");
        const partDigests = [];
        let part = (0,external_node_crypto_.createHash)("md5");
        let inPart = 0;
        for (;;) {
            const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
            if (bytesRead === 0)
                break;
            let data = buffer.subarray(0, bytesRead);
            if (partSize === undefined) {
                whole.update(data);
                continue;
            }
            while (data.length > 0) {
                const take = Math.min(partSize - inPart, data.length);
                part.update(data.subarray(0, take));
                inPart += take;
                data = data.subarray(take);
                if (inPart === partSize) {
                    partDigests.push(part.digest());
                    part = (0,external_node_crypto_.createHash)("md5");
                    inPart = 0;
                }
            }
        }
        if (partSize === undefined)
            return whole.digest("hex");
        // A last, shorter part; an empty file still makes one (empty) part, as a multipart upload of it would.
        if (inPart > 0 || partDigests.length === 0)
            partDigests.push(part.digest());
        const combined = (0,external_node_crypto_.createHash)("md5");
        for (const digest of partDigests)
            combined.update(digest);
        return `${combined.digest("hex")}-${partDigests.length}`;
    }
    finally {
        await file.close();
    }
}
function requireByteCount(value, name, minimum) {
    if (!Number.isSafeInteger(value) || value < minimum) {
        throw new errors/* ConfigurationError */.j1(`${name} must be a whole number of bytes, at least ${minimum}, got ${JSON.stringify(value)}`);
    }
    return value;
}

// EXTERNAL MODULE: ../invalidation-core/dist/s3-location.js
var s3_location = __webpack_require__(3411);
// EXTERNAL MODULE: ../invalidation-core/dist/sync-log.js
var sync_log = __webpack_require__(5741);
;// CONCATENATED MODULE: ../invalidation-core/dist/content-diff.js









// Reading small files waits on the disk more than on the CPU (MD5 itself runs on the main thread):
// more files in flight than cores pays off.
/** Hashing runs at most this many files at once unless told otherwise. */
const DEFAULT_HASH_CONCURRENCY = 8;
// Stat calls are cheap and mostly wait on the disk: a wider bound than hashing.
const STAT_CONCURRENCY = 64;
/**
 * An S3 client for `diffSiteAgainstBucket`. Follows region redirects, so a bucket in another
 * region than the credentials' default still lists. Endpoint and credentials come from the
 * environment, as for every SDK client.
 */
function createS3Client(options = {}, env = process.env) {
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
    const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
    return new dist_cjs/* S3Client */.YxF({
        region,
        followRegionRedirects: true,
        forcePathStyle: options.forcePathStyle ?? customEndpoint,
        retryMode: "standard",
    });
}
/**
 * Computes, by content, which keys a sync of `siteDirectory` to `s3://bucket/prefix` changes: new
 * files, files whose content differs from the object (local MD5 or multipart MD5 against the
 * ETag), and objects gone from the folder. A fresh build with new modification times but the same
 * content yields no change, unlike the sync's own log.
 *
 * Lists the bucket with ListObjectsV2 (needs `s3:ListBucket` only) and hashes, in chunks of at
 * most 1 MiB and at most `concurrency` files at once, only the files whose object has the same
 * size: a size difference proves a change without reading the file.
 *
 * @example
 * const report = await diffSiteAgainstBucket({ s3: createS3Client(), siteDirectory: "public", bucket: "my-site", prefix: "www" });
 * const changes = formatChangeList(report); // feeds buildPlan({ changes, s3Prefix: "www" })
 */
async function diffSiteAgainstBucket(options) {
    const partSizeBytes = requireByteCount(options.partSizeBytes ?? AWS_CLI_MULTIPART_DEFAULTS.partSizeBytes, "partSizeBytes", 1);
    const thresholdBytes = requireByteCount(options.multipartThresholdBytes ?? AWS_CLI_MULTIPART_DEFAULTS.thresholdBytes, "multipartThresholdBytes", 0);
    const concurrency = options.concurrency ?? DEFAULT_HASH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new errors/* ConfigurationError */.j1(`concurrency must be a whole number of at least 1, got ${JSON.stringify(concurrency)}`);
    }
    // An access point ARN may stand for the bucket (it holds a `/`); a bucket name may not.
    if (options.bucket.trim() === "" || (options.bucket.includes("/") && !options.bucket.startsWith("arn:"))) {
        throw new errors/* ConfigurationError */.j1(`bucket must be a bucket name without "/" (the prefix goes in prefix), got ${JSON.stringify(options.bucket)}`);
    }
    const prefix = (0,s3_location/* normalizeS3Prefix */.Im)(options.prefix ?? "");
    const warnings = [];
    // A wrong folder is a configuration error: say so before any request.
    await requireDirectory(options.siteDirectory);
    const [local, remote] = await Promise.all([
        listLocalFiles(options.siteDirectory, options.followSymlinks ?? true, warnings),
        listObjects(options.s3, options.bucket, prefix),
    ]);
    const added = [];
    const modified = [];
    const toHash = [];
    for (const [relativeKey, file] of local) {
        const key = prefix + relativeKey;
        const object = remote.get(key);
        if (object === undefined)
            added.push(key);
        else if (object.size !== file.size)
            modified.push(key);
        else
            toHash.push({ key, file, object });
    }
    const deleted = [];
    let remoteOnly = 0;
    for (const key of remote.keys()) {
        if (local.has(key.slice(prefix.length)))
            continue;
        remoteOnly += 1;
        if (options.includeDeletions ?? true)
            deleted.push(key);
    }
    const verdicts = await mapWithConcurrency(toHash, concurrency, ({ key, file, object }) => compareContent(key, file, object, { partSizeBytes, thresholdBytes }));
    const unverifiable = verdicts.filter((verdict) => verdict !== "unchanged");
    const unchanged = verdicts.length - unverifiable.length;
    const possiblyEncrypted = unverifiable.filter((u) => u.reason === "same-size-etag-mismatch").length;
    if (possiblyEncrypted > 0)
        warnings.push(encryptionNote(possiblyEncrypted, unchanged));
    const byKey = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    return {
        bucket: options.bucket,
        prefix,
        added: added.sort(byKey),
        modified: modified.sort(byKey),
        deleted: deleted.sort(byKey),
        unverifiable: unverifiable.sort((a, b) => byKey(a.key, b.key)),
        unchanged,
        possiblyEncrypted,
        remoteOnly,
        localFiles: local.size,
        remoteObjects: remote.size,
        hashedFiles: toHash.length,
        hashedBytes: toHash.reduce((sum, { file }) => sum + file.size, 0),
        warnings,
    };
}
/**
 * Every key the report counts as changed (added, modified, unverifiable, deleted), sorted and
 * unique: what to invalidate.
 */
function changedKeys(report) {
    const keys = new Set([
        ...report.added,
        ...report.modified,
        ...report.unverifiable.map((u) => u.key),
        ...report.deleted,
    ]);
    return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
/**
 * The change list for `--changes FILE` / `buildPlan({ changes })`: the plain-list format that core
 * `parseChanges` reads, one full key a line, sorted. A key gets a leading `/` (which parseChanges
 * drops) only where it would otherwise be misread: it starts with `/` or a space, or reads as an
 * AWS CLI log line or an `s3://` URI. Empty string when nothing changed.
 *
 * Throws ConfigurationError naming the key for a key that no line can express: one holding a
 * line break, or ending in white space (parseChanges trims lines). Invalidate such a key another
 * way (an explicit path, or `/*`); `changedKeys` still lists it.
 *
 * @example
 * formatChangeList(["www/a b.html", "/odd"]) // → "www/a b.html\n//odd\n"
 */
function formatChangeList(reportOrKeys) {
    const keys = isKeyList(reportOrKeys) ? reportOrKeys : changedKeys(reportOrKeys);
    const lines = keys.map(changeListLine);
    const text = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
    // Lines are checked one by one; the whole text must read back the same too (no line may turn
    // the text into a log for the parser).
    const read = (0,sync_log/* parseChanges */.pS)(text).objects.map((object) => object.key);
    if (read.length !== keys.length || read.some((key, index) => key !== keys[index])) {
        throw new errors/* ConfigurationError */.j1("the change list does not read back as the same keys; pass the keys another way (this is a bug: please report it)");
    }
    return text;
}
/**
 * Splits changed keys into the change list that `parseChanges` reads back exactly and the keys that
 * no line can hold, so that a caller can cover those another way (explicit paths, a wildcard)
 * instead of losing them. Pure.
 */
function splitChangeList(keys) {
    const listed = [];
    const unlisted = [];
    for (const key of keys) {
        try {
            changeListLine(key);
            listed.push(key);
        }
        catch (error) {
            if (!(error instanceof errors/* ConfigurationError */.j1))
                throw error;
            unlisted.push(key);
        }
    }
    return { text: formatChangeList(listed), unlisted };
}
function changeListLine(key) {
    const readsAs = (line) => {
        const parsed = (0,sync_log/* parseChanges */.pS)(line);
        const only = parsed.objects[0];
        return (parsed.objects.length === 1 && parsed.warnings.length === 0 && only?.bucket === undefined && only?.key === key);
    };
    if (!/[\r\n]/.test(key)) {
        if (!key.startsWith("/") && readsAs(key))
            return key;
        if (readsAs(`/${key}`))
            return `/${key}`;
    }
    throw new errors/* ConfigurationError */.j1(`the key ${JSON.stringify(key)} cannot be written in a one-key-a-line change list (it holds a line break or ends in white space); invalidate it another way (an explicit path, or /*)`);
}
function isKeyList(value) {
    return Array.isArray(value);
}
async function compareContent(key, file, object, config) {
    const stored = parseStoredEtag(object.etag);
    if (stored.kind === "opaque") {
        return {
            key,
            reason: "no-content-hash",
            storedEtag: stored.etag,
            detail: `the ETag ${JSON.stringify(stored.etag)} is not an MD5 form, so the content cannot be compared`,
        };
    }
    let hash;
    if (stored.kind === "single") {
        hash = await hashOrExplain(file.path, {});
    }
    else {
        const partSize = awsCliPartSize(file.size, config.partSizeBytes);
        const parts = Math.ceil(file.size / partSize);
        if (parts !== stored.parts) {
            const cliForm = file.size >= config.thresholdBytes
                ? `the AWS CLI with a ${formatBytes(config.partSizeBytes)} part size makes ${parts} part${parts === 1 ? "" : "s"}`
                : `the AWS CLI uploads a file under the ${formatBytes(config.thresholdBytes)} threshold in one part`;
            return {
                key,
                reason: "part-count-mismatch",
                storedEtag: stored.etag,
                detail: `stored as ${stored.parts} parts but ${cliForm}: it was uploaded with another part size (set partSizeBytes to the multipart_chunksize in use)`,
            };
        }
        hash = await hashOrExplain(file.path, { partSize });
    }
    if (hash === stored.etag)
        return "unchanged";
    return {
        key,
        reason: "same-size-etag-mismatch",
        storedEtag: stored.etag,
        localEtag: hash,
        detail: "same size but the ETag is not the local file's hash: edited with its size kept, or encrypted with SSE-KMS/SSE-C (whose ETags are not MD5s)",
    };
}
async function hashOrExplain(path, options) {
    try {
        return await localEtag(path, options);
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`cannot read ${JSON.stringify(path)} to hash it: ${error.message} (the sync would fail on it too)`, { cause: error });
    }
}
function encryptionNote(possiblyEncrypted, unchanged) {
    const count = `${possiblyEncrypted} object${possiblyEncrypted === 1 ? "" : "s"} of the same size as the local file`;
    if (unchanged === 0) {
        return `${count} and none with a matching ETag: the objects are probably encrypted with SSE-KMS or SSE-C, whose ETags are not MD5s, so content cannot be compared; they all count as changed`;
    }
    return `${count} have another ETag: edits that kept the size, or objects encrypted with SSE-KMS or SSE-C (ETags not MD5s); they count as changed`;
}
function formatBytes(bytes) {
    const mib = bytes / (1024 * 1024);
    return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
async function requireDirectory(root) {
    let rootStats;
    try {
        rootStats = await (0,promises_.stat)(root);
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`cannot read the site directory ${JSON.stringify(root)}: ${error.message} (give the folder that the sync uploads)`, { cause: error });
    }
    if (!rootStats.isDirectory()) {
        throw new errors/* ConfigurationError */.j1(`the site directory ${JSON.stringify(root)} is not a directory`);
    }
    return rootStats;
}
/**
 * The files below `root` as keys relative to it (`/`-separated), with their sizes. Follows
 * symbolic links like the AWS CLI (never twice into the same directory); skips what the CLI skips.
 */
async function listLocalFiles(root, followSymlinks, warnings) {
    const rootStats = await requireDirectory(root);
    const visited = new Set([`${rootStats.dev}:${rootStats.ino}`]);
    const pending = [];
    const directories = [{ path: root, key: "" }];
    while (directories.length > 0) {
        const directory = directories.pop();
        let entries;
        try {
            entries = await (0,promises_.readdir)(directory.path, { withFileTypes: true });
        }
        catch (error) {
            throw new errors/* ConfigurationError */.j1(`cannot list ${JSON.stringify(directory.path)}: ${error.message}`, {
                cause: error,
            });
        }
        const links = [];
        for (const entry of entries) {
            const path = (0,external_node_path_.join)(directory.path, entry.name);
            const key = directory.key + entry.name;
            if (entry.isDirectory())
                directories.push({ path, key: `${key}/` });
            else if (entry.isFile())
                pending.push({ key, path });
            else if (entry.isSymbolicLink()) {
                if (followSymlinks)
                    links.push({ key, path });
            }
            else
                warnings.push(`skipped ${JSON.stringify(key)}: not a regular file`);
        }
        // A symbolic link may point at a file or a directory: stat follows it.
        const targets = await mapWithConcurrency(links, STAT_CONCURRENCY, (link) => (0,promises_.stat)(link.path).catch(() => undefined));
        for (const [index, link] of links.entries()) {
            const target = targets[index];
            if (target === undefined)
                warnings.push(`skipped ${JSON.stringify(link.key)}: broken symbolic link`);
            else if (target.isFile())
                pending.push(link);
            else if (!target.isDirectory())
                warnings.push(`skipped ${JSON.stringify(link.key)}: not a regular file`);
            else if (!visited.has(`${target.dev}:${target.ino}`)) {
                visited.add(`${target.dev}:${target.ino}`);
                directories.push({ path: link.path, key: `${link.key}/` });
            }
        }
    }
    const sizes = await mapWithConcurrency(pending, STAT_CONCURRENCY, async (file) => (await (0,promises_.stat)(file.path)).size);
    const files = new Map();
    for (const [index, file] of pending.entries())
        files.set(file.key, { path: file.path, size: sizes[index] });
    return files;
}
/** Every object under `prefix`, by full key. Paginates with ContinuationToken. */
async function listObjects(s3, bucket, prefix) {
    const objects = new Map();
    const seenTokens = new Set();
    let token;
    for (;;) {
        let page;
        try {
            page = await s3.send(new dist_cjs/* ListObjectsV2Command */.u6x({
                Bucket: bucket,
                // Keys come URL-encoded, as the AWS CLI asks for them, so that no key can break the XML.
                EncodingType: "url",
                ...(prefix === "" ? {} : { Prefix: prefix }),
                ...(token === undefined ? {} : { ContinuationToken: token }),
            }));
        }
        catch (error) {
            throw listingError(error, bucket, prefix);
        }
        const encoded = page.EncodingType === "url";
        for (const object of page.Contents ?? []) {
            if (object.Key === undefined)
                continue;
            const key = encoded ? decodeKey(object.Key) : object.Key;
            const size = object.Size ?? 0;
            // Zero-byte "folder" markers: the AWS CLI's sync ignores them, in both directions.
            if (size === 0 && key.endsWith("/"))
                continue;
            // A ListObjectsV2 prefix is a plain string match; keep the guard for stand-ins that ignore it.
            if (!key.startsWith(prefix))
                continue;
            objects.set(key, { size, etag: object.ETag });
        }
        if (!page.IsTruncated)
            return objects;
        token = page.NextContinuationToken;
        if (token === undefined || seenTokens.has(token)) {
            throw new errors/* TransientError */.N_(`ListObjectsV2 on ${bucket} said the listing goes on but gave ${token === undefined ? "no" : "a repeated"} continuation token; try again`);
        }
        seenTokens.add(token);
    }
}
// S3's URL encoding is form encoding (a space may come as `+`); botocore decodes with unquote_plus.
function decodeKey(key) {
    try {
        return decodeURIComponent(key.replace(/\+/g, " "));
    }
    catch (error) {
        throw new errors/* TransientError */.N_(`ListObjectsV2 returned a key that is not valid URL encoding: ${JSON.stringify(key)}`, {
            cause: error,
        });
    }
}
function listingError(error, bucket, prefix) {
    const name = (0,errors/* errorName */.Is)(error);
    const where = `s3://${bucket}/${prefix}`;
    if (name === "NoSuchBucket") {
        return new errors/* ConfigurationError */.j1(`the bucket ${JSON.stringify(bucket)} does not exist (check the S3 URI ${where})`, {
            cause: error,
        });
    }
    const classified = (0,errors/* classifyError */.fe)(error, `ListObjectsV2 on ${where}`);
    if (classified instanceof errors/* PermissionError */.i_ && (name === "AccessDenied" || name === "AllAccessDisabled")) {
        return new errors/* PermissionError */.i_(`ListObjectsV2 on ${where} was denied: grant s3:ListBucket on arn:aws:s3:::${bucket} to the role in use (content diff needs nothing else on S3)`, { cause: error });
    }
    return classified;
}
/** Runs `work` over `items` with at most `limit` at once; results keep the items' order. */
async function mapWithConcurrency(items, limit, work) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

// EXTERNAL MODULE: ./src/state.ts
var state = __webpack_require__(990);
// EXTERNAL MODULE: ./src/summary.ts
var summary = __webpack_require__(2327);
;// CONCATENATED MODULE: ./src/diff-step.ts








/**
 * Names of the state the main step saves for the post step. The runner hands each to the post
 * step as the variable `STATE_<name>`.
 */
/**
 * A change list up to this many characters travels in the state itself; a longer one only as its
 * file (one environment variable may hold at most 128 KiB on Linux, all of them about 2 MiB).
 */
const INLINE_STATE_CHARS = 16 * 1024;
/** Reads the state the main step saved; undefined when there is none (invalidation mode, diff-only). */
function parseSavedDiff(raw) {
    if (raw.trim() === "")
        return undefined;
    let value;
    try {
        value = JSON.parse(raw);
    }
    catch (error) {
        throw new dist/* ConfigurationError */.j1(`the state saved by the main step is not JSON: ${error.message}`, {
            cause: error,
        });
    }
    const saved = value;
    if (saved === null ||
        typeof saved !== "object" ||
        saved.version !== 1 ||
        typeof saved.changesFile !== "string" ||
        typeof saved.changeCount !== "number" ||
        !Array.isArray(saved.extraPaths) ||
        !saved.extraPaths.every((path) => typeof path === "string") ||
        (saved.changes !== undefined && typeof saved.changes !== "string")) {
        // Another version of the action in main and post (a moved tag mid-run) could do this.
        throw new dist/* ConfigurationError */.j1("the state saved by the main step has an unknown shape: use the same version of the action for the whole job");
    }
    return saved;
}
/** The change list the post step invalidates: inline from the state, else from its file. */
async function loadChanges(saved) {
    if (saved.changes !== undefined)
        return saved.changes;
    try {
        return await (0,promises_.readFile)(saved.changesFile, "utf8");
    }
    catch (error) {
        throw new dist/* ConfigurationError */.j1(`cannot read the change list ${JSON.stringify(saved.changesFile)} that the main step wrote: ${error.message} (did a step delete RUNNER_TEMP?)`, { cause: error });
    }
}
/**
 * Writes the keys as a change list (the core's split); a key with a line break or trailing white
 * space cannot be a line, so it becomes explicit paths (mapped with `s3-prefix` and
 * `index-document`), or `/*` when even that fails. Pure.
 */
function changeListWithExtraPaths(keys, mapping) {
    const { text, unlisted } = splitChangeList(keys);
    if (unlisted.length === 0)
        return { text, unlisted, extraPaths: [] };
    const mapped = (0,dist/* keysToPaths */.UV)(unlisted, mapping);
    const usable = mapped.warnings.length === 0 &&
        mapped.paths.length > 0 &&
        mapped.paths.every((path) => {
            try {
                (0,dist/* parseInvalidationPath */.rC)(path);
                return true;
            }
            catch {
                return false;
            }
        });
    return { text, unlisted, extraPaths: usable ? [...mapped.paths] : ["/*"] };
}
/** Where the change list goes: RUNNER_TEMP (cleaned at the end of the job), else the system's temp. */
async function writeChangesFile(text, env) {
    const base = env.RUNNER_TEMP?.trim() || (0,external_node_os_.tmpdir)();
    const directory = await (0,promises_.mkdtemp)((0,external_node_path_.join)(base, "cloudfront-invalidate-"));
    const file = (0,external_node_path_.join)(directory, "changes.txt");
    await (0,promises_.writeFile)(file, text);
    return file;
}
const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
/** Names a few keys in a message, then counts the rest. */
function someKeys(keys, max = 5) {
    const named = keys.slice(0, max).map((key) => JSON.stringify(key));
    return keys.length > max ? `${named.join(", ")} and ${keys.length - max} more` : named.join(", ");
}
const MAX_LOGGED_KEYS = 200;
/**
 * The main step in diff mode, before the user's sync: compares the site directory with the
 * bucket by content, writes the change list to a file (the `changes-file` output), sets
 * `change-count`, and saves what the post step needs. Never throws: failures end in `setFailed`.
 */
async function runDiffStep(io, config, diff, dependencies) {
    const where = `${diff.siteDirectory} against ${diff.s3Uri}`;
    try {
        const s3 = (dependencies.createS3Client ?? (() => createS3Client({}, dependencies.env)))();
        let report;
        try {
            report = await diffSiteAgainstBucket({
                s3,
                siteDirectory: diff.siteDirectory,
                bucket: diff.bucket,
                prefix: diff.prefix,
                includeDeletions: diff.includeDeletions,
                ...(diff.partSizeBytes === undefined ? {} : { partSizeBytes: diff.partSizeBytes }),
            });
        }
        finally {
            s3.destroy();
        }
        for (const warning of report.warnings)
            io.warning(warning);
        const keys = changedKeys(report);
        const split = changeListWithExtraPaths(keys, {
            ...(config.s3Prefix === undefined ? {} : { s3Prefix: config.s3Prefix }),
            indexDocument: config.indexDocument,
        });
        if (split.unlisted.length > 0) {
            io.warning(`${plural(split.unlisted.length, "changed key")} cannot be written in a change list (a line break or trailing white space): ${someKeys(split.unlisted)}. ` +
                (split.extraPaths[0] === "/*"
                    ? "No invalidation path can name them either: /* is invalidated instead."
                    : `They are invalidated by explicit paths instead: ${split.extraPaths.join(" ")}`) +
                (diff.diffOnly ? " Pass the extra-paths output as the invalidation step's paths input." : ""));
        }
        const changesFile = await writeChangesFile(split.text, dependencies.env);
        io.info(`Content diff of ${where}: ${plural(keys.length, "changed key")} (${report.added.length} added, ${report.modified.length} modified, ${report.deleted.length} deleted, ${report.unverifiable.length} unverifiable), ${report.unchanged} unchanged; hashed ${plural(report.hashedFiles, "file")} (${report.hashedBytes} bytes).`);
        if (!diff.includeDeletions && report.remoteOnly > 0) {
            io.info(`${plural(report.remoteOnly, "object")} under the prefix are not in the folder; with delete: false they are left out (the sync keeps them).`);
        }
        if (keys.length > 0) {
            io.startGroup(`Changed keys (${keys.length})`);
            for (const key of keys.slice(0, MAX_LOGGED_KEYS))
                io.info(`  ${JSON.stringify(key).slice(1, -1)}`);
            if (keys.length > MAX_LOGGED_KEYS)
                io.info(`  ... and ${keys.length - MAX_LOGGED_KEYS} more (${changesFile})`);
            io.endGroup();
        }
        for (const unverifiable of report.unverifiable.slice(0, 20)) {
            io.info(`Counted as changed: ${JSON.stringify(unverifiable.key)}: ${unverifiable.detail}`);
        }
        if (diff.prefix !== "" && config.s3Prefix === undefined) {
            // The keys keep the sync's prefix; only s3-prefix says whether the distribution serves it.
            io.info(`The changed keys start with ${JSON.stringify(diff.prefix)} and s3-prefix is empty, so the paths will too (/${diff.prefix}...). If the distribution's origin path is /${diff.prefix.slice(0, -1)}, set s3-prefix: ${diff.prefix.slice(0, -1)}.`);
        }
        io.info(diff.diffOnly
            ? `Diff only: invalidate in a later step with changes-file: ${changesFile}`
            : "The post step invalidates at the end of the job, after your sync, if the job succeeds.");
        io.setOutput("change-count", String(keys.length));
        io.setOutput("changes-file", changesFile);
        io.setOutput("extra-paths", split.extraPaths.join("\n"));
        io.setOutput("invalidation-ids", "");
        io.setOutput("paths", "");
        io.setOutput("path-count", "0");
        io.setOutput("status", "diffed");
        if (!diff.diffOnly) {
            const saved = {
                version: 1,
                changeCount: keys.length,
                changesFile,
                extraPaths: split.extraPaths,
                ...(split.text.length <= INLINE_STATE_CHARS ? { changes: split.text } : {}),
            };
            io.saveState(state/* STATE */.c.diff, JSON.stringify(saved));
        }
        await diff_step_summary(io, {
            s3Uri: diff.s3Uri,
            siteDirectory: config.siteDirectory?.directory ?? diff.siteDirectory,
            added: report.added.length,
            modified: report.modified.length,
            deleted: report.deleted.length,
            unverifiable: report.unverifiable.length,
            unchanged: report.unchanged,
            remoteOnlyIgnored: diff.includeDeletions ? 0 : report.remoteOnly,
            keys,
            diffOnly: diff.diffOnly,
        });
    }
    catch (caught) {
        const error = (0,dist/* classifyError */.fe)(caught, `content diff of ${where}`);
        const prefix = {
            configuration: "Configuration error",
            permission: "Permission error",
            transient: "Transient error",
            timeout: "Timeout",
        }[error.kind];
        const message = `${prefix}: ${error.message}`;
        io.setOutput("status", "failed");
        await diff_step_summary(io, {
            s3Uri: diff.s3Uri,
            siteDirectory: diff.siteDirectory,
            added: 0,
            modified: 0,
            deleted: 0,
            unverifiable: 0,
            unchanged: 0,
            remoteOnlyIgnored: 0,
            keys: [],
            diffOnly: diff.diffOnly,
            failure: message,
        });
        io.setFailed(message);
    }
}
async function diff_step_summary(io, report) {
    try {
        await io.writeSummary((0,summary/* renderDiffSummary */.g2)(report));
    }
    catch (error) {
        io.warning(`could not write the job summary: ${error.message}`);
    }
}


/***/ })

};
