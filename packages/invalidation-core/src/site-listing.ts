import type { Dirent, Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "./errors.js";

/** A file below the site directory: its S3 key relative to the directory (`/`-separated), and where it is. */
export interface SiteFile {
  readonly key: string;
  readonly path: string;
}

export interface SiteWalk {
  /** Every regular file a sync of the directory would upload, in no particular order. */
  readonly files: SiteFile[];
  /** Why entries were left out (`skipped "key": reason`): broken links, loops, sockets and the like. */
  readonly skipped: string[];
}

/**
 * Walks `root` as `aws s3 sync` does: every regular file below it, following symbolic links to
 * files and folders (unless `followSymlinks` is false, as with the CLI's `--no-follow-symlinks`).
 * A folder reached through a link gets the link's name in its keys, so a folder linked twice is
 * listed twice, as the CLI uploads it twice. A link back to a folder that contains it (a loop, which
 * the CLI would follow until the path is too long) is skipped, and so are broken links and anything
 * that is not a regular file; each is named in `skipped`.
 *
 * @throws ConfigurationError when `root` is not a readable directory.
 * @example
 * const { files } = await walkSiteFiles("public");
 * files.map((file) => file.key); // → ["index.html", "blog/index.html", ...]
 */
export async function walkSiteFiles(root: string, options: { followSymlinks?: boolean } = {}): Promise<SiteWalk> {
  const follow = options.followSymlinks ?? true;
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the site directory ${JSON.stringify(root)}: ${(error as Error).message} (give the folder that the sync uploads)`,
      { cause: error },
    );
  }
  if (!rootStats.isDirectory()) {
    throw new ConfigurationError(`the site directory ${JSON.stringify(root)} is not a directory`);
  }
  const files: SiteFile[] = [];
  const skipped: string[] = [];
  // Each folder carries the identities (device:inode) of the folders it is in, to recognise a loop.
  const pending: { path: string; key: string; chain: readonly string[] }[] = [
    { path: root, key: "", chain: [identity(rootStats)] },
  ];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(directory.path, { withFileTypes: true });
    } catch (error) {
      throw new ConfigurationError(`cannot list ${JSON.stringify(directory.path)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const folders: SiteFile[] = [];
    const links: SiteFile[] = [];
    for (const entry of entries) {
      const path = join(directory.path, entry.name);
      const key = directory.key + entry.name;
      if (entry.isDirectory()) folders.push({ key, path });
      else if (entry.isFile()) files.push({ key, path });
      else if (entry.isSymbolicLink()) {
        if (follow) links.push({ key, path });
      } else skipped.push(`skipped ${JSON.stringify(key)}: not a regular file`);
    }
    // stat follows a link: to a file, a folder, or nowhere (broken).
    const [folderStats, linkStats] = await Promise.all([
      Promise.all(folders.map((folder) => stat(folder.path))),
      Promise.all(links.map((link) => stat(link.path).catch(() => undefined))),
    ]);
    folders.forEach((folder, i) => {
      pending.push({ ...folder, key: `${folder.key}/`, chain: [...directory.chain, identity(folderStats[i]!)] });
    });
    links.forEach((link, i) => {
      const target = linkStats[i];
      if (target === undefined) skipped.push(`skipped ${JSON.stringify(link.key)}: broken symbolic link`);
      else if (target.isFile()) files.push(link);
      else if (!target.isDirectory()) skipped.push(`skipped ${JSON.stringify(link.key)}: not a regular file`);
      else if (directory.chain.includes(identity(target))) {
        skipped.push(`skipped ${JSON.stringify(link.key)}: symbolic link back to a folder that contains it (a loop)`);
      } else pending.push({ ...link, key: `${link.key}/`, chain: [...directory.chain, identity(target)] });
    });
  }
  return { files, skipped };
}

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Lists every file below `directory` as the S3 keys a sync of it would write (relative, `/`
 * separated, sorted), following symbolic links as the sync does (see {@link walkSiteFiles}). The
 * planner uses it to count what a wildcard would hit.
 */
export async function listSiteKeys(directory: string): Promise<string[]> {
  const { files } = await walkSiteFiles(directory);
  return files.map((file) => file.key).sort();
}
