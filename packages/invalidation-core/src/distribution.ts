import {
  type CloudFrontClient,
  type DistributionConfig,
  type DistributionList,
  type DistributionSummary,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  type Origin,
} from "@aws-sdk/client-cloudfront";
import { callFailure } from "./aws-call-failure.js";
import { ConfigurationError, classifyError } from "./errors.js";
import { parseDistributionId } from "./paths.js";
import { normalizeS3Prefix } from "./s3-location.js";

const show = (value: string): string => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------
// Naming a distribution: id, alternate domain name or *.cloudfront.net name
// ---------------------------------------------------------------------------------------------

/** What a user gave for a distribution, once read: an id, or a domain name to look up. */
export type DistributionRef =
  | { readonly kind: "id"; readonly id: string }
  /** Lower case, without a trailing dot. May be a wildcard alias itself (`*.example.com`). */
  | { readonly kind: "domain"; readonly domain: string };

const DOMAIN_NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME_FORMS =
  'a distribution id ("E2QWRUHAPOMQZL"), one of its alternate domain names ("www.example.com") or its own domain name ("d111111abcdef8.cloudfront.net")';

/**
 * Reads one distribution input without any call. An ARN or a word without a dot is an id
 * (validated by `parseDistributionId`); anything with a dot is a domain name, compared without
 * regard to case and with a trailing dot dropped. A URL is refused with its host name suggested.
 * Throws ConfigurationError starting with `name` (the flag, input or UserParameters key).
 *
 * @example parseDistributionRef("WWW.Example.com.", "--distribution-id") // { kind: "domain", domain: "www.example.com" }
 * @example parseDistributionRef("E2QWRUHAPOMQZL", "--distribution-id") // { kind: "id", id: "E2QWRUHAPOMQZL" }
 */
export function parseDistributionRef(input: string, name: string): DistributionRef {
  const value = input.trim();
  if (value === "") throw new ConfigurationError(`${name} is empty: give ${NAME_FORMS}`);
  if (value.startsWith("arn:") || !value.includes(".")) {
    try {
      return { kind: "id", id: parseDistributionId(value) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigurationError(`${name}: ${reason} (a domain name such as "www.example.com" is accepted too)`, {
        cause: error,
      });
    }
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(value);
  if (url || value.includes("/")) {
    const host = url?.[1];
    throw new ConfigurationError(
      `${name} ${show(input)} is a URL or path, not a distribution: give ${host ? `its host name only (${show(host.toLowerCase())})` : NAME_FORMS}`,
    );
  }
  const domain = value.toLowerCase().replace(/\.$/, "");
  if (!DOMAIN_NAME.test(domain)) {
    throw new ConfigurationError(
      `${name} ${show(input)} is neither a distribution id nor a valid domain name: give ${NAME_FORMS}`,
    );
  }
  return { kind: "domain", domain };
}

/** How a domain name matched a distribution. */
export type DistributionMatchKind = "cloudfront-domain" | "alias" | "wildcard-alias";

export interface DistributionMatch {
  readonly id: string;
  readonly matchedBy: DistributionMatchKind;
  /** The distribution's own domain or the alias (as written in the distribution) that matched. */
  readonly matched: string;
}

/** `*.example.com` covers exactly one more label, as in DNS and CloudFront: `a.example.com`, not `a.b.example.com` nor `example.com`. */
function wildcardCovers(alias: string, domain: string): boolean {
  if (!alias.startsWith("*.") || domain.startsWith("*.")) return false;
  const dot = domain.indexOf(".");
  return dot > 0 && domain.slice(dot + 1) === alias.slice(2);
}

/**
 * The distributions a domain name designates, best matches only. Pure.
 *
 * An exact match (the distribution's own `*.cloudfront.net` name, or an alternate domain name
 * equal to it, wildcard aliases compared literally) beats a wildcard alias that covers it: this is
 * how CloudFront itself routes `www.example.com` when one distribution has `www.example.com` and
 * another `*.example.com`. Several matches of the best kind are returned as they are; the caller
 * calls that ambiguous.
 *
 * @param domain lower case, as `parseDistributionRef` gives it.
 */
export function matchDistributionName(
  distributions: readonly DistributionSummary[],
  domain: string,
): DistributionMatch[] {
  const exact: DistributionMatch[] = [];
  const wildcard: DistributionMatch[] = [];
  for (const distribution of distributions) {
    const id = distribution.Id;
    if (id === undefined) continue;
    const own = distribution.DomainName ?? "";
    if (own.toLowerCase().replace(/\.$/, "") === domain) {
      exact.push({ id, matchedBy: "cloudfront-domain", matched: own });
      continue;
    }
    const aliases = distribution.Aliases?.Items ?? [];
    const equal = aliases.find((alias) => alias.toLowerCase() === domain);
    if (equal !== undefined) {
      exact.push({ id, matchedBy: "alias", matched: equal });
      continue;
    }
    const covering = aliases.find((alias) => wildcardCovers(alias.toLowerCase(), domain));
    if (covering !== undefined) wildcard.push({ id, matchedBy: "wildcard-alias", matched: covering });
  }
  return exact.length > 0 ? exact : wildcard;
}

const LIST_PERMISSION =
  'naming a distribution by domain needs cloudfront:ListDistributions on "*" (it cannot be scoped to a distribution); grant it, or give the distribution id instead';

/**
 * Every distribution of the account, following `NextMarker` page by page. Errors throw,
 * classified (AccessDenied is a PermissionError that names ListDistributions).
 */
export async function listAllDistributions(
  client: CloudFrontClient,
  purpose = "to resolve a distribution name",
): Promise<DistributionSummary[]> {
  const all: DistributionSummary[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    let list: DistributionList | undefined;
    try {
      const output = await client.send(new ListDistributionsCommand(marker === undefined ? {} : { Marker: marker }));
      list = output.DistributionList;
    } catch (error) {
      throw callFailure(error, `ListDistributions (${purpose})`, LIST_PERMISSION);
    }
    for (const item of list?.Items ?? []) all.push(item);
    const next = list?.NextMarker;
    if (!list?.IsTruncated || !next) return all;
    // A marker seen before would loop forever: an endpoint bug, so fail rather than spin.
    if (seen.has(next)) {
      throw classifyError(new Error(`the listing repeated marker ${show(next)}`), `ListDistributions (${purpose})`);
    }
    seen.add(next);
    marker = next;
  }
}

function describeMatch(match: DistributionMatch): string {
  const how =
    match.matchedBy === "cloudfront-domain"
      ? "its own domain"
      : match.matchedBy === "alias"
        ? "alternate domain name"
        : "wildcard alternate domain name";
  return `${match.id} (${how} ${show(match.matched)})`;
}

/**
 * Turns distribution inputs into ids, in order, without repeats. Each input is an id (or a
 * distribution ARN), an alternate domain name (CNAME, also one covered by a wildcard alias) or the
 * distribution's own `*.cloudfront.net` name; see `parseDistributionRef` and
 * `matchDistributionName` for the rules.
 *
 * Ids cost no call. Only when some input is a name does it list the account's distributions,
 * once, all pages (IAM: `cloudfront:ListDistributions` on `"*"`).
 *
 * Throws ConfigurationError, starting with `name`, for an input that is malformed, names no
 * distribution, or names several; PermissionError or TransientError when the listing fails.
 *
 * @param name the flag, input or UserParameters key the values came from, for messages: `--distribution-id`.
 * @example
 * await resolveDistributionIds(client, ["www.example.com", "E2QWRUHAPOMQZL"], "--distribution-id")
 * // → ["E1EXAMPLE12345", "E2QWRUHAPOMQZL"]
 */
export async function resolveDistributionIds(
  client: CloudFrontClient,
  inputs: readonly string[],
  name: string,
): Promise<string[]> {
  const refs = inputs.map((input) => parseDistributionRef(input, name));
  const needsListing = refs.some((ref) => ref.kind === "domain");
  const distributions = needsListing ? await listAllDistributions(client) : [];
  const ids: string[] = [];
  for (const [index, ref] of refs.entries()) {
    if (ref.kind === "id") {
      ids.push(ref.id);
      continue;
    }
    const matches = matchDistributionName(distributions, ref.domain);
    const input = show(inputs[index] ?? ref.domain);
    if (matches.length === 0) {
      throw new ConfigurationError(
        `${name} ${input} names no distribution of the account in use (${distributions.length} listed; ` +
          "compared with their ids, *.cloudfront.net names and alternate domain names): check the spelling and the " +
          "account, or give the distribution id. A distribution tenant's domain is not a distribution: target the tenant instead",
      );
    }
    if (matches.length > 1) {
      throw new ConfigurationError(
        `${name} ${input} is ambiguous: it matches ${matches.length} distributions, ${matches.map(describeMatch).join(", ")}. ` +
          "Give the id of the one to invalidate",
      );
    }
    ids.push((matches[0] as DistributionMatch).id);
  }
  return [...new Set(ids)];
}

// ---------------------------------------------------------------------------------------------
// The distribution's configuration: which origins serve the synced bucket, from which prefix
// ---------------------------------------------------------------------------------------------

const CONFIG_PERMISSION =
  "reading the distribution's origins needs cloudfront:GetDistributionConfig on arn:aws:cloudfront::ACCOUNT:distribution/ID; grant it";

/**
 * `GetDistributionConfig` for one distribution (IAM: `cloudfront:GetDistributionConfig` on the
 * distribution). One call serves both `originPrefixForBucket` and `cacheTagHeader`. Errors throw,
 * classified: NoSuchDistribution is a ConfigurationError, AccessDenied a PermissionError naming
 * GetDistributionConfig.
 */
export async function readDistributionConfig(
  client: CloudFrontClient,
  distributionId: string,
): Promise<DistributionConfig> {
  const context = `GetDistributionConfig on ${distributionId}`;
  let config: DistributionConfig | undefined;
  try {
    config = (await client.send(new GetDistributionConfigCommand({ Id: distributionId }))).DistributionConfig;
  } catch (error) {
    throw callFailure(error, context, CONFIG_PERMISSION);
  }
  if (config === undefined) throw classifyError(new Error("the response holds no DistributionConfig"), context);
  return config;
}

/** How CloudFront reaches an S3 bucket. */
export type S3EndpointKind = "rest" | "website";

export interface S3OriginEndpoint {
  /** Lower case. */
  readonly bucket: string;
  readonly endpoint: S3EndpointKind;
  /** From the host name, when it names one (`bucket.s3.amazonaws.com` does not). */
  readonly region?: string;
}

const REGION = "[a-z]{2}(?:-[a-z]+)+-\\d+";
// The bucket part is greedy, so a bucket name with dots (`www.example.com`) stays whole and the
// service part is the shortest suffix that fits. Path-style hosts (`s3.amazonaws.com` with the
// bucket in OriginPath) are not recognised: CloudFront itself treats them as custom origins.
const REST_HOST = new RegExp(
  `^(.+)\\.s3(?:-external-1|[.-](${REGION})|\\.dualstack\\.(${REGION})|-fips(?:\\.dualstack)?\\.(${REGION}))?\\.amazonaws\\.com(?:\\.cn)?$`,
);
const WEBSITE_HOST = new RegExp(`^(.+)\\.s3-website[.-](${REGION})\\.amazonaws\\.com(?:\\.cn)?$`);

/**
 * The bucket an origin host name reaches, if it is an S3 endpoint. Pure.
 *
 * REST: `b.s3.amazonaws.com`, `b.s3.REGION.amazonaws.com`, `b.s3-REGION.amazonaws.com`,
 * `b.s3-external-1.amazonaws.com`, `b.s3.dualstack.REGION.amazonaws.com`, `b.s3-fips[.dualstack].REGION.amazonaws.com`.
 * Website: `b.s3-website-REGION.amazonaws.com`, `b.s3-website.REGION.amazonaws.com`. Also `.amazonaws.com.cn`.
 *
 * @example parseS3OriginDomain("www.example.com.s3.eu-west-1.amazonaws.com") // { bucket: "www.example.com", endpoint: "rest", region: "eu-west-1" }
 */
export function parseS3OriginDomain(domainName: string): S3OriginEndpoint | undefined {
  const host = domainName.trim().toLowerCase().replace(/\.$/, "");
  const website = WEBSITE_HOST.exec(host);
  if (website) return { bucket: website[1] as string, endpoint: "website", region: website[2] as string };
  const rest = REST_HOST.exec(host);
  if (!rest) return undefined;
  const region = rest[2] ?? rest[3] ?? rest[4];
  return { bucket: rest[1] as string, endpoint: "rest", ...(region === undefined ? {} : { region }) };
}

/** How the distribution is allowed to read the bucket. */
export type S3OriginAccess = "origin-access-control" | "origin-access-identity" | "public" | "website";

export interface BucketOrigin {
  readonly originId: string;
  readonly domainName: string;
  readonly endpoint: S3EndpointKind;
  readonly access: S3OriginAccess;
  /** As configured: `""` or `/prod`. */
  readonly originPath: string;
  /** The key prefix this origin serves from: `""` or `prod/`. */
  readonly keyPrefix: string;
}

/** One cache behavior, in CloudFront's order of evaluation (the default behavior last, as `*`). */
export interface OriginRoute {
  readonly pathPattern: string;
  readonly targetOriginId: string;
  /** Key prefixes of the synced bucket this behavior serves from; empty when it reaches another origin. */
  readonly keyPrefixes: readonly string[];
}

export type OriginPrefix =
  | {
      readonly served: true;
      readonly distributionId: string;
      readonly bucket: string;
      /** Origins of this bucket that some cache behavior uses. */
      readonly origins: readonly BucketOrigin[];
      readonly routes: readonly OriginRoute[];
      /**
       * The prefix to strip when every route to this bucket uses the same one (the usual case), for
       * `buildPlan({ s3Prefix })`; `undefined` when routes use different ones: map keys with `mapKeysToSite`.
       */
      readonly keyPrefix: string | undefined;
    }
  | {
      readonly served: false;
      readonly distributionId: string;
      readonly bucket: string;
      /** Buckets the distribution's origins do reach, for the message. */
      readonly otherBuckets: readonly string[];
      /** A warning for the caller to show: why keys cannot be mapped through this distribution. */
      readonly message: string;
    };

function accessOf(origin: Origin, endpoint: S3EndpointKind): S3OriginAccess {
  if (endpoint === "website") return "website";
  if (origin.OriginAccessControlId) return "origin-access-control";
  if (origin.S3OriginConfig?.OriginAccessIdentity) return "origin-access-identity";
  return "public";
}

/**
 * Which origins of a distribution serve `bucket`, from which key prefix, and which URL paths go
 * to each. Pure: give it what `readDistributionConfig` returned.
 *
 * An origin serves the bucket when its host name is one of the bucket's S3 endpoints (REST with
 * OAC, OAI or public access, or a website endpoint; see `parseS3OriginDomain`). Its OriginPath
 * `/prod` gives the key prefix `prod/`: CloudFront asks the origin for OriginPath + URL path, so
 * the key `prod/a.html` is served at `/a.html`. Cache behaviors decide which URL paths reach which
 * origin (first matching PathPattern wins, the default behavior last); an origin group counts as
 * each of its members. Origins that no behavior uses serve nothing and are left out.
 *
 * @example
 * originPrefixForBucket(config, "site-bucket", "E2QWRUHAPOMQZL").keyPrefix // "prod/" for OriginPath "/prod"
 */
export function originPrefixForBucket(
  config: DistributionConfig,
  bucket: string,
  distributionId: string,
): OriginPrefix {
  const wanted = bucket.toLowerCase();
  const origins = config.Origins?.Items ?? [];
  const bucketOrigins = new Map<string, BucketOrigin>();
  const otherBuckets = new Set<string>();
  for (const origin of origins) {
    const parsed = parseS3OriginDomain(origin.DomainName ?? "");
    if (!parsed || origin.Id === undefined) continue;
    if (parsed.bucket !== wanted) {
      otherBuckets.add(parsed.bucket);
      continue;
    }
    const originPath = origin.OriginPath ?? "";
    bucketOrigins.set(origin.Id, {
      originId: origin.Id,
      domainName: origin.DomainName ?? "",
      endpoint: parsed.endpoint,
      access: accessOf(origin, parsed.endpoint),
      originPath,
      keyPrefix: normalizeS3Prefix(originPath),
    });
  }
  const groups = new Map<string, string[]>();
  for (const group of config.OriginGroups?.Items ?? []) {
    if (group.Id === undefined) continue;
    groups.set(
      group.Id,
      (group.Members?.Items ?? []).flatMap((member) => (member.OriginId === undefined ? [] : [member.OriginId])),
    );
  }
  const behaviors = [
    ...(config.CacheBehaviors?.Items ?? []).map((b) => ({
      pathPattern: b.PathPattern ?? "",
      targetOriginId: b.TargetOriginId ?? "",
    })),
    { pathPattern: "*", targetOriginId: config.DefaultCacheBehavior?.TargetOriginId ?? "" },
  ];
  const used = new Set<string>();
  const routes: OriginRoute[] = behaviors.map(({ pathPattern, targetOriginId }) => {
    const members = groups.get(targetOriginId) ?? [targetOriginId];
    const keyPrefixes: string[] = [];
    for (const member of members) {
      const origin = bucketOrigins.get(member);
      if (!origin) continue;
      used.add(member);
      if (!keyPrefixes.includes(origin.keyPrefix)) keyPrefixes.push(origin.keyPrefix);
    }
    return { pathPattern, targetOriginId, keyPrefixes };
  });
  const served = [...bucketOrigins.values()].filter((origin) => used.has(origin.originId));
  if (served.length === 0) {
    const unused = [...bucketOrigins.keys()];
    const seen = [...otherBuckets];
    const message =
      `distribution ${distributionId} serves nothing from bucket ${show(bucket)}: ` +
      (unused.length > 0
        ? `its origin${unused.length > 1 ? "s" : ""} ${unused.map(show).join(", ")} for that bucket ${unused.length > 1 ? "are" : "is"} used by no cache behavior`
        : seen.length > 0
          ? `its S3 origins reach ${seen.map(show).join(", ")}`
          : "it has no S3 origin") +
      ". Keys are mapped to paths without a prefix unless one is given; check the distribution and the bucket";
    return { served: false, distributionId, bucket, otherBuckets: seen, message };
  }
  const prefixes = new Set(routes.flatMap((route) => route.keyPrefixes));
  const keyPrefix = prefixes.size === 1 ? ([...prefixes][0] as string) : undefined;
  return { served: true, distributionId, bucket, origins: served, routes, keyPrefix };
}

/**
 * `readDistributionConfig` then `originPrefixForBucket`: one GetDistributionConfig call.
 */
export async function readOriginPrefix(
  client: CloudFrontClient,
  distributionId: string,
  bucket: string,
): Promise<OriginPrefix> {
  return originPrefixForBucket(await readDistributionConfig(client, distributionId), bucket, distributionId);
}

const patternCache = new Map<string, RegExp>();

/**
 * CloudFront's PathPattern: `*` is any run of characters (also `/`), `?` exactly one, case
 * sensitive, and the leading `/` may be left out. Matched here against the unencoded path.
 */
export function pathPatternMatches(pattern: string, path: string): boolean {
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    const anchored = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
    const body = anchored
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`, "s");
    patternCache.set(pattern, regex);
  }
  return regex.test(path);
}

/**
 * The site keys (URL paths without the leading `/`, what `keysToPaths` takes with no prefix) at
 * which the distribution serves one object key of the bucket. Pure.
 *
 * For each distinct key prefix of the bucket's origins that the key starts with, the URL path is
 * `/` + the rest of the key, and it counts only if the first cache behavior matching that path
 * reaches an origin with that prefix. So with two origins on the same bucket, `""` for the default
 * behavior and `/img` for `/pictures/*`, the key `img/pictures/a.jpg` is served at both
 * `/pictures/a.jpg` and `/img/pictures/a.jpg`, and both are returned. An empty list means no URL
 * serves the key (outside every origin path, or shadowed by a behavior to another origin).
 */
export function siteKeysForKey(prefix: Extract<OriginPrefix, { served: true }>, key: string): string[] {
  const found: string[] = [];
  const prefixes = new Set(prefix.routes.flatMap((route) => route.keyPrefixes));
  for (const keyPrefix of prefixes) {
    if (!key.startsWith(keyPrefix)) continue;
    const siteKey = key.slice(keyPrefix.length);
    const route = prefix.routes.find((r) => pathPatternMatches(r.pathPattern, `/${siteKey}`));
    if (route?.keyPrefixes.includes(keyPrefix) && !found.includes(siteKey)) found.push(siteKey);
  }
  return found;
}

export interface SiteKeys {
  /** Keys relative to the site root, unique, in first-seen order: give them to `keysToPaths` with no prefix. */
  readonly siteKeys: string[];
  /** Keys that no URL of the distribution serves: report them (they cost nothing and are not invalidated). */
  readonly outside: string[];
}

/** `siteKeysForKey` over many keys. Pure. */
export function mapKeysToSite(prefix: Extract<OriginPrefix, { served: true }>, keys: Iterable<string>): SiteKeys {
  const siteKeys = new Set<string>();
  const outside: string[] = [];
  for (const key of keys) {
    const mapped = siteKeysForKey(prefix, key);
    if (mapped.length === 0) outside.push(key);
    for (const siteKey of mapped) siteKeys.add(siteKey);
  }
  return { siteKeys: [...siteKeys], outside };
}

/**
 * A warning text when a prefix the user gave contradicts the distribution: it is none of the key
 * prefixes the bucket's origins serve from. `undefined` when it agrees, or when the distribution
 * does not serve the bucket (then `prefix.message` is the warning). The explicit prefix still
 * wins; this only says so.
 *
 * @param name the flag, input or UserParameters key of the prefix: `--s3-prefix`.
 */
export function checkPrefixAgainstDistribution(
  explicitPrefix: string,
  prefix: OriginPrefix,
  name: string,
): string | undefined {
  if (!prefix.served) return undefined;
  const given = normalizeS3Prefix(explicitPrefix);
  if (prefix.origins.some((origin) => origin.keyPrefix === given)) return undefined;
  const origins = prefix.origins
    .map((o) => `origin ${show(o.originId)} (OriginPath ${show(o.originPath)}, key prefix ${show(o.keyPrefix)})`)
    .join(", ");
  return (
    `${name} ${show(explicitPrefix)} contradicts distribution ${prefix.distributionId}, which serves bucket ` +
    `${show(prefix.bucket)} through ${origins}. Using ${name} as given, so the paths may serve nothing; ` +
    `leave ${name} out to use the distribution's origin path`
  );
}
