import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { deflateRawSync } from "node:zlib";

// Fixed-size records of a zip as Python's zipfile writes it (no extra fields, no data descriptors).
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_ENTRY_BYTES = 46;
const END_RECORD_BYTES = 22;

/**
 * The size of the zip `aws cloudformation package` makes of a Lambda `Code:` folder (Python's zipfile,
 * ZIP_DEFLATED at zlib's default level 6). Only the size is reported, and it follows from the deflated
 * data and the name of each file, so no archive is written: the release's zip writer
 * (scripts/release-assets.mjs) stays the only one, and this count cannot drift into a second.
 */
export async function zipSize(folder: string): Promise<number> {
  let total = END_RECORD_BYTES;
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    // The name stands twice: after the local header and after the central directory entry.
    const nameBytes = Buffer.byteLength(relative(folder, file).split(sep).join("/"));
    const deflated = deflateRawSync(await readFile(file), { level: 6 }).length;
    total += LOCAL_HEADER_BYTES + CENTRAL_ENTRY_BYTES + 2 * nameBytes + deflated;
  }
  return total;
}
