import {
  AccessDenied,
  CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  EntityNotFound,
  GetDistributionTenantByDomainCommand,
  GetDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  ListInvalidationsCommand,
  ListInvalidationsForDistributionTenantCommand,
  TooManyInvalidationsInProgress,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { distributionInvalidationApi, tenantInvalidationApi } from "../src/cloudfront.js";
import { type ResolvedTenant, resolveTenant } from "../src/distribution-tenant.js";
import { ConfigurationError, errorName, PermissionError } from "../src/errors.js";

const cloudFront = mockClient(CloudFrontClient);
const client = new CloudFrontClient({ region: "us-east-1" });
beforeEach(() => cloudFront.reset());

const TENANT = {
  Id: "dt_2abcDEF",
  DistributionId: "E1MULTI000001",
  Name: "shop",
  Domains: [{ Domain: "shop.example.com", Status: "active" as const }],
};
const notFound = () => new EntityNotFound({ message: "The specified entity was not found.", $metadata: {} });

describe("resolveTenant", () => {
  it("looks a domain up with GetDistributionTenantByDomain, lower-cased", async () => {
    cloudFront
      .on(GetDistributionTenantByDomainCommand, { Domain: "shop.example.com" })
      .resolves({ DistributionTenant: TENANT });
    await expect(resolveTenant(client, "Shop.Example.com.", "--tenant")).resolves.toEqual({
      id: "dt_2abcDEF",
      distributionId: "E1MULTI000001",
      name: "shop",
      domains: ["shop.example.com"],
    });
    expect(cloudFront.calls()).toHaveLength(1);
  });

  it("looks an id, ARN or name up with GetDistributionTenant, without the domain call", async () => {
    cloudFront.on(GetDistributionTenantCommand, { Identifier: "dt_2abcDEF" }).resolves({ DistributionTenant: TENANT });
    await expect(resolveTenant(client, " dt_2abcDEF ", "--tenant")).resolves.toMatchObject({ id: "dt_2abcDEF" });
    expect(cloudFront.commandCalls(GetDistributionTenantByDomainCommand)).toHaveLength(0);
  });

  it("tries a dotted value as a name when no tenant has that domain", async () => {
    cloudFront.on(GetDistributionTenantByDomainCommand).rejects(notFound());
    cloudFront.on(GetDistributionTenantCommand, { Identifier: "shop.v2" }).resolves({ DistributionTenant: TENANT });
    await expect(resolveTenant(client, "shop.v2", "--tenant")).resolves.toMatchObject({ id: "dt_2abcDEF" });
  });

  it("calls an unknown tenant a configuration error naming the value and the flag", async () => {
    cloudFront.on(GetDistributionTenantByDomainCommand).rejects(notFound());
    cloudFront.on(GetDistributionTenantCommand).rejects(notFound());
    const resolved = resolveTenant(client, "nope.example.com", 'input "tenant"');
    await expect(resolved).rejects.toBeInstanceOf(ConfigurationError);
    await expect(resolved).rejects.toThrow(
      /^input "tenant" "nope\.example\.com" names no distribution tenant .*looked up as a domain, then as an id/,
    );
    await expect(resolveTenant(client, "", "--tenant")).rejects.toThrow(/^--tenant is empty/);
  });

  it("names the tenant read actions when it is denied", async () => {
    cloudFront
      .on(GetDistributionTenantCommand)
      .rejects(new AccessDenied({ message: "denied", $metadata: { httpStatusCode: 403 } }));
    const resolved = resolveTenant(client, "dt_2abcDEF", "--tenant");
    await expect(resolved).rejects.toBeInstanceOf(PermissionError);
    await expect(resolved).rejects.toThrow(/cloudfront:GetDistributionTenant/);
  });
});

const invalidation = (id: string, status: string, paths: string[], ref: string) => ({
  Id: id,
  Status: status,
  CreateTime: new Date(0),
  InvalidationBatch: { CallerReference: ref, Paths: { Quantity: paths.length, Items: paths } },
});

describe("distributionInvalidationApi", () => {
  const api = distributionInvalidationApi(client, "E2QWRUHAPOMQZL");

  it("creates, reads and lists through the distribution calls, statuses normalized", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .resolves({ Invalidation: invalidation("I1", "InProgress", ["/a", "#tv"], "r-0") });
    cloudFront.on(GetInvalidationCommand, { DistributionId: "E2QWRUHAPOMQZL", Id: "I1" }).resolves({
      Invalidation: invalidation("I1", "COMPLETED", ["/a", "#tv"], "r-0"),
    });
    cloudFront.on(ListInvalidationsCommand).resolves({
      InvalidationList: {
        Marker: "",
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 2,
        Items: [
          { Id: "I2", Status: "InProgress", CreateTime: new Date(0) },
          { Id: "I1", Status: "Completed", CreateTime: new Date(0) },
        ],
      },
    });
    expect(api).toMatchObject({ kind: "distribution", targetId: "E2QWRUHAPOMQZL", distributionId: "E2QWRUHAPOMQZL" });
    await expect(api.create(["/a", "#tv"], "r-0")).resolves.toEqual({
      id: "I1",
      status: "InProgress",
      paths: ["/a", "#tv"],
      callerReference: "r-0",
    });
    expect(cloudFront.commandCalls(CreateInvalidationCommand)[0]?.args[0].input).toEqual({
      DistributionId: "E2QWRUHAPOMQZL",
      InvalidationBatch: { CallerReference: "r-0", Paths: { Quantity: 2, Items: ["/a", "#tv"] } },
    });
    await expect(api.get("I1")).resolves.toMatchObject({ id: "I1", status: "Completed" });
    await expect(api.list()).resolves.toEqual([
      { id: "I2", status: "InProgress" },
      { id: "I1", status: "Completed" },
    ]);
    // The distribution API keeps the wording every earlier message had: `CreateInvalidation on <id>`.
    expect(api.describe("CreateInvalidation")).toBe("CreateInvalidation on E2QWRUHAPOMQZL");
  });

  it("leaves the SDK's errors as they are, for the engine to match by name", async () => {
    cloudFront
      .on(CreateInvalidationCommand)
      .rejects(new TooManyInvalidationsInProgress({ message: "busy", $metadata: {} }));
    const error = await api.create(["/a"], "r").catch((e: unknown) => e);
    expect(errorName(error)).toBe("TooManyInvalidationsInProgress");
  });
});

describe("tenantInvalidationApi", () => {
  const tenant: ResolvedTenant = { id: "dt_2abcDEF", distributionId: "E1MULTI000001", name: "shop", domains: [] };
  const api = tenantInvalidationApi(client, tenant);

  it("creates, reads and lists through the tenant calls", async () => {
    cloudFront
      .on(CreateInvalidationForDistributionTenantCommand)
      .resolves({ Invalidation: invalidation("I9", "InProgress", ["/*"], "r-1") });
    cloudFront
      .on(GetInvalidationForDistributionTenantCommand, { DistributionTenantId: "dt_2abcDEF", Id: "I9" })
      .resolves({ Invalidation: invalidation("I9", "Completed", ["/*"], "r-1") });
    cloudFront.on(ListInvalidationsForDistributionTenantCommand, { Id: "dt_2abcDEF", MaxItems: 100 }).resolves({
      InvalidationList: {
        Marker: "",
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 1,
        Items: [{ Id: "I9", Status: "Completed", CreateTime: new Date(0) }],
      },
    });
    expect(api).toMatchObject({ kind: "tenant", targetId: "dt_2abcDEF", distributionId: "E1MULTI000001" });
    expect(api.label).toBe("tenant dt_2abcDEF (shop) of distribution E1MULTI000001");
    await expect(api.create(["/*"], "r-1")).resolves.toMatchObject({ id: "I9", status: "InProgress" });
    expect(cloudFront.commandCalls(CreateInvalidationForDistributionTenantCommand)[0]?.args[0].input).toEqual({
      Id: "dt_2abcDEF",
      InvalidationBatch: { CallerReference: "r-1", Paths: { Quantity: 1, Items: ["/*"] } },
    });
    await expect(api.get("I9")).resolves.toMatchObject({ status: "Completed" });
    await expect(api.list()).resolves.toEqual([{ id: "I9", status: "Completed" }]);
    expect(api.describe("GetInvalidation")).toBe(
      "GetInvalidationForDistributionTenant on tenant dt_2abcDEF (shop) of distribution E1MULTI000001",
    );
    expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });

  it("turns EntityNotFound into a configuration error and leaves other errors to the engine", async () => {
    cloudFront.on(CreateInvalidationForDistributionTenantCommand).rejects(notFound());
    await expect(api.create(["/a"], "r")).rejects.toThrow(
      /^CreateInvalidationForDistributionTenant on tenant dt_2abcDEF .* failed: .*check the tenant id/,
    );
    await expect(api.create(["/a"], "r")).rejects.toBeInstanceOf(ConfigurationError);
    cloudFront
      .on(GetInvalidationForDistributionTenantCommand)
      .rejects(new TooManyInvalidationsInProgress({ message: "busy", $metadata: {} }));
    expect(errorName(await api.get("I1").catch((e: unknown) => e))).toBe("TooManyInvalidationsInProgress");
  });
});
