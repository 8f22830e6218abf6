import {
  type CloudFrontClient,
  type DistributionTenant,
  GetDistributionTenantByDomainCommand,
  GetDistributionTenantCommand,
} from "@aws-sdk/client-cloudfront";
import { callFailure } from "./aws-call-failure.js";
import { ConfigurationError, classifyError, errorName } from "./errors.js";

const show = (value: string): string => JSON.stringify(value);

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
