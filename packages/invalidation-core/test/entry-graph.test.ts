// The content diff is an entry of its own (`invalidation-core/content-diff`) so that a diff loads
// the S3 client and not the CloudFront SDK. Walks the value imports (type-only ones are erased)
// from the entry's source and fails on any module that pulls the CloudFront SDK in.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = new URL("../src/", import.meta.url);

/** The specifiers a module imports or re-exports at run time. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    const isValue =
      (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) ||
      (ts.isExportDeclaration(statement) && !statement.isTypeOnly);
    if (isValue && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** Every package the entry loads, directly or through the core's own modules. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (module: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    for (const specifier of valueImports(fileURLToPath(new URL(module, SRC)))) {
      if (specifier.startsWith("./")) visit(specifier.replace(/\.js$/, ".ts"));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

describe("the content-diff entry", () => {
  it("loads the S3 client and not the CloudFront SDK", () => {
    const loaded = packagesLoadedBy("./content-diff.ts");
    expect(loaded).toContain("@aws-sdk/client-s3");
    expect(loaded).not.toContain("@aws-sdk/client-cloudfront");
  });

  it("the walk sees the CloudFront SDK where it is loaded (the main entry)", () => {
    expect(packagesLoadedBy("./index.ts")).toContain("@aws-sdk/client-cloudfront");
  });
});
