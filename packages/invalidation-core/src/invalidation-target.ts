import {
  type CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  type DistributionTenant,
  GetDistributionTenantByDomainCommand,
  GetDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  type Invalidation,
  type InvalidationSummary,
  ListInvalidationsCommand,
  ListInvalidationsForDistributionTenantCommand,
} from "@aws-sdk/client-cloudfront";
import { callFailure } from "./aws-call-failure.js";
import { normalizeStatus } from "./cloudfront.js";
import { ConfigurationError, classifyError, errorName } from "./errors.js";

const show = (value: string): string => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------
// Distribution tenants
// ---------------------------------------------------------------------------------------------

/** A distribution tenant, as far as invalidating it needs. */
export interface ResolvedTenant {
  readonly id: string;
  /** The multi-tenant distribution it belongs to: read its configuration (origins, cache tags) there. */
  readonly distributionId: string;
  readonly name: string;
  readonly domains: readonly string[];
}

const TENANT_PERMISSION =
  "reading a distribution tenant needs cloudfront:GetDistributionTenant (by id or name) or " +
  "cloudfront:GetDistributionTenantByDomain (by domain) on the tenant; grant it";

function toResolved(tenant: DistributionTenant | undefined, context: string): ResolvedTenant {
  if (tenant?.Id === undefined || tenant.DistributionId === undefined) {
    throw classifyError(new Error("the response holds no tenant id or distribution id"), context);
  }
  return {
    id: tenant.Id,
    distributionId: tenant.DistributionId,
    name: tenant.Name ?? tenant.Id,
    domains: (tenant.Domains ?? []).flatMap((d) => (d.Domain === undefined ? [] : [d.Domain])),
  };
}

async function getTenant(
  client: CloudFrontClient,
  by: "domain" | "identifier",
  value: string,
): Promise<ResolvedTenant | undefined> {
  const context = by === "domain" ? `GetDistributionTenantByDomain ${value}` : `GetDistributionTenant ${value}`;
  try {
    const output =
      by === "domain"
        ? await client.send(new GetDistributionTenantByDomainCommand({ Domain: value }))
        : await client.send(new GetDistributionTenantCommand({ Identifier: value }));
    return toResolved(output.DistributionTenant, context);
  } catch (error) {
    if (errorName(error) === "EntityNotFound") return undefined;
    throw callFailure(error, context, TENANT_PERMISSION);
  }
}

/**
 * Finds the distribution tenant to invalidate. The input is the tenant's id, ARN or name
 * (GetDistributionTenant), or one of its domains (GetDistributionTenantByDomain: anything with a
 * dot that is not an ARN, lower-cased, trailing dot dropped; if no tenant has that domain it is
 * tried as a name, which may hold dots). One or two calls, no listing.
 *
 * Throws ConfigurationError, starting with `name` (the flag, input or UserParameters key), when
 * the input is empty or no tenant matches; PermissionError or TransientError when a call fails.
 *
 * @example await resolveTenant(client, "shop.example.com", "--tenant") // { id: "dt_2abc…", distributionId: "E1…", … }
 */
export async function resolveTenant(
  client: CloudFrontClient,
  idOrDomain: string,
  name: string,
): Promise<ResolvedTenant> {
  const value = idOrDomain.trim();
  if (value === "") {
    throw new ConfigurationError(`${name} is empty: give the distribution tenant's id, name or one of its domains`);
  }
  const domainLike = value.includes(".") && !value.startsWith("arn:");
  const found =
    (domainLike ? await getTenant(client, "domain", value.toLowerCase().replace(/\.$/, "")) : undefined) ??
    (await getTenant(client, "identifier", value));
  if (found) return found;
  throw new ConfigurationError(
    `${name} ${show(idOrDomain)} names no distribution tenant of the account in use ` +
      `(looked up as ${domainLike ? "a domain, then as " : ""}an id, ARN or name): check the spelling and the account. ` +
      "A standard distribution is not a tenant: give it as the distribution instead",
  );
}

// ---------------------------------------------------------------------------------------------
// One shape for sending and polling, whatever the target
// ---------------------------------------------------------------------------------------------

/** An invalidation as the engine needs it, from either API. */
export interface InvalidationState {
  readonly id: string;
  /** `InProgress` or `Completed` (normalized, see `normalizeStatus`). */
  readonly status: string;
  readonly paths: readonly string[];
  readonly callerReference: string;
}

export interface InvalidationListing {
  readonly id: string;
  readonly status: string;
}

/**
 * Creates, reads and lists invalidations on one target, a distribution or a distribution tenant,
 * so that one send/wait engine serves both.
 *
 * Errors are the SDK's, unclassified, so the engine can match `TooManyInvalidationsInProgress`
 * and `InvalidationBatchAlreadyExists` by name and classify the rest with
 * `classifyError(error, api.describe("CreateInvalidation"))`. The one exception: a tenant call's
 * `EntityNotFound` (which `classifyError` does not know) is thrown as a ConfigurationError.
 */
export interface InvalidationApi {
  readonly kind: "distribution" | "tenant";
  /** The distribution id, or the tenant id. */
  readonly targetId: string;
  /** The distribution whose limits and configuration apply (the tenant's multi-tenant distribution). */
  readonly distributionId: string;
  /** For messages and logs: `distribution E2QWRUHAPOMQZL`, `tenant dt_abc (shop) of distribution E1…`. */
  readonly label: string;
  /** `describe("CreateInvalidation")` → `CreateInvalidation on distribution E2…`, with the tenant API's own call name. */
  describe(call: "CreateInvalidation" | "GetInvalidation" | "ListInvalidations"): string;
  create(paths: readonly string[], callerReference: string): Promise<InvalidationState>;
  get(invalidationId: string): Promise<InvalidationState>;
  /** The first page (newest first, at most 100), where running invalidations are. */
  list(): Promise<InvalidationListing[]>;
}

function toState(
  invalidation: Invalidation | undefined,
  paths: readonly string[],
  callerReference: string,
  context: string,
): InvalidationState {
  if (invalidation?.Id === undefined) throw classifyError(new Error("the response holds no invalidation id"), context);
  return {
    id: invalidation.Id,
    status: normalizeStatus(invalidation.Status),
    paths: invalidation.InvalidationBatch?.Paths?.Items ?? [...paths],
    callerReference: invalidation.InvalidationBatch?.CallerReference ?? callerReference,
  };
}

function toListing(items: readonly InvalidationSummary[] | undefined): InvalidationListing[] {
  return (items ?? []).flatMap((item) =>
    item.Id === undefined ? [] : [{ id: item.Id, status: normalizeStatus(item.Status) }],
  );
}

const batch = (paths: readonly string[], callerReference: string) => ({
  CallerReference: callerReference,
  Paths: { Quantity: paths.length, Items: [...paths] },
});

/** `InvalidationApi` over CreateInvalidation, GetInvalidation and ListInvalidations. */
export function distributionInvalidationApi(client: CloudFrontClient, distributionId: string): InvalidationApi {
  const label = `distribution ${distributionId}`;
  const describe = (call: string) => `${call} on ${label}`;
  return {
    kind: "distribution",
    targetId: distributionId,
    distributionId,
    label,
    describe,
    async create(paths, callerReference) {
      const output = await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: batch(paths, callerReference),
        }),
      );
      return toState(output.Invalidation, paths, callerReference, describe("CreateInvalidation"));
    },
    async get(invalidationId) {
      const output = await client.send(
        new GetInvalidationCommand({ DistributionId: distributionId, Id: invalidationId }),
      );
      return toState(output.Invalidation, [], "", describe("GetInvalidation"));
    },
    async list() {
      const output = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }));
      return toListing(output.InvalidationList?.Items);
    },
  };
}

const TENANT_CALLS = {
  CreateInvalidation: "CreateInvalidationForDistributionTenant",
  GetInvalidation: "GetInvalidationForDistributionTenant",
  ListInvalidations: "ListInvalidationsForDistributionTenant",
} as const;

/**
 * `InvalidationApi` over CreateInvalidationForDistributionTenant, GetInvalidationForDistributionTenant
 * and ListInvalidationsForDistributionTenant (all in @aws-sdk/client-cloudfront 3.1138.0).
 */
export function tenantInvalidationApi(client: CloudFrontClient, tenant: ResolvedTenant): InvalidationApi {
  const label = `tenant ${tenant.id}${tenant.name !== tenant.id ? ` (${tenant.name})` : ""} of distribution ${tenant.distributionId}`;
  const describe = (call: keyof typeof TENANT_CALLS) => `${TENANT_CALLS[call]} on ${label}`;
  const notFound = (error: unknown, call: keyof typeof TENANT_CALLS): unknown =>
    errorName(error) === "EntityNotFound"
      ? new ConfigurationError(
          `${describe(call)} failed: ${error instanceof Error ? error.message : String(error)} ` +
            "(the tenant or invalidation does not exist: check the tenant id)",
          { cause: error },
        )
      : error;
  return {
    kind: "tenant",
    targetId: tenant.id,
    distributionId: tenant.distributionId,
    label,
    describe,
    async create(paths, callerReference) {
      try {
        const output = await client.send(
          new CreateInvalidationForDistributionTenantCommand({
            Id: tenant.id,
            InvalidationBatch: batch(paths, callerReference),
          }),
        );
        return toState(output.Invalidation, paths, callerReference, describe("CreateInvalidation"));
      } catch (error) {
        throw notFound(error, "CreateInvalidation");
      }
    },
    async get(invalidationId) {
      try {
        const output = await client.send(
          new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: tenant.id, Id: invalidationId }),
        );
        return toState(output.Invalidation, [], "", describe("GetInvalidation"));
      } catch (error) {
        throw notFound(error, "GetInvalidation");
      }
    },
    async list() {
      try {
        const output = await client.send(
          new ListInvalidationsForDistributionTenantCommand({ Id: tenant.id, MaxItems: 100 }),
        );
        return toListing(output.InvalidationList?.Items);
      } catch (error) {
        throw notFound(error, "ListInvalidations");
      }
    },
  };
}
