import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNode, writeFreshBuild } from "../src/index.ts";

describe("runNode", () => {
  it("collects stdout, stderr and the exit code of the process", async () => {
    const run = await runNode(["-e", 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)']);
    expect(run).toEqual({ code: 3, stdout: "out", stderr: "err" });
  });

  it("passes arguments, and gives the child only PATH and the environment it is handed", async () => {
    // A variable of this process that a leaking runner would pass on.
    process.env.RUN_NODE_TEST_LEAK = "leaked";
    try {
      const run = await runNode(["-e", "console.log(JSON.stringify([process.argv.slice(1), process.env]))", "a b"], {
        env: { GIVEN: "yes" },
      });
      const [argv, env] = JSON.parse(run.stdout) as [string[], Record<string, string>];
      expect(argv).toEqual(["a b"]);
      expect(env.GIVEN).toBe("yes");
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.RUN_NODE_TEST_LEAK).toBeUndefined();
    } finally {
      delete process.env.RUN_NODE_TEST_LEAK;
    }
  });

  it("feeds stdin when given, and closes it so a reader sees its end", async () => {
    const script =
      'let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => console.log(s.toUpperCase()))';
    expect((await runNode(["-e", script], { stdin: "piped" })).stdout).toBe("PIPED\n");
    // Without stdin the reader still ends (it reads /dev/null) instead of hanging.
    expect((await runNode(["-e", script])).stdout).toBe("\n");
  });

  it("runs in the working directory it is given", async () => {
    const run = await runNode(["-e", "process.stdout.write(process.cwd())"], { cwd: tmpdir() });
    expect(run.stdout).toBe(tmpdir());
  });

  it("kills a process that outlives timeoutMs, reporting no exit code", async () => {
    const started = Date.now();
    const run = await runNode(["-e", "setTimeout(() => {}, 60_000)"], { timeoutMs: 300 });
    expect(run.code).toBeNull();
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("writeFreshBuild", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "fresh-build-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("replaces the folder with exactly the files given, all newer than now", async () => {
    const dir = join(work, "site");
    await writeFreshBuild(dir, { "old.html": "gone next time" });
    const before = Date.now();
    await writeFreshBuild(dir, { "index.html": "<h1>Home</h1>", "blog/my post.html": new Uint8Array([1, 2]) });
    expect(await readFile(join(dir, "index.html"), "utf8")).toBe("<h1>Home</h1>");
    expect([...(await readFile(join(dir, "blog", "my post.html")))]).toEqual([1, 2]);
    await expect(stat(join(dir, "old.html"))).rejects.toThrow(/ENOENT/);
    // Newer than any object uploaded just before: the sync must see every file as changed.
    expect((await stat(join(dir, "index.html"))).mtimeMs).toBeGreaterThan(before + 60_000);
  });

  it("returns the folder it wrote", async () => {
    const dir = join(work, "other");
    expect(await writeFreshBuild(dir, { a: "1" })).toBe(dir);
  });
});
