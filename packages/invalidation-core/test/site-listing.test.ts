import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.js";
import { listSiteKeys, walkSiteFiles } from "../src/site-listing.js";

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function site(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "site-listing-"));
  made.push(dir);
  for (const [key, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), content);
  }
  return dir;
}

describe("listSiteKeys", () => {
  it("lists every file as the sync's keys, sorted and `/`-separated", async () => {
    const dir = await site({ "index.html": "", "blog/a/index.html": "", "css/site.css": "" });
    expect(await listSiteKeys(dir)).toEqual(["blog/a/index.html", "css/site.css", "index.html"]);
  });

  it("follows symbolic links as `aws s3 sync` does: a linked folder's files are listed under the link", async () => {
    // A wildcard over /shared/* or /docs/* hits the linked files too: skipping them undercounts its cost.
    const dir = await site({ "assets/logo.png": "", "assets/css/a.css": "", "docs/page.html": "" });
    await symlink(join(dir, "assets"), join(dir, "docs/assets"));
    await symlink(join(dir, "docs/page.html"), join(dir, "latest.html"));
    expect(await listSiteKeys(dir)).toEqual([
      "assets/css/a.css",
      "assets/logo.png",
      "docs/assets/css/a.css",
      "docs/assets/logo.png",
      "docs/page.html",
      "latest.html",
    ]);
  });

  it("follows a folder linked twice twice, but never a link back into a folder that contains it", async () => {
    const dir = await site({ "a/x.txt": "" });
    await symlink(join(dir, "a"), join(dir, "b"));
    await symlink(join(dir, "a"), join(dir, "c"));
    await symlink(dir, join(dir, "a/up"));
    await symlink(join(dir, "a"), join(dir, "a/self"));
    expect(await listSiteKeys(dir)).toEqual(["a/x.txt", "b/x.txt", "c/x.txt"]);
    const { skipped } = await walkSiteFiles(dir);
    expect(skipped).toHaveLength(6);
    expect(skipped.every((reason) => reason.endsWith("(a loop)"))).toBe(true);
  });

  it("skips broken links, and all links when told not to follow them", async () => {
    const dir = await site({ "a.txt": "" });
    await symlink(join(dir, "missing"), join(dir, "broken"));
    await symlink(join(dir, "a.txt"), join(dir, "b.txt"));
    const walk = await walkSiteFiles(dir);
    expect(walk.files.map((file) => file.key).sort()).toEqual(["a.txt", "b.txt"]);
    expect(walk.skipped).toEqual(['skipped "broken": broken symbolic link']);
    const plain = await walkSiteFiles(dir, { followSymlinks: false });
    expect(plain.files.map((file) => file.key)).toEqual(["a.txt"]);
  });

  it("says which folder it cannot read, as a configuration error", async () => {
    const missing = join(tmpdir(), "no-such-site-folder-xyz");
    await expect(listSiteKeys(missing)).rejects.toThrow(ConfigurationError);
    await expect(listSiteKeys(missing)).rejects.toThrow(JSON.stringify(missing));
    const dir = await site({ "a.txt": "" });
    await expect(listSiteKeys(join(dir, "a.txt"))).rejects.toThrow(/is not a directory/);
  });
});
