import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { hasTool } from "test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { zipSize } from "../src/zip.ts";

// What `aws cloudformation package` runs for a Code: folder (awscli's make_zip), printing the zip's
// size and its deflated bytes: node's zlib deflates to other bytes than Python's, so the test compares
// what is left, the records and names that zipSize counts instead of writing.
const MAKE_ZIP = `
import io, json, os, sys, zipfile
root = sys.argv[1]
out = io.BytesIO()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            zf.write(path, os.path.relpath(path, root))
    deflated = sum(info.compress_size for info in zf.infolist())
print(json.dumps({"size": len(out.getvalue()), "deflated": deflated}))
`;

describe.skipIf(!hasTool("python3", "any Python 3 (the AWS CLI v1 runs on it)"))("zipSize", () => {
  let folder: string | undefined;
  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it("counts the records and names of the zip Python's zipfile writes, nested folders and UTF-8 names included", async () => {
    folder = await mkdtemp(join(tmpdir(), "bench-zip-"));
    const files: Record<string, string> = {
      "index.js": "export const handler = async () => 'ok';\n".repeat(200),
      "package.json": '{"type":"module"}\n',
      "vendor/licences/THIRD-PARTY-LICENSES.txt": "MIT\n".repeat(50),
      "vendor/café.txt": "é\n",
    };
    let nodeDeflated = 0;
    for (const [name, content] of Object.entries(files)) {
      const path = join(folder, name);
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, content);
      nodeDeflated += deflateRawSync(await readFile(path), { level: 6 }).length;
    }
    const python = spawnSync("python3", ["-c", MAKE_ZIP, folder], { encoding: "utf8" });
    expect(python.status, python.stderr).toBe(0);
    const made = JSON.parse(python.stdout) as { size: number; deflated: number };
    expect((await zipSize(folder)) - nodeDeflated).toBe(made.size - made.deflated);
  });
});
