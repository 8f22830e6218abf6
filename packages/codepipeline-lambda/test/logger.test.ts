import { describe, expect, it } from "vitest";
import { createJsonLogger, redact } from "../src/logger.js";

describe("JSON logger", () => {
  it("writes one JSON object per line with level, message and the child's fields", () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (l) => lines.push(l), now: () => 0 }).child({ jobId: "job-1" });
    logger.info("hello", { count: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      message: "hello",
      jobId: "job-1",
      count: 2,
    });
  });

  it("redacts credentials wherever they sit, even if a whole event is logged by mistake", () => {
    const event = {
      "CodePipeline.job": {
        id: "job",
        data: {
          artifactCredentials: { accessKeyId: "ASIAABCDEFGHIJKLMNOP", secretAccessKey: "s3cr3t", sessionToken: "tok" },
          continuationToken: '{"v":1}',
        },
      },
    };
    const lines: string[] = [];
    createJsonLogger({ write: (l) => lines.push(l) }).error("oops ASIAABCDEFGHIJKLMNOP", { event });
    const text = lines.join("\n");
    for (const secret of ["ASIAABCDEFGHIJKLMNOP", "s3cr3t", '"tok"']) expect(text).not.toContain(secret);
    // Our own token holds no secret and stays readable for debugging.
    expect(text).toContain("continuationToken");
    expect(JSON.parse(text).event["CodePipeline.job"].data.continuationToken).toBe('{"v":1}');
  });

  it("turns errors into name, message and cause", () => {
    const error = new Error("outer", { cause: Object.assign(new Error("inner"), { name: "AccessDenied" }) });
    expect(redact(error)).toEqual({
      name: "Error",
      message: "outer",
      cause: { name: "AccessDenied", message: "inner" },
    });
  });
});
