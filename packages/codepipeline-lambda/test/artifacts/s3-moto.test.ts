// Against moto's S3: the artifact is read with ranged GETs and the job's artifact credentials, and
// the manifest goes to and comes from the function's own bucket.
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ConfigurationError } from "invalidation-core";
import { hasMoto, type MotoServer, motoS3Config, resetMoto, startMoto } from "test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ArtifactError,
  createS3Client,
  diffManifests,
  manifestFromDirectory,
  manifestLocation,
  openArtifact,
  readArtifactFile,
  readManifest,
  type S3RangeReader,
  writeManifest,
} from "../../src/artifacts/index.js";
import { buildZip } from "./zip-writer.ts";

// Distinct from the environment's credentials, so the signature shows which ones were used.
const ARTIFACT_CREDENTIALS = {
  accessKeyId: "AKIAARTIFACTSTORE001",
  secretAccessKey: "artifactSecretForMotoOnly000000000000000",
  sessionToken: "artifactSessionTokenForMotoOnly",
};

interface Traffic {
  /** One line per HTTP request: method, key and Range header. */
  requests: string[];
  /** Body bytes received on GETs. */
  bytes: number;
  accessKeys: Set<string>;
}

/** Records what goes over the wire, below the reader, so the counts do not trust the reader's own. */
function recordTraffic(client: S3Client): Traffic {
  const traffic: Traffic = { requests: [], bytes: 0, accessKeys: new Set() };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string; headers: Record<string, string> };
      const result = await next(args);
      const response = result.response as { headers: Record<string, string> };
      traffic.requests.push(`${request.method} ${request.path} ${request.headers.range ?? ""}`.trim());
      const key = /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? "")?.[1];
      if (key) traffic.accessKeys.add(key);
      if (request.method === "GET") traffic.bytes += Number(response.headers["content-length"] ?? 0);
      return result;
    },
    { step: "finalizeRequest", name: "recordTraffic", priority: "low" },
  );
  return traffic;
}

describe.skipIf(!hasMoto())("artifacts in moto's S3", () => {
  let moto: MotoServer;
  let storeClient: S3Client; // plays the pipeline: uploads artifacts
  const STORE = "codepipeline-us-east-1-artifacts";
  const OWN = "invalidator-manifests";

  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  }, 30_000);
  beforeEach(async () => {
    await resetMoto(moto);
    storeClient = new S3Client(motoS3Config(moto));
    await storeClient.send(new CreateBucketCommand({ Bucket: STORE }));
    await storeClient.send(new CreateBucketCommand({ Bucket: OWN }));
  });

  async function upload(key: string, body: Buffer): Promise<void> {
    await storeClient.send(new PutObjectCommand({ Bucket: STORE, Key: key, Body: body }));
  }

  function artifact(name: string, objectKey: string) {
    return { name, location: { type: "S3", s3Location: { bucketName: STORE, objectKey } } };
  }

  it("reads the directory and one file with ranged GETs and the artifact credentials, never the whole zip", async () => {
    // 3 MB of incompressible site plus a small sync log: a whole download would show in the byte count.
    const zip = buildZip([
      { name: "assets/" },
      { name: "assets/video.bin", data: randomBytes(3_000_000) },
      { name: "index.html", data: "<h1>home</h1>", method: 8 },
      { name: "sync.log", data: "upload: ./index.html to s3://site/index.html\n", method: 8 },
    ]);
    await upload("MyPipeline/BuildOutpu/AbC123x", zip.bytes);
    const client = createS3Client({}, ARTIFACT_CREDENTIALS, moto.endpoint);
    const traffic = recordTraffic(client);

    const opened = await openArtifact(client, artifact("BuildOutput", "MyPipeline/BuildOutpu/AbC123x"));
    expect(opened.directory.entries.map((e) => e.name)).toEqual([
      "assets/",
      "assets/video.bin",
      "index.html",
      "sync.log",
    ]);
    const log = await readArtifactFile(opened, "sync.log");
    expect(log.toString()).toBe("upload: ./index.html to s3://site/index.html\n");

    // HEAD for the size, the tail, the central directory, the log: four requests, a few KiB.
    expect(traffic.requests).toEqual([
      "HEAD /codepipeline-us-east-1-artifacts/MyPipeline/BuildOutpu/AbC123x",
      `GET /codepipeline-us-east-1-artifacts/MyPipeline/BuildOutpu/AbC123x bytes=${zip.bytes.length - 65557}-${zip.bytes.length - 1}`,
      `GET /codepipeline-us-east-1-artifacts/MyPipeline/BuildOutpu/AbC123x bytes=${zip.cdOffset}-${zip.cdOffset + zip.cdSize - 1}`,
      expect.stringMatching(new RegExp(`^GET .* bytes=${zip.localOffsets[3]}-\\d+$`)),
    ]);
    expect(traffic.bytes).toBeLessThan(70_000);
    expect(traffic.bytes).toBeLessThan(zip.bytes.length / 40);
    expect(traffic.accessKeys).toEqual(new Set([ARTIFACT_CREDENTIALS.accessKeyId]));
    expect((opened.reader as S3RangeReader).stats).toEqual({ requests: 3, bytes: traffic.bytes });
  });

  it("reads a zip64 artifact and a tiny one whose tail is the whole file", async () => {
    const client = createS3Client({}, ARTIFACT_CREDENTIALS, moto.endpoint);
    await upload(
      "p/zip64/1",
      buildZip([{ name: "a/日本.html", data: "x".repeat(100), method: 8 }], { zip64: true }).bytes,
    );
    await upload("p/tiny/1", buildZip([]).bytes);
    const zip64 = await openArtifact(client, artifact("Zip64", "p/zip64/1"));
    expect(zip64.directory.zip64).toBe(true);
    expect((await readArtifactFile(zip64, "a/日本.html")).toString()).toBe("x".repeat(100));
    expect((await openArtifact(client, artifact("Tiny", "p/tiny/1"))).directory.entries).toEqual([]);
  });

  it("fails a missing artifact as ArtifactError 'missing', naming it", async () => {
    const client = createS3Client({}, ARTIFACT_CREDENTIALS, moto.endpoint);
    const error = await openArtifact(client, artifact("SiteOutput", "p/none/1")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).problem).toBe("missing");
    expect((error as Error).message).toMatch(
      /input artifact "SiteOutput" \(s3:\/\/codepipeline-us-east-1-artifacts\/p\/none\/1\) does not exist/,
    );
    expect((error as Error).message).not.toContain(ARTIFACT_CREDENTIALS.secretAccessKey);
  });

  it("fails an artifact that is not a zip, after reading only its tail", async () => {
    await upload("p/html/1", Buffer.from("<html></html>".repeat(20_000)));
    const client = createS3Client({}, ARTIFACT_CREDENTIALS, moto.endpoint);
    const traffic = recordTraffic(client);
    const error = await openArtifact(client, artifact("SiteOutput", "p/html/1")).catch((e: unknown) => e);
    expect((error as ArtifactError).problem).toBe("not-a-zip");
    expect(traffic.bytes).toBe(65557);
  });

  it("stores manifests across runs: first run, then the exact changes including deletions", async () => {
    const own = new S3Client(motoS3Config(moto));
    const artifactClient = createS3Client({}, ARTIFACT_CREDENTIALS, moto.endpoint);
    const location = manifestLocation({ bucket: OWN, distributionIds: ["E2QWRUHAPOMQZL"] });

    const runs = [
      buildZip([{ name: "index.html", data: "v1" }, { name: "old.html", data: "bye" }, { name: "css/" }]),
      buildZip([{ name: "index.html", data: "v2" }, { name: "new.html", data: "hi" }, { name: "css/" }]),
    ];
    const diffs = [];
    for (const [i, zip] of runs.entries()) {
      await upload(`p/site/${i}`, zip.bytes);
      const opened = await openArtifact(artifactClient, artifact("SiteOutput", `p/site/${i}`));
      const current = manifestFromDirectory(opened.directory);
      diffs.push(diffManifests(await readManifest(own, location), current));
      await writeManifest(own, location, current);
    }
    expect(diffs[0]!.firstRun).toBe(true);
    expect(diffs[1]).toMatchObject({
      firstRun: false,
      added: ["new.html"],
      changed: ["index.html"],
      removed: ["old.html"],
      changedKeys: ["index.html", "new.html", "old.html"],
    });
  });

  it("fails on a manifest bucket that does not exist instead of treating it as the first run", async () => {
    const own = new S3Client(motoS3Config(moto));
    await expect(readManifest(own, { bucket: "no-such-bucket", key: "m.json.gz" })).rejects.toThrow(ConfigurationError);
  });
});
