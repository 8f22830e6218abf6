// The templates as a user meets them: cfn-lint, then `aws cloudformation package` (uploads
// dist/) and `create-stack` in moto (moto keeps outputs and exports with create-stack only).
import { execFile as execFileCb, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { hasMoto, hasTool, type MotoServer, startMoto } from "test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const execFile = promisify(execFileCb);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const templates = [
  "template.yaml",
  "examples/distribution-stack.yaml",
  "examples/pipeline.yaml",
  "examples/pipeline-sync-log.yaml",
];

async function cfnLint(...files: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFile("cfn-lint", files, { cwd: packageDir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe.skipIf(!hasTool("cfn-lint", 'pip install "cfn-lint"'))("cfn-lint", () => {
  it("passes every template with no error or warning", async () => {
    // One call for all templates: cfn-lint's start-up dominates its run time.
    const { code, output } = await cfnLint(...templates);
    expect(output).toBe("");
    expect(code).toBe(0);
  }, 120_000);

  it("would report W3002 for the local Code path without the template's silencing (control)", async () => {
    // Shows that the clean run above is due to the Metadata entry, not to a lint that checks nothing.
    const dir = mkdtempSync(join(tmpdir(), "cfn-lint-"));
    try {
      const text = readFileSync(join(packageDir, "template.yaml"), "utf8").replace(/\nMetadata:\n(?: .*\n|\n)*/, "\n");
      expect(text).not.toContain("ignore_checks");
      writeFileSync(join(dir, "template.yaml"), text.replace("Code: ./dist", `Code: ${join(packageDir, "dist")}`));
      const { output } = await cfnLint(join(dir, "template.yaml"));
      expect(output).toContain("W3002");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!hasMoto() || !hasTool("aws", 'pip install "awscli<2"'))(
  "aws cloudformation package + create-stack in moto",
  () => {
    let moto: MotoServer;
    let work: string;
    let packaged: string;

    // AWS CLI v1 honours AWS_ENDPOINT_URL; no config from this machine leaks in.
    const aws = async (...args: string[]) => {
      const { stdout } = await execFile("aws", [...args, "--output", "json"], {
        cwd: packageDir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: work,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          ...moto.env,
        },
      });
      return stdout.trim() === "" ? {} : JSON.parse(stdout);
    };

    beforeAll(async () => {
      if (!existsSync(join(packageDir, "dist", "index.js"))) {
        execFileSync("pnpm", ["build"], { cwd: packageDir, stdio: "inherit" });
      }
      moto = await startMoto();
      work = mkdtempSync(join(tmpdir(), "cfn-package-"));
      packaged = join(work, "packaged.yaml");
      await aws("s3api", "create-bucket", "--bucket", "cfn-packages");
      await execFile(
        "aws",
        [
          "cloudformation",
          "package",
          "--template-file",
          "template.yaml",
          "--s3-bucket",
          "cfn-packages",
          "--output-template-file",
          packaged,
        ],
        {
          cwd: packageDir,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: work,
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            ...moto.env,
          },
        },
      );
    }, 240_000);

    afterAll(async () => {
      await moto?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    }, 30_000);

    it("rewrites Code to the uploaded zip of dist/, with the ESM marker inside", async () => {
      const text = readFileSync(packaged, "utf8");
      const key = /S3Key: (\S+)/.exec(text)?.[1];
      expect(text).toContain("S3Bucket: cfn-packages");
      expect(key).toBeDefined();
      expect(text).not.toContain("Code: ./dist");
      // The template's own runtime settings survive packaging.
      expect(text).toMatch(/Runtime: nodejs24\.x/);
      expect(text).toMatch(/Architectures:\s+- arm64/);
      const zip = join(work, "code.zip");
      await aws("s3api", "get-object", "--bucket", "cfn-packages", "--key", key!, zip);
      const names = execFileSync("python3", [
        "-c",
        "import sys,zipfile;print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        zip,
      ])
        .toString()
        .trim()
        .split("\n")
        .sort();
      expect(names).toEqual(["THIRD-PARTY-LICENSES.txt", "index.js", "package.json"]);
    }, 120_000);

    it("uploads the licence and the README that the Serverless Application Repository metadata names", () => {
      const text = readFileSync(packaged, "utf8");
      expect(text).toMatch(/LicenseUrl: s3:\/\/cfn-packages\/\S+/);
      expect(text).toMatch(/ReadmeUrl: s3:\/\/cfn-packages\/\S+/);
      expect(text).toMatch(/SpdxLicenseId: MIT/);
    });

    it("creates the stack with a distribution id from another stack's export, and exports the function", async () => {
      // The stack that owns the distribution, reduced to its export.
      const siteTemplate = join(work, "site.yaml");
      writeFileSync(
        siteTemplate,
        [
          "Resources:",
          "  Handle:",
          "    Type: AWS::CloudFormation::WaitConditionHandle",
          "Outputs:",
          "  DistributionId:",
          "    Value: E2QWRUHAPOMQZL",
          "    Export:",
          "      Name: site-DistributionId",
          "",
        ].join("\n"),
      );
      await aws("cloudformation", "create-stack", "--stack-name", "site", "--template-body", `file://${siteTemplate}`);
      await aws(
        "cloudformation",
        "create-stack",
        "--stack-name",
        "invalidator",
        "--template-body",
        `file://${packaged}`,
        "--parameters",
        "ParameterKey=DistributionIdExportName,ParameterValue=site-DistributionId",
        "--capabilities",
        "CAPABILITY_IAM",
      );
      const { Stacks } = await aws("cloudformation", "describe-stacks", "--stack-name", "invalidator");
      expect(Stacks[0].StackStatus).toBe("CREATE_COMPLETE");
      const outputs = Object.fromEntries(
        (Stacks[0].Outputs as { OutputKey: string; OutputValue: string }[]).map((o) => [o.OutputKey, o.OutputValue]),
      );

      const { Exports } = await aws("cloudformation", "list-exports");
      const exports = Object.fromEntries((Exports as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]));
      expect(exports["invalidator-FunctionName"]).toBe(outputs.FunctionName);
      expect(exports["invalidator-FunctionArn"]).toBe(outputs.FunctionArn);

      const { Configuration } = await aws("lambda", "get-function", "--function-name", outputs.FunctionName!);
      expect(Configuration).toMatchObject({
        FunctionArn: outputs.FunctionArn,
        Runtime: "nodejs24.x",
        Handler: "index.handler",
        Environment: {
          Variables: { CLOUDFRONT_DISTRIBUTION_ID: "E2QWRUHAPOMQZL", MANIFEST_PREFIX: "artifact-manifests/" },
        },
      });
      // Memory follows the MemorySize parameter's default; the artifact limits follow the memory.
      expect(Configuration.MemorySize).toBe(1024);
      // The token key comes from the stack's generated secret. moto has no CloudFormation support for
      // AWS::SecretsManager::Secret and leaves the dynamic reference as written; AWS resolves it at deploy.
      expect(Configuration.Environment.Variables.CONTINUATION_TOKEN_KEY).toMatch(
        /^\{\{resolve:secretsmanager:.*ContinuationTokenKey.*:SecretString\}\}$/,
      );
      // The stack made the manifest bucket (no ManifestBucketName given) and told the function.
      const bucket = Configuration.Environment.Variables.MANIFEST_BUCKET as string;
      expect(outputs.ManifestBucketName).toBe(bucket);
      await aws("s3api", "head-bucket", "--bucket", bucket);

      // The role may read and write manifests below the prefix, and list only that prefix.
      const roleName = (Configuration.Role as string).split("/").pop()!;
      const { PolicyNames } = await aws("iam", "list-role-policies", "--role-name", roleName);
      const { PolicyDocument } = await aws(
        "iam",
        "get-role-policy",
        "--role-name",
        roleName,
        "--policy-name",
        PolicyNames[0],
      );
      // moto keeps a policy from CloudFormation as a Python literal, not JSON: let Python read it.
      const document =
        typeof PolicyDocument === "string"
          ? JSON.parse(
              execFileSync(
                "python3",
                ["-c", "import ast,json,sys;print(json.dumps(ast.literal_eval(sys.stdin.read())))"],
                {
                  input: PolicyDocument,
                },
              ).toString(),
            )
          : PolicyDocument;
      // The conditional statements (AllowNameLookup, TenantId) are off by default: CloudFormation drops
      // their `!Ref AWS::NoValue`, moto leaves a null in the list.
      const statements = (
        document.Statement as ({
          Sid: string;
          Action: string | string[];
          Resource: string;
          Condition?: unknown;
        } | null)[]
      ).filter((st) => st !== null);
      const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
      expect(Object.keys(bySid)).not.toContain("ResolveDistributionDomainNames");
      expect(Object.keys(bySid)).not.toContain("InvalidateThisTenantOnly");
      expect(bySid.ReadWriteArtifactManifests).toMatchObject({
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: `arn:aws:s3:::${bucket}/artifact-manifests/*`,
      });
      expect(bySid.TellAMissingManifestFromADeniedOne).toMatchObject({
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { "s3:prefix": "artifact-manifests/*" } },
      });
      // Nothing on any other bucket: the artifact store is read with the job's credentials.
      expect(statements.filter((st) => JSON.stringify(st.Action).includes("s3:"))).toHaveLength(2);
    }, 120_000);

    it("creates the stack with the distribution id given as a parameter", async () => {
      await aws(
        "cloudformation",
        "create-stack",
        "--stack-name",
        "direct",
        "--template-body",
        `file://${packaged}`,
        "--parameters",
        "ParameterKey=DistributionId,ParameterValue=E1A2B3C4D5E6F7",
        "ParameterKey=ManifestBucketName,ParameterValue=existing-bucket",
        "ParameterKey=ManifestPrefix,ParameterValue=site/manifests/",
        "--capabilities",
        "CAPABILITY_IAM",
      );
      const { Exports } = await aws("cloudformation", "list-exports");
      const name = (Exports as { Name: string; Value: string }[]).find((e) => e.Name === "direct-FunctionName")?.Value;
      expect(name).toBeDefined();
      const { Configuration } = await aws("lambda", "get-function", "--function-name", name!);
      expect(Configuration.Environment.Variables).toMatchObject({
        CLOUDFRONT_DISTRIBUTION_ID: "E1A2B3C4D5E6F7",
        // An existing bucket and prefix: the stack creates none.
        MANIFEST_BUCKET: "existing-bucket",
        MANIFEST_PREFIX: "site/manifests/",
      });
    }, 120_000);
  },
);
