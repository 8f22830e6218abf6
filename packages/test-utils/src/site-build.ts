import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Writes a site into `dir` as a CI build does: the folder emptied, every file written anew with a
 * modification time newer than any upload, so that `aws s3 sync` re-uploads all of them (what the
 * content diff must see through). `files` maps slash-separated keys to their content.
 * Returns `dir`.
 */
export async function writeFreshBuild(dir: string, files: Record<string, string | Uint8Array>): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  // Two minutes ahead: newer than the objects' LastModified even with some clock skew.
  const later = new Date(Date.now() + 120_000);
  for (const [key, content] of Object.entries(files)) {
    const path = join(dir, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    await utimes(path, later, later);
  }
  return dir;
}
