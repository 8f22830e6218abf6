// The repository carries the action twice: packages/github-action/action.yml (the subfolder form,
// `uses: cloudfront-invalidate/cloudfront-invalidate/packages/github-action@v1`) and action.yml at
// the root (`uses: cloudfront-invalidate/cloudfront-invalidate@v1`, and the Marketplace listing).
// Both must run the same committed bundle with the same inputs, outputs and defaults.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPO_ROOT = join(PACKAGE_DIR, "..", "..");
const SUBFOLDER_YML = join(PACKAGE_DIR, "action.yml");
const ROOT_YML = join(REPO_ROOT, "action.yml");
/** Where the root action.yml finds the bundle, relative to the repository root. */
const BUNDLE_FROM_ROOT = relative(REPO_ROOT, join(PACKAGE_DIR, "dist", "index.js"))
  .split("\\")
  .join("/");

interface ActionMetadata {
  /** Top-level scalar keys (name, description, author), folded text joined with spaces. */
  readonly top: Record<string, string>;
  /** Each section's keys and scalar values: `branding`, `runs`. */
  readonly sections: Record<string, Record<string, string>>;
  /** Inputs and outputs: name -> their keys (description, required, default). */
  readonly inputs: Record<string, Record<string, string>>;
  readonly outputs: Record<string, Record<string, string>>;
}

/**
 * A reader for the one shape action.yml files have here (block scalars `>-`, two-space indents;
 * no YAML library is a dependency of this workspace). It keeps every key it meets, so a file it
 * misreads gives different values for the two files, or missing ones, and a test below fails.
 */
function readAction(path: string): ActionMetadata {
  const top: Record<string, string> = {};
  const sections: Record<string, Record<string, string>> = {};
  const inputs: Record<string, Record<string, string>> = {};
  const outputs: Record<string, Record<string, string>> = {};
  let section = "";
  let item: Record<string, string> | undefined;
  let target: { readonly record: Record<string, string>; readonly key: string } | undefined;
  const unquote = (value: string) => value.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
  const assign = (record: Record<string, string>, key: string, value: string) => {
    if (value === ">-" || value === ">" || value === "|") {
      record[key] = "";
      target = { record, key };
    } else {
      record[key] = unquote(value);
      target = undefined;
    }
  };
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const pair = /^\s*([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (target && indent > (target.record === top ? 0 : section === "inputs" || section === "outputs" ? 4 : 2)) {
      target.record[target.key] = `${target.record[target.key]} ${line.trim()}`.trim();
      continue;
    }
    if (!pair?.[1]) throw new Error(`${path}: cannot read the line ${JSON.stringify(line)}`);
    const [, key, value = ""] = pair;
    if (indent === 0) {
      item = undefined;
      if (value === "") {
        section = key;
        target = undefined;
        if (key !== "inputs" && key !== "outputs") sections[key] = {};
      } else {
        section = "";
        assign(top, key, value);
      }
    } else if ((section === "inputs" || section === "outputs") && indent === 2) {
      item = {};
      (section === "inputs" ? inputs : outputs)[key] = item;
      target = undefined;
    } else if ((section === "inputs" || section === "outputs") && indent === 4 && item) {
      assign(item, key, value);
    } else if (indent === 2 && sections[section] !== undefined) {
      assign(sections[section] ?? {}, key, value);
    } else {
      throw new Error(`${path}: unexpected line ${JSON.stringify(line)}`);
    }
  }
  return { top, sections, inputs, outputs };
}

describe("action.yml at the repository root", () => {
  const subfolder = readAction(SUBFOLDER_YML);
  const root = readAction(ROOT_YML);

  it("reads both files completely (the reader sees what the runner sees)", () => {
    expect(Object.keys(subfolder.inputs).length).toBeGreaterThanOrEqual(16);
    expect(Object.keys(subfolder.outputs).length).toBeGreaterThanOrEqual(4);
    expect(subfolder.inputs["max-paths"]).toMatchObject({ required: "false", default: "30" });
    expect(subfolder.sections.runs).toMatchObject({ using: "node24", main: "dist/index.js" });
  });

  it("declares the same inputs, in the same order, with the same descriptions, required flags and defaults", () => {
    expect(Object.keys(root.inputs)).toEqual(Object.keys(subfolder.inputs));
    expect(root.inputs).toEqual(subfolder.inputs);
  });

  it("declares the same outputs with the same descriptions", () => {
    expect(root.outputs).toEqual(subfolder.outputs);
  });

  it("has what the Marketplace lists: name, description, author, branding", () => {
    expect(root.top).toEqual(subfolder.top);
    expect(root.top.name).toMatch(/\S/);
    expect(root.top.description).toMatch(/\S/);
    expect(root.sections.branding).toEqual(subfolder.sections.branding);
    expect(root.sections.branding?.icon).toMatch(/^[a-z0-9-]+$/);
    expect(["white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"]).toContain(
      root.sections.branding?.color,
    );
  });

  it("runs the committed bundle as main and post, on node24, with the same post-if", () => {
    expect(root.sections.runs).toEqual({
      ...subfolder.sections.runs,
      main: BUNDLE_FROM_ROOT,
      post: BUNDLE_FROM_ROOT,
    });
    expect(subfolder.sections.runs?.post).toBe("dist/index.js");
    expect(root.sections.runs?.["post-if"]).toBe("success()");
    expect(existsSync(join(REPO_ROOT, BUNDLE_FROM_ROOT))).toBe(true);
    // GitHub runs what is committed at the tag: the bundle must be tracked, not just built here.
    const tracked = execFileSync("git", ["ls-files", "--", BUNDLE_FROM_ROOT], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(tracked.trim()).toBe(BUNDLE_FROM_ROOT);
  });

  it("differs from the subfolder's file only in its leading comment and the bundle's path", () => {
    const withoutLeadingComment = (text: string) => text.replace(/^(#.*\n)+/, "");
    const rootText = withoutLeadingComment(readFileSync(ROOT_YML, "utf8")).replaceAll(
      BUNDLE_FROM_ROOT,
      "dist/index.js",
    );
    expect(rootText).toBe(withoutLeadingComment(readFileSync(SUBFOLDER_YML, "utf8")));
  });
});
