import { MAX_CALLER_REFERENCE_LENGTH } from "invalidation-core";
import { describe, expect, it } from "vitest";
import { callerReference } from "../src/run-job.js";

describe("callerReference", () => {
  it("keeps the form running deployments retry with: codepipeline-<first job id>-<distribution>-<batch index>", () => {
    // A continuation or a repeated delivery started before this version must still match.
    const jobId = "11111111-2222-3333-4444-555555555555";
    expect(callerReference(jobId, "E2QWRUHAPOMQZLABCDEF", 0)).toBe(
      "codepipeline-11111111-2222-3333-4444-555555555555-E2QWRUHAPOMQZLABCDEF-0",
    );
    expect(callerReference(jobId, "E2QWRUHAPOMQZL", 399)).toBe(`codepipeline-${jobId}-E2QWRUHAPOMQZL-399`);
  });

  it("caps a job id far longer than CodePipeline's, keeping batches apart", () => {
    const huge = "j".repeat(500);
    const [a, b] = [callerReference(huge, "E1", 0), callerReference(huge, "E1", 1)];
    expect(a.length).toBe(MAX_CALLER_REFERENCE_LENGTH);
    expect(a).not.toBe(b);
  });
});
