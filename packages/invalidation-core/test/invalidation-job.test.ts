import {
  AccessDenied,
  CloudFrontClient,
  CreateInvalidationCommand,
  type CreateInvalidationCommandInput,
  CreateInvalidationForDistributionTenantCommand,
  GetDistributionConfigCommand,
  GetDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  ListDistributionsCommand,
  NoSuchDistribution,
  NoSuchInvalidation,
  TooManyInvalidationsInProgress,
} from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";
import { fakeClock } from "test-utils";
import { beforeEach, describe, expect, it } from "vitest";
import { type InvalidationRequest, type RunEvent, runInvalidation } from "../src/invalidation-job.js";
import type { SendState } from "../src/send-engine.js";

const client = new CloudFrontClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAUNITTEST", secretAccessKey: "unit-test-secret" },
});
const cf = mockClient(client);
let nextId = 0;
// What CloudFront keeps of each invalidation: GetInvalidation answers with the batch it was made for.
const batches = new Map<string, CreateInvalidationCommandInput["InvalidationBatch"]>();
function created(input: CreateInvalidationCommandInput, status = "InProgress") {
  nextId += 1;
  batches.set(`I${nextId}`, input.InvalidationBatch);
  return {
    Invalidation: {
      Id: `I${nextId}`,
      Status: status,
      CreateTime: new Date(0),
      InvalidationBatch: input.InvalidationBatch,
    },
  };
}
const completed = (id: string) => ({
  Invalidation: { Id: id, Status: "Completed", CreateTime: new Date(0), InvalidationBatch: batches.get(id) },
});

beforeEach(() => {
  cf.reset();
  nextId = 0;
  batches.clear();
});

const log = (text: string) => ({ kind: "log" as const, bytes: new TextEncoder().encode(text), source: "the test log" });
const request = (overrides: Partial<InvalidationRequest> = {}): InvalidationRequest => ({
  distributionIds: ["E2QWRUHAPOMQZL"],
  wait: false,
  waitTimeoutMs: 600_000,
  caller: { base: "test-run" },
  ...overrides,
});

async function run(overrides: Partial<InvalidationRequest>, clock = fakeClock()) {
  const events: RunEvent[] = [];
  let clients = 0;
  const report = await runInvalidation(request(overrides), {
    cloudFront: () => {
      clients += 1;
      return client;
    },
    clock,
    onEvent: (event) => events.push(event),
  });
  return { report, events, clients };
}

describe("runInvalidation", () => {
  it("reads a sync log, plans, sends and reports every invalidation", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input, "Completed"));
    const { report, events } = await run({
      changes: log("upload: public/a b.html to s3://site/a b.html\ndelete: s3://site/old.css\n"),
    });
    expect(report.status).toBe("completed");
    expect(report.outcome?.plan.paths).toEqual(["/a%20b.html", "/old.css"]);
    expect(report.invalidations.map((i) => [i.id, i.status, i.paths])).toEqual([
      ["I1", "Completed", ["/a%20b.html", "/old.css"]],
    ]);
    expect(events.map((e) => e.type)).toEqual(["planned", "created"]);
    const reference = cf.commandCalls(CreateInvalidationCommand)[0]?.args[0].input.InvalidationBatch?.CallerReference;
    expect(reference).toMatch(/^test-run-E2QWRUHAPOMQZL-b1-[0-9a-f]{12}$/);
  });

  it("takes changed keys as data: a key no log line could hold is planned like any other", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const { report } = await run({
      changes: { kind: "keys", keys: ["line\nbreak.html", " lead.html"], source: "a diff" },
    });
    expect(report.outcome?.plan.paths).toEqual(["/%20lead.html", "/line%0Abreak.html"]);
    expect(report.status).toBe("in-progress");
  });

  it("decodes a UTF-16 log with a byte-order mark the same way as UTF-8", async () => {
    const text = "upload: public/café.html to s3://site/café.html\n";
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, "utf16le"))]);
    const a = await run({ changes: { kind: "log", bytes: utf16, source: "utf16" }, dryRun: true });
    const b = await run({ changes: log(text), dryRun: true });
    expect(a.report.outcome?.plan.paths).toEqual(["/caf%C3%A9.html"]);
    expect(a.report.outcome?.plan.paths).toEqual(b.report.outcome?.plan.paths);
  });

  it("makes no client in a dry run, and none when nothing changed", async () => {
    const dry = await run({ changes: log("upload: a to s3://site/a\n"), dryRun: true });
    expect(dry.report.status).toBe("dry-run");
    const none = await run({ changes: log("") });
    expect(none.report.status).toBe("nothing-changed");
    expect(dry.clients + none.clients).toBe(0);
  });

  it("tells a change that fell wholly outside the key prefix apart from no change, with a warning", async () => {
    const { report, clients } = await run({
      changes: log("upload: a to s3://site/other/a.html\n"),
      mapping: { s3Prefix: "site/" },
    });
    expect(report.status).toBe("outside-prefix");
    expect(report.warnings.join("\n")).toMatch(/every changed key lies outside the key prefix "site\/"/);
    expect(clients).toBe(0);
  });

  it("reports a bad input as a classified failure, without throwing", async () => {
    const utf16NoBom = new Uint8Array([0x61, 0, 0x62, 0]);
    const { report } = await run({ changes: { kind: "log", bytes: utf16NoBom, source: "--sync-log x.log" } });
    expect(report.status).toBe("failed");
    expect(report.error?.kind).toBe("configuration");
    expect(report.error?.message).toMatch(/--sync-log x\.log/);
  });

  it("reports what a failing round created before it failed", async () => {
    cf.on(CreateInvalidationCommand, { DistributionId: "E2QWRUHAPOMQZL" }).callsFake((input) => created(input));
    cf.on(CreateInvalidationCommand, { DistributionId: "E3ABCDEFGHIJKL" }).rejects(
      new NoSuchDistribution({
        message: "The specified distribution does not exist.",
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const { report } = await run({ distributionIds: ["E2QWRUHAPOMQZL", "E3ABCDEFGHIJKL"], paths: ["/a"] });
    expect(report.status).toBe("failed");
    expect(report.error?.kind).toBe("configuration");
    expect(report.invalidations.map((i) => [i.distributionId, i.id])).toEqual([["E2QWRUHAPOMQZL", "I1"]]);
    expect(report.unsent.map((b) => b.distributionId)).toEqual(["E3ABCDEFGHIJKL"]);
  });

  it("reports a wait that timed out as in-progress with a timeout error and what was created", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    cf.on(GetInvalidationCommand).resolves({
      Invalidation: { Id: "I1", Status: "InProgress", CreateTime: new Date(0), InvalidationBatch: undefined },
    });
    const { report } = await run({ paths: ["/a"], wait: true, waitTimeoutMs: 12_000 });
    expect(report.status).toBe("in-progress");
    expect(report.error?.kind).toBe("timeout");
    expect(report.invalidations.map((i) => i.id)).toEqual(["I1"]);
  });
});

describe("runInvalidation one round at a time (the Lambda's continuations)", () => {
  const busy = () => new TooManyInvalidationsInProgress({ message: "busy", $metadata: { httpStatusCode: 400 } });

  it("returns its state instead of sleeping, and finishes from it in a later invocation", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const clock = fakeClock();
    const first = await run({ paths: ["/a"], wait: true, oneRound: true }, clock);
    expect(first.report.status).toBe("continuing");
    expect(clock.slept).toEqual([]);
    const state = JSON.parse(JSON.stringify(first.report.state)) as SendState;
    cf.on(GetInvalidationCommand).resolves(completed("I1"));
    const second = await run({ paths: ["/a"], wait: true, oneRound: true, resume: state }, clock);
    expect(second.report.status).toBe("completed");
    expect(second.report.invalidations.map((i) => [i.id, i.status])).toEqual([["I1", "Completed"]]);
    expect(cf.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
  });

  it("carries a busy distribution across invocations and sends once CloudFront takes it", async () => {
    cf.on(CreateInvalidationCommand)
      .rejectsOnce(busy())
      .callsFake((input) => created(input));
    const clock = fakeClock();
    const first = await run({ paths: ["/a"], oneRound: true }, clock);
    expect(first.report.status).toBe("continuing");
    expect(first.report.unsent).toHaveLength(1);
    const second = await run({ paths: ["/a"], oneRound: true, resume: first.report.state as SendState }, clock);
    expect(second.report.status).toBe("in-progress");
    expect(second.report.invalidations.map((i) => i.id)).toEqual(["I1"]);
  });

  it("refuses a saved state whose plan is not this one", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const first = await run({ paths: ["/a"], wait: true, oneRound: true });
    const again = await run({ paths: ["/b"], wait: true, oneRound: true, resume: first.report.state as SendState });
    expect(again.report.status).toBe("failed");
    expect(again.report.error?.message).toMatch(/the plan changed since the run started/);
  });

  it("never reports an invalidation id that CloudFront does not know", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const first = await run({ paths: ["/a"], oneRound: true, wait: true });
    const state = first.report.state as SendState;
    const forged: SendState = {
      ...state,
      distributions: state.distributions.map((d) => ({
        ...d,
        invalidations: d.invalidations.map((inv) => ({ ...inv, id: "IFORGED", completed: true })),
      })),
    };
    cf.on(GetInvalidationCommand).rejects(
      new NoSuchInvalidation({
        message: "The specified invalidation does not exist.",
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const second = await run({ paths: ["/a"], oneRound: true, wait: true, resume: forged });
    expect(second.report.status).toBe("failed");
    expect(second.report.error?.kind).toBe("configuration");
    expect(second.report.error?.message).toMatch(/CloudFront does not know/);
  });

  it("never reports an invalidation CloudFront made for another run's caller reference", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const first = await run({ paths: ["/a"], oneRound: true, wait: true });
    cf.on(GetInvalidationCommand).callsFake((input: { Id: string }) => ({
      Invalidation: {
        Id: input.Id,
        Status: "Completed",
        CreateTime: new Date(0),
        InvalidationBatch: { CallerReference: "someone-else", Paths: { Quantity: 1, Items: ["/a"] } },
      },
    }));
    const second = await run({ paths: ["/a"], oneRound: true, wait: true, resume: first.report.state as SendState });
    expect(second.report.status).toBe("failed");
    expect(second.report.error?.message).toMatch(/made it for caller reference "someone-else", not this run's/);
  });

  it("refuses a saved deadline beyond the longest a run may last", async () => {
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const clock = fakeClock();
    const first = await run({ paths: ["/a"], oneRound: true, wait: true }, clock);
    const state = first.report.state as SendState;
    const report = await runInvalidation(
      request({
        paths: ["/a"],
        oneRound: true,
        wait: true,
        resume: { ...state, deadline: state.startedAt + 10 ** 12 },
      }),
      { cloudFront: () => client, clock, maxDurationMs: 24 * 3_600_000 },
    );
    expect(report.status).toBe("failed");
    expect(report.error?.message).toMatch(/deadline is more than 1440 minutes after its start/);
  });
});

describe("runInvalidation reads the distribution (issue 17)", () => {
  const distributionConfig = (originPath: string, cacheTags = false) => ({
    DistributionConfig: {
      CallerReference: "c",
      Comment: "",
      Enabled: true,
      Origins: {
        Quantity: 1,
        Items: [
          {
            Id: "site",
            DomainName: "site-bucket.s3.eu-west-1.amazonaws.com",
            OriginPath: originPath,
            S3OriginConfig: { OriginAccessIdentity: "" },
          },
        ],
      },
      DefaultCacheBehavior: { TargetOriginId: "site", ViewerProtocolPolicy: "allow-all" },
      ...(cacheTags ? { CacheTagConfig: { HeaderName: "x-amz-meta-cache-tag" } } : {}),
    },
  });
  const prodLog = log("upload: public/index.html to s3://site-bucket/prod/index.html\n");

  it("strips the origin path of the origin that serves the synced bucket when no prefix is given", async () => {
    cf.on(GetDistributionConfigCommand).resolves(distributionConfig("/prod") as never);
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const { report, events } = await run({ changes: prodLog, readDistribution: true });
    expect(report.keyPrefix).toEqual({ value: "prod/", from: "distribution" });
    expect(report.outcome?.plan.paths).toEqual(["/", "/index.html"]);
    // Adapters say where the prefix came from with the plan, before anything is sent.
    expect(events.find((e) => e.type === "planned")).toMatchObject({
      keyPrefix: { value: "prod/", from: "distribution" },
    });
  });

  it("keeps a given prefix but warns when it contradicts the distribution", async () => {
    cf.on(GetDistributionConfigCommand).resolves(distributionConfig("/prod") as never);
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const { report } = await run({
      changes: prodLog,
      readDistribution: true,
      mapping: { s3Prefix: "" },
      names: { keyPrefix: "--s3-prefix" },
    });
    expect(report.keyPrefix).toEqual({ value: "", from: "given" });
    expect(report.warnings.join("\n")).toMatch(/--s3-prefix "" contradicts distribution E2QWRUHAPOMQZL/);
  });

  it("maps without a prefix, with a warning, when the configuration cannot be read", async () => {
    cf.on(GetDistributionConfigCommand).rejects(
      new AccessDenied({ message: "not allowed", $metadata: { httpStatusCode: 403 } }),
    );
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const { report } = await run({ changes: prodLog, readDistribution: true });
    expect(report.status).toBe("in-progress");
    expect(report.outcome?.plan.paths).toEqual(["/prod", "/prod/", "/prod/index.html"]);
    expect(report.warnings.join("\n")).toMatch(/grant cloudfront:GetDistributionConfig/);
  });

  it("resolves an alternate domain name to its distribution's id", async () => {
    cf.on(ListDistributionsCommand).resolves({
      DistributionList: {
        Marker: "",
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 1,
        Items: [
          {
            Id: "E3ABCDEFGHIJKL",
            DomainName: "d111111abcdef8.cloudfront.net",
            Aliases: { Quantity: 1, Items: ["www.example.com"] },
          },
        ],
      },
    } as never);
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const { report } = await run({ distributionIds: ["www.example.com"], paths: ["/a"] });
    expect(report.distributionIds).toEqual(["E3ABCDEFGHIJKL"]);
    expect(cf.commandCalls(CreateInvalidationCommand)[0]?.args[0].input.DistributionId).toBe("E3ABCDEFGHIJKL");
  });

  it("sends cache tags with the paths, and refuses them where the distribution keeps no tags", async () => {
    cf.on(GetDistributionConfigCommand).resolves(distributionConfig("", true) as never);
    cf.on(CreateInvalidationCommand).callsFake((input) => created(input));
    const tagged = await run({ cacheTags: ["#product-42"], paths: ["/a"] });
    expect(tagged.report.outcome?.plan.batches).toEqual([["#product-42", "/a"]]);
    expect(tagged.report.outcome?.plan.pathCount).toBe(2);
    const tagsOnly = await run({ cacheTags: ["#product-42"] });
    expect(tagsOnly.report.outcome?.plan.paths).toEqual(["#product-42"]);
    cf.on(GetDistributionConfigCommand).resolves(distributionConfig("") as never);
    const refused = await run({ cacheTags: ["#product-42"], names: { cacheTags: "--cache-tag" } });
    expect(refused.report.status).toBe("failed");
    expect(refused.report.error?.message).toMatch(/--cache-tag gives cache tag #product-42, but distribution/);
  });

  it("plans, sends and waits for a distribution tenant through the tenant APIs", async () => {
    cf.on(GetDistributionTenantCommand).resolves({
      DistributionTenant: { Id: "dt_2abcDEF", DistributionId: "E2QWRUHAPOMQZL", Name: "shop", Domains: [] },
    } as never);
    cf.on(CreateInvalidationForDistributionTenantCommand).callsFake((input) => created(input as never));
    cf.on(GetInvalidationForDistributionTenantCommand).resolves(completed("I1") as never);
    const { report } = await run({ distributionIds: [], tenants: ["shop"], paths: ["/a"], wait: true });
    expect(report.status).toBe("completed");
    expect(report.distributionIds).toEqual(["dt_2abcDEF"]);
    expect(cf.commandCalls(CreateInvalidationForDistributionTenantCommand)[0]?.args[0].input.Id).toBe("dt_2abcDEF");
    expect(cf.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  });
});
