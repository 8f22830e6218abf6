export const id = 525;
export const ids = [525];
export const modules = {

/***/ 3525:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runDiffStep: () => (/* binding */ runDiffStep)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ../invalidation-core/dist/index.js + 22 modules
var dist = __webpack_require__(6525);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@aws-sdk+client-s3@3.1138.0/node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(9761);
// EXTERNAL MODULE: ../invalidation-core/dist/call-timeouts.js
var call_timeouts = __webpack_require__(1282);
// EXTERNAL MODULE: ../invalidation-core/dist/check-count.js
var check_count = __webpack_require__(1879);
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

// EXTERNAL MODULE: ../invalidation-core/dist/report-text.js
var report_text = __webpack_require__(3051);
// EXTERNAL MODULE: ../invalidation-core/dist/s3-location.js
var s3_location = __webpack_require__(3411);
// EXTERNAL MODULE: ../invalidation-core/dist/site-listing.js
var site_listing = __webpack_require__(2327);
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
        // An endpoint that accepts and never answers must not hold the diff forever (see CALL_TIMEOUTS).
        requestHandler: call_timeouts/* CALL_TIMEOUTS */.q,
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
    const concurrency = (0,check_count/* checkCount */.w)(options.concurrency ?? DEFAULT_HASH_CONCURRENCY, "concurrency");
    // An access point ARN may stand for the bucket (it holds a `/`); a bucket name may not.
    if (options.bucket.trim() === "" || (options.bucket.includes("/") && !options.bucket.startsWith("arn:"))) {
        throw new errors/* ConfigurationError */.j1(`bucket must be a bucket name without "/" (the prefix goes in prefix), got ${JSON.stringify(options.bucket)}`);
    }
    const prefix = (0,s3_location/* normalizeS3Prefix */.Im)(options.prefix ?? "");
    const warnings = [];
    // A wrong folder is a configuration error: say so before any request, naming the setting.
    await (0,errors/* named */.KT)(options.siteName, () => requireDirectory(options.siteDirectory));
    const [local, remote] = await Promise.all([
        (0,errors/* named */.KT)(options.siteName, () => listLocalFiles(options.siteDirectory, options.followSymlinks ?? true, warnings)),
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
    const mismatched = verdicts.filter((verdict) => verdict !== "unchanged");
    const unchanged = verdicts.length - mismatched.length;
    // An object whose ETag matched its file's MD5 shows the bucket's ETags are MD5s: a same-size
    // mismatch next to it is an edit that kept the size, proven, not a possibly encrypted object.
    // Only when nothing matched may the ETags all be SSE-KMS/SSE-C ones: then it is unverifiable.
    const sameSizeEdit = (u) => unchanged > 0 && u.reason === "same-size-etag-mismatch";
    for (const u of mismatched)
        if (sameSizeEdit(u))
            modified.push(u.key);
    const unverifiable = mismatched.filter((u) => !sameSizeEdit(u));
    const possiblyEncrypted = unverifiable.filter((u) => u.reason === "same-size-etag-mismatch").length;
    if (possiblyEncrypted > 0)
        warnings.push(encryptionNote(possiblyEncrypted));
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
/** The content diff's counts in one line, the same in the CLI and the action. */
function describeDiff(report, changed) {
    return (`${(0,report_text/* plural */.LS)(changed, "changed key")} (${report.added.length} added, ${report.modified.length} modified, ` +
        `${report.deleted.length} deleted, ${report.unverifiable.length} unverifiable), ${report.unchanged} unchanged`);
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
 * The change list for `--changes FILE` and the action's `changes-file`: the plain-list format that
 * the core's change-log reader takes, one full key a line, sorted. Every key can be written:
 * - most keys as they are;
 * - with a leading `/` (which the reader drops) where the key would otherwise be misread: it
 *   starts with `/`, or reads as an AWS CLI log line or an `s3://` URI;
 * - as a JSON string (`"a\nb.html"`) where no plain line holds it: a line break, white space at
 *   either end, a leading `"`. The reader takes a line that is a JSON string as that key.
 * Empty string when nothing changed.
 *
 * @example
 * formatChangeList(["www/a b.html", "/odd", "two\nlines"]) // → "www/a b.html\n//odd\n\"two\\nlines\"\n"
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
function changeListLine(key) {
    const readsAs = (line) => {
        const parsed = (0,sync_log/* parseChanges */.pS)(line);
        const only = parsed.objects[0];
        return (parsed.objects.length === 1 && parsed.warnings.length === 0 && only?.bucket === undefined && only?.key === key);
    };
    if (!/[\r\n]/.test(key) && !key.startsWith('"')) {
        if (!key.startsWith("/") && readsAs(key))
            return key;
        if (readsAs(`/${key}`))
            return `/${key}`;
    }
    const quoted = JSON.stringify(key);
    if (readsAs(quoted))
        return quoted;
    throw new errors/* ConfigurationError */.j1(`the key ${JSON.stringify(key)} cannot be written in a change list; invalidate it another way (an explicit path, or /*). This is a bug: please report it`);
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
function encryptionNote(possiblyEncrypted) {
    const one = possiblyEncrypted === 1;
    return (`${possiblyEncrypted} ${one ? "object has" : "objects have"} the size of ${one ? "its" : "their"} local file but another ETag, ` +
        "and no object's ETag matched its file: the bucket's objects are probably encrypted with SSE-KMS or SSE-C, whose ETags " +
        `are not MD5s, so the content cannot be compared. ${one ? "It counts" : "They count"} as changed`);
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
    // A folder that exists but cannot be listed fails here too, before the bucket is asked anything.
    await (0,promises_.access)(root, external_node_fs_.constants.R_OK | external_node_fs_.constants.X_OK).catch((error) => {
        throw new errors/* ConfigurationError */.j1(`cannot list the site directory ${JSON.stringify(root)}: ${error.message}`, {
            cause: error,
        });
    });
    return rootStats;
}
/**
 * The files below `root` as keys relative to it (`/`-separated), with their sizes. The one site
 * walker (see walkSiteFiles) finds them: it follows symbolic links like the AWS CLI, skips loops.
 */
async function listLocalFiles(root, followSymlinks, warnings) {
    const { files: found, skipped } = await (0,site_listing/* walkSiteFiles */.y)(root, { followSymlinks });
    warnings.push(...skipped);
    const sizes = await mapWithConcurrency(found, STAT_CONCURRENCY, async (file) => (await (0,promises_.stat)(file.path)).size);
    const files = new Map();
    for (const [index, file] of found.entries())
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
/** The most unverifiable objects `runContentDiff` names one by one (the report holds them all). */
const MAX_NAMED_UNVERIFIABLE = 20;
/**
 * The content diff as every adapter runs it before the user's sync: makes the S3 client, diffs
 * the folder against the bucket (`diffSiteAgainstBucket`), destroys the client, and returns the
 * changed keys, the change list and the lines that tell people what was found. The adapter only
 * writes them where its host wants them. Throws what `diffSiteAgainstBucket` throws (classified).
 *
 * @example
 * const { changeList, lines } = await runContentDiff({
 *   siteDirectory: "public", s3Uri: "s3://my-site/www", bucket: "my-site", prefix: "www",
 *   includeDeletions: false, noDeleteName: "--no-delete",
 * });
 * // lines[0]: "Content diff of public against s3://my-site/www: 1 changed key (1 added, 0 modified, 0 deleted, 0 unverifiable), 4 unchanged; hashed 4 files (5120 bytes)."
 */
async function runContentDiff(request, dependencies = {}) {
    const { s3Uri, noDeleteName, ...options } = request;
    const s3 = (dependencies.createS3Client ?? (() => createS3Client({}, { ...(dependencies.env ?? process.env) })))();
    const report = await diffSiteAgainstBucket({ ...options, s3 }).finally(() => s3.destroy());
    const keys = changedKeys(report);
    const counts = describeDiff(report, keys.length);
    const hashed = `hashed ${(0,report_text/* plural */.LS)(report.hashedFiles, "file")} (${report.hashedBytes} bytes)`;
    const lines = [`Content diff of ${request.siteDirectory} against ${s3Uri}: ${counts}; ${hashed}.`];
    // Without deletions the objects gone from the folder stay in the bucket: not a change, but the
    // user should see how many were left out and which setting did it.
    if (!(request.includeDeletions ?? true) && report.remoteOnly > 0) {
        lines.push(`${(0,report_text/* plural */.LS)(report.remoteOnly, "object")} not in the folder left out (${noDeleteName}): the sync keeps them.`);
    }
    for (const { key, detail } of report.unverifiable.slice(0, MAX_NAMED_UNVERIFIABLE)) {
        lines.push(`Counted as changed: ${JSON.stringify(key)}: ${detail}`);
    }
    return { report, keys, changeList: formatChangeList(keys), counts, lines };
}

// EXTERNAL MODULE: ./src/state.ts
var state = __webpack_require__(990);
// EXTERNAL MODULE: ./src/summary.ts
var src_summary = __webpack_require__(7565);
;// CONCATENATED MODULE: ./src/diff-step.ts






const MAX_LOGGED_KEYS = 200;
/**
 * Diff mode's main step, before the user's sync: runs the core's content diff, writes the change
 * list (`changes-file`), logs what was found, sets the outputs and saves the changed keys for the
 * post step. Never throws: failures end in `setFailed`.
 */
async function runDiffStep(io, diff, dependencies) {
    const summary = (found) => io.writeSummary((0,src_summary/* renderDiffSummary */.g2)({ ...diff, ...found }));
    try {
        const { diffOnly, ...request } = diff;
        const { report, keys, changeList, counts, lines } = await runContentDiff({ ...request, siteName: 'input "site-directory"', noDeleteName: "delete: false" }, dependencies);
        for (const warning of report.warnings)
            io.warning(warning);
        const directory = await (0,state/* stepDirectory */.iN)(dependencies.env);
        const changesFile = (0,external_node_path_.join)(directory, "changes.txt");
        // Every key has a line (a JSON string where a plain line cannot hold it): extra-paths stays empty.
        await (0,promises_.writeFile)(changesFile, changeList);
        for (const line of lines)
            io.info(line);
        if (keys.length > 0) {
            io.startGroup(`Changed keys (${keys.length})`);
            for (const key of keys.slice(0, MAX_LOGGED_KEYS))
                io.info(`  ${JSON.stringify(key).slice(1, -1)}`);
            if (keys.length > MAX_LOGGED_KEYS)
                io.info(`  ... and ${keys.length - MAX_LOGGED_KEYS} more (${changesFile})`);
            io.endGroup();
        }
        io.info(diffOnly
            ? `Diff only: invalidate in a later step with changes-file: ${changesFile}`
            : "The post step invalidates at the end of the job, after your sync, if the job succeeds.");
        const outputs = { "change-count": String(keys.length), "changes-file": changesFile, status: "diffed" };
        const none = { "extra-paths": "", "invalidation-ids": "", paths: "", "path-count": "0" };
        for (const [name, value] of Object.entries({ ...outputs, ...none }))
            io.setOutput(name, value);
        if (!diffOnly)
            io.saveState(state/* STATE */.c4.diff, await (0,state/* saveDiff */.bk)(keys, directory));
        await summary({ counts, keys });
    }
    catch (caught) {
        const error = (0,dist/* classifyError */.fe)(caught, `content diff of ${diff.siteDirectory} against ${diff.s3Uri}`);
        const message = `${dist/* FAILURE_HEADLINE */.aR[error.kind]}: ${error.message}`;
        io.setOutput("status", "failed");
        await summary({ keys: [], failure: message });
        io.setFailed(message);
    }
}


/***/ })

};
