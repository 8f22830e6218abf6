import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A CloudFront API on loopback for what moto_server lacks: `CacheTagConfig` and
 * `OriginAccessControlId` in a distribution's configuration (moto drops both), ListDistributions
 * in several pages (moto never truncates), distribution tenants and their invalidations (moto has
 * no tenant API), and invalidations that stay InProgress. It speaks the REST-XML that
 * @aws-sdk/client-cloudfront parses, for these calls only:
 *
 * ListDistributions, GetDistributionConfig, Create/Get/ListInvalidation(s),
 * GetDistributionTenant, GetDistributionTenantByDomain and
 * Create/Get/ListInvalidation(s)ForDistributionTenant.
 *
 * Point a client at it with `new CloudFrontClient({ endpoint: standIn.endpoint, ... })`, or
 * `AWS_ENDPOINT_URL_CLOUDFRONT` for a child process.
 */
export interface StandInOrigin {
  readonly id: string;
  readonly domainName: string;
  /** `/prod`; default none. */
  readonly originPath?: string;
  /** An origin access control id: the origin is S3 with OAC. */
  readonly originAccessControlId?: string;
  /** `origin-access-identity/cloudfront/E…`: S3 with OAI. */
  readonly originAccessIdentity?: string;
  /** A custom origin (website endpoints, anything not S3). Default: an S3 origin. */
  readonly custom?: boolean;
}

export interface StandInDistribution {
  readonly id: string;
  /** Its own `d….cloudfront.net` name; default derived from the id. */
  readonly domainName?: string;
  readonly aliases?: readonly string[];
  readonly origins: readonly StandInOrigin[];
  readonly behaviors?: readonly { readonly pathPattern: string; readonly targetOriginId: string }[];
  /** Target of the default behavior; default the first origin. */
  readonly defaultTargetOriginId?: string;
  /** `CacheTagConfig.HeaderName`; default none (no cache-tag configuration). */
  readonly cacheTagHeader?: string;
}

export interface StandInTenant {
  readonly id: string;
  readonly distributionId: string;
  readonly name: string;
  readonly domains: readonly string[];
}

export interface CloudFrontApiStandInOptions {
  readonly distributions?: readonly StandInDistribution[];
  readonly tenants?: readonly StandInTenant[];
  /** Distributions per ListDistributions page. Default 100. */
  readonly pageSize?: number;
  /** Invalidations stay InProgress; by default they are Completed from the first read on. */
  readonly staysInProgress?: boolean;
  /** Every call is answered 403 AccessDenied. */
  readonly accessDenied?: boolean;
}

export interface StandInCall {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

export interface StandInInvalidation {
  readonly id: string;
  /** The distribution id or the tenant id. */
  readonly target: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
}

export interface CloudFrontApiStandIn {
  readonly endpoint: string;
  /** Every request, in order. */
  readonly calls: readonly StandInCall[];
  /** Every invalidation created, in order. */
  readonly invalidations: readonly StandInInvalidation[];
  close(): Promise<void>;
}

const NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

const xmlEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const el = (name: string, content: string | number | boolean): string =>
  `<${name}>${typeof content === "string" ? content : String(content)}</${name}>`;
const text = (name: string, value: string): string => el(name, xmlEscape(value));
const list = (name: string, member: string, items: readonly string[]): string =>
  el(
    name,
    el("Quantity", items.length) + (items.length > 0 ? el("Items", items.map((i) => el(member, i)).join("")) : ""),
  );
const document = (root: string, body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${NS}">${body}</${root}>`;

function originXml(origin: StandInOrigin): string {
  const access = origin.custom
    ? el("CustomOriginConfig", el("HTTPPort", 80) + el("HTTPSPort", 443) + el("OriginProtocolPolicy", "http-only"))
    : el("S3OriginConfig", text("OriginAccessIdentity", origin.originAccessIdentity ?? ""));
  return (
    text("Id", origin.id) +
    text("DomainName", origin.domainName) +
    text("OriginPath", origin.originPath ?? "") +
    access +
    (origin.originAccessControlId ? text("OriginAccessControlId", origin.originAccessControlId) : "")
  );
}

const domainOf = (d: StandInDistribution): string => d.domainName ?? `d${d.id.toLowerCase()}.cloudfront.net`;
const defaultTarget = (d: StandInDistribution): string => d.defaultTargetOriginId ?? d.origins[0]?.id ?? "";

/** The parts a DistributionSummary and a DistributionConfig share. */
function sharedXml(d: StandInDistribution): string {
  return (
    list(
      "Aliases",
      "CNAME",
      (d.aliases ?? []).map((a) => xmlEscape(a)),
    ) +
    list("Origins", "Origin", d.origins.map(originXml)) +
    el("DefaultCacheBehavior", text("TargetOriginId", defaultTarget(d)) + text("ViewerProtocolPolicy", "allow-all")) +
    list(
      "CacheBehaviors",
      "CacheBehavior",
      (d.behaviors ?? []).map(
        (b) =>
          text("PathPattern", b.pathPattern) +
          text("TargetOriginId", b.targetOriginId) +
          text("ViewerProtocolPolicy", "allow-all"),
      ),
    ) +
    text("Comment", "stand-in") +
    el("Enabled", true)
  );
}

function summaryXml(d: StandInDistribution): string {
  return el(
    "DistributionSummary",
    text("Id", d.id) +
      text("ARN", `arn:aws:cloudfront::123456789012:distribution/${d.id}`) +
      text("Status", "Deployed") +
      text("LastModifiedTime", "2026-11-27T10:00:00.000Z") +
      text("DomainName", domainOf(d)) +
      sharedXml(d),
  );
}

function configXml(d: StandInDistribution): string {
  return document(
    "DistributionConfig",
    text("CallerReference", `stand-in-${d.id}`) +
      sharedXml(d) +
      (d.cacheTagHeader ? el("CacheTagConfig", text("HeaderName", d.cacheTagHeader)) : ""),
  );
}

function tenantXml(t: StandInTenant): string {
  return document(
    "DistributionTenant",
    text("Id", t.id) +
      text("DistributionId", t.distributionId) +
      text("Name", t.name) +
      text("Arn", `arn:aws:cloudfront::123456789012:distribution-tenant/${t.id}`) +
      el("Domains", t.domains.map((d) => el("member", text("Domain", d) + text("Status", "active"))).join("")) +
      el("Enabled", true) +
      text("Status", "Deployed"),
  );
}

interface Created extends StandInInvalidation {
  reads: number;
}

function invalidationXml(inv: Created, status: string): string {
  return document(
    "Invalidation",
    text("Id", inv.id) +
      text("Status", status) +
      text("CreateTime", "2026-11-27T10:00:00.000Z") +
      el(
        "InvalidationBatch",
        list(
          "Paths",
          "Path",
          inv.paths.map((p) => xmlEscape(p)),
        ) + text("CallerReference", inv.callerReference),
      ),
  );
}

const xmlUnescape = (value: string): string =>
  value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the stand-in on a free loopback port. */
export async function startCloudFrontApiStandIn(
  options: CloudFrontApiStandInOptions = {},
): Promise<CloudFrontApiStandIn> {
  const distributions = [...(options.distributions ?? [])];
  const tenants = [...(options.tenants ?? [])];
  const pageSize = options.pageSize ?? 100;
  const calls: StandInCall[] = [];
  const created: Created[] = [];
  let next = 1;

  // Returns true so that every branch can `return send(...)`: the request is answered.
  const send = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): true => {
    response.writeHead(status, { "content-type": "text/xml", ...headers });
    response.end(body);
    return true;
  };
  const statusOf = (inv: Created): string => (options.staysInProgress || inv.reads === 0 ? "InProgress" : "Completed");

  const invalidationCalls = (
    response: ServerResponse,
    method: string,
    target: string,
    invalidationId: string | undefined,
    body: string,
  ): true => {
    if (method === "POST" && invalidationId === undefined) {
      const paths = [...body.matchAll(/<Path>(.*?)<\/Path>/gs)].map((m) => xmlUnescape(m[1] ?? ""));
      const callerReference = xmlUnescape(/<CallerReference>(.*?)<\/CallerReference>/s.exec(body)?.[1] ?? "");
      const inv: Created = {
        id: `ISTANDIN${String(next++).padStart(6, "0")}`,
        target,
        paths,
        callerReference,
        reads: 0,
      };
      created.push(inv);
      return send(response, 201, invalidationXml(inv, statusOf(inv)), {
        location: `https://cloudfront.amazonaws.com/invalidation/${inv.id}`,
      });
    }
    if (method === "GET" && invalidationId !== undefined) {
      const inv = created.find((i) => i.id === invalidationId && i.target === target);
      if (!inv) return send(response, 404, errorXml("NoSuchInvalidation", `no invalidation ${invalidationId}`));
      inv.reads++;
      return send(response, 200, invalidationXml(inv, statusOf(inv)));
    }
    const mine = created.filter((i) => i.target === target).reverse();
    const items = mine.map(
      (i) =>
        text("Id", i.id) +
        text("CreateTime", "2026-11-27T10:00:00.000Z") +
        text("Status", options.staysInProgress ? "InProgress" : "Completed"),
    );
    return send(
      response,
      200,
      document(
        "InvalidationList",
        text("Marker", "") +
          el("MaxItems", 100) +
          el("IsTruncated", false) +
          el("Quantity", items.length) +
          (items.length > 0 ? el("Items", items.map((i) => el("InvalidationSummary", i)).join("")) : ""),
      ),
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<true> => {
    const body = await readBody(request);
    const method = request.method ?? "";
    const url = new URL(request.url ?? "/", "http://stand-in");
    calls.push({ method, url: request.url ?? "", body });
    if (options.accessDenied) {
      return send(response, 403, errorXml("AccessDenied", "User: arn:aws:iam::123456789012:user/ci is not authorized"));
    }
    const path = url.pathname.replace(/^\/2020-05-31/, "");

    if (method === "GET" && path === "/distribution") {
      const start = Number(url.searchParams.get("Marker") || "0");
      const page = distributions.slice(start, start + pageSize);
      const truncated = start + pageSize < distributions.length;
      return send(
        response,
        200,
        document(
          "DistributionList",
          text("Marker", url.searchParams.get("Marker") ?? "") +
            (truncated ? text("NextMarker", String(start + pageSize)) : "") +
            el("MaxItems", pageSize) +
            el("IsTruncated", truncated) +
            el("Quantity", page.length) +
            (page.length > 0 ? el("Items", page.map(summaryXml).join("")) : ""),
        ),
      );
    }
    const config = method === "GET" ? /^\/distribution\/([^/]+)\/config$/.exec(path) : null;
    if (config) {
      const d = distributions.find((x) => x.id === config[1]);
      if (!d) return send(response, 404, errorXml("NoSuchDistribution", "The specified distribution does not exist."));
      return send(response, 200, configXml(d), { etag: `E${d.id}` });
    }
    const ofDistribution = /^\/distribution\/([^/]+)\/invalidation(?:\/([^/]+))?$/.exec(path);
    if (ofDistribution) {
      const id = ofDistribution[1] ?? "";
      if (!distributions.some((x) => x.id === id)) {
        return send(response, 404, errorXml("NoSuchDistribution", "The specified distribution does not exist."));
      }
      return invalidationCalls(response, method, id, ofDistribution[2], body);
    }
    if (method === "GET" && path === "/distribution-tenant" && url.searchParams.has("domain")) {
      const domain = (url.searchParams.get("domain") ?? "").toLowerCase();
      const t = tenants.find((x) => x.domains.some((d) => d.toLowerCase() === domain));
      return t
        ? send(response, 200, tenantXml(t))
        : send(response, 404, errorXml("EntityNotFound", "The specified entity was not found."));
    }
    const ofTenant = /^\/distribution-tenant\/([^/]+)\/invalidation(?:\/([^/]+))?$/.exec(path);
    if (ofTenant) {
      const id = decodeURIComponent(ofTenant[1] ?? "");
      if (!tenants.some((x) => x.id === id)) {
        return send(response, 404, errorXml("EntityNotFound", "The specified entity was not found."));
      }
      return invalidationCalls(response, method, id, ofTenant[2], body);
    }
    const tenant = method === "GET" ? /^\/distribution-tenant\/([^/]+)$/.exec(path) : null;
    if (tenant) {
      const identifier = decodeURIComponent(tenant[1] ?? "");
      const t = tenants.find(
        (x) => x.id === identifier || x.name === identifier || identifier.endsWith(`:distribution-tenant/${x.id}`),
      );
      return t
        ? send(response, 200, tenantXml(t))
        : send(response, 404, errorXml("EntityNotFound", "The specified entity was not found."));
    }
    return send(response, 400, errorXml("InvalidArgument", `the stand-in does not serve ${method} ${request.url}`));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    invalidations: created,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
