#!/usr/bin/env node
// Usage: node scripts/third-party-licenses.mjs PACKAGE_DIR OUTPUT_FILE
//
// Writes the licence texts of the third-party code a bundle is built from, read from node_modules:
// the packages that PACKAGE_DIR/src imports (not `import type`) and those in its `dependencies`, then
// their dependencies and installed optionalDependencies, transitively; workspace packages are passed
// through (their src/ imports and dependencies followed the same way). (The CLI declares what it bundles as devDependencies, so that its npm package installs
// nothing: its src/ imports say what the bundle holds.) The bundles are shipped on their own (the CLI
// on npm, the Lambda as a zip), so their licences must travel with them.
//
// The list is the dependency tree, a superset of the modules ncc keeps after tree-shaking: listing
// a licence too many is harmless, one too few is not. Packages with the same licence text share one
// copy of it, so the hundred-odd Apache-2.0 AWS SDK packages cost one text, not a hundred. The output
// depends only on the installed versions (no paths, no dates), so check-dist can compare it.
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";

const [packageDirArg, outputArg] = process.argv.slice(2);
if (!packageDirArg || !outputArg) {
  console.error("usage: node scripts/third-party-licenses.mjs PACKAGE_DIR OUTPUT_FILE");
  process.exit(2);
}
const packageDir = realpathSync(resolve(packageDirArg));
const readManifest = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const root = readManifest(packageDir);

/** Node's lookup: `name` in the node_modules of `fromDir` or of any folder above it. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

const isThirdParty = (dir) => dir.split(sep).includes("node_modules");

/** The packages that the sources under `dir` import for their values (type-only imports are erased). */
function importedPackages(dir) {
  const names = new Set();
  const files = existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }) : [];
  for (const file of files.filter((f) => /\.(m|c)?[jt]sx?$/.test(f) && !f.endsWith(".d.ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const specifiers = [
      ...[...text.matchAll(/\b(?:import|export)\s+(type\s+)?(?:[^;"'`]*?\sfrom\s*)?["']([^"']+)["']/g)]
        .filter((m) => !m[1])
        .map((m) => m[2]),
      ...[...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) continue;
      const name = specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/");
      if (!builtinModules.includes(name)) names.add(name);
    }
  }
  return names;
}

/** name@version -> { name, version, dir, license } */
const found = new Map();
const visited = new Set();
const missing = [];
const queue = [{ dir: packageDir, manifest: root, imports: importedPackages(join(packageDir, "src")) }];
while (queue.length > 0) {
  const { dir, manifest, imports = [] } = queue.shift();
  const deps = [
    ...[...new Set([...imports, ...Object.keys(manifest.dependencies ?? {})])].map((name) => ({
      name,
      optional: false,
    })),
    ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
  ];
  for (const { name, optional } of deps) {
    const depDir = findPackage(name, dir);
    if (!depDir) {
      // An optional dependency for another platform is not installed, and so not bundled.
      if (!optional) missing.push(`${name} (needed by ${manifest.name})`);
      continue;
    }
    if (visited.has(depDir)) continue;
    visited.add(depDir);
    const depManifest = readManifest(depDir);
    if (isThirdParty(depDir)) {
      const key = `${depManifest.name}@${depManifest.version}`;
      found.set(key, {
        name: depManifest.name,
        version: depManifest.version,
        dir: depDir,
        license: licenseOf(depManifest),
      });
    }
    // A workspace package is bundled from its sources too: what they import counts, declared or not.
    const imports = isThirdParty(depDir) ? [] : importedPackages(join(depDir, "src"));
    queue.push({ dir: depDir, manifest: depManifest, imports });
  }
}
if (missing.length > 0) {
  console.error(`third-party-licenses: not installed: ${missing.join(", ")}. Run pnpm install first.`);
  process.exit(1);
}

function licenseOf(manifest) {
  if (typeof manifest.license === "string") return manifest.license;
  if (manifest.license?.type) return manifest.license.type;
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map((l) => l.type ?? l).join(" OR ");
  return "UNKNOWN";
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;
function licenseTexts(dir) {
  return readdirSync(dir)
    .filter((file) => LICENSE_FILE.test(file))
    .sort()
    .map((file) => readFileSync(join(dir, file), "utf8").replace(/\r\n?/g, "\n").trim());
}

// Group the packages by their exact licence text(s).
const groups = new Map();
const byName = [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
for (const pkg of byName) {
  const texts = licenseTexts(pkg.dir);
  const text =
    texts.length > 0
      ? texts.join("\n\n---\n\n")
      : `(The package ships no licence file. Its package.json declares the licence "${pkg.license}".)`;
  const group = groups.get(text) ?? { text, packages: [] };
  group.packages.push(pkg);
  groups.set(text, group);
}

const rule = "=".repeat(100);
const out = [
  `Third-party software bundled in ${root.name} ${root.version}`,
  "",
  `${root.name} itself is under the MIT licence (LICENSE). Its bundle contains code from the packages`,
  "below, each under the licence shown with it.",
  "",
  `${found.size} packages:`,
  ...byName.map((pkg) => `  ${pkg.name}@${pkg.version} (${pkg.license})`),
  "",
];
for (const group of groups.values()) {
  out.push(
    rule,
    ...group.packages.map((pkg) => `${pkg.name}@${pkg.version} (${pkg.license})`),
    rule,
    "",
    group.text,
    "",
  );
}
const output = resolve(outputArg);
writeFileSync(output, out.join("\n"));
console.log(
  `third-party-licenses: ${found.size} packages, ${groups.size} distinct licence texts -> ${relative(process.cwd(), output)}`,
);
