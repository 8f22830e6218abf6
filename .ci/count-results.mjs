// Sums the vitest JSON reports of every package into the plain closing line CI reads.
// A package with a test script but no report (its run crashed) counts as one failure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync("packages").sort()) {
  const dir = join("packages", name);
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, "utf8")).scripts?.test) continue;
  const reportPath = join(dir, ".reports", "vitest.json");
  if (!existsSync(reportPath)) {
    console.log(`${name}: no test report (the test run did not finish)`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  const pending = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to load has no tests in the counts but marks the suite failed.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === "failed" && (file.assertionResults ?? []).length === 0,
  ).length;
  console.log(
    `${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${pending} skipped` +
      (brokenFiles ? `, ${brokenFiles} file(s) failed to run` : ""),
  );
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenFiles;
  skipped += pending;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
