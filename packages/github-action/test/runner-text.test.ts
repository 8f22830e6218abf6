import { describe, expect, it } from "vitest";
import { sameSizeVerdict } from "../src/diff-step.js";
import { codeSpan, markdownText, neutral } from "../src/runner-text.js";

describe("neutral", () => {
  it.each([
    ["::error title=X::pwned", "\\::error title=X::pwned"],
    ["  \t::add-mask::x", "  \t\\::add-mask::x"],
    ["\u200B::warning::x", "\u200B\\::warning::x"],
    [":\u200B:warning::x", "\\:\u200B:warning::x"],
    ["ok\n::error::x\r::group::y", "ok\n\\::error::x\r\\::group::y"],
    ["x ##[set-output name=y]z", "x ##\\[set-output name=y]z"],
    ["#\u200B#[add-mask]", "#\u200B#\\[add-mask]"],
    ["a::b and #[x] stay", "a::b and #[x] stay"],
  ])("%j becomes %j", (text, safe) => {
    expect(neutral(text)).toBe(safe);
  });
});

describe("summary text", () => {
  it("escapes markup and HTML, and code spans keep backticks inside", () => {
    expect(markdownText("<img src=x>[a](b) *c* |")).toBe("&lt;img src=x&gt;\\[a\\](b) \\*c\\* \\|");
    expect(codeSpan("a`b")).toBe("``a`b``");
  });
});

describe("same-size ETag mismatches", () => {
  const mismatch = (key: string) => ({ key, reason: "same-size-etag-mismatch" as const, detail: "", storedEtag: "x" });
  it("are plain modifications when another object verified, with no warning", () => {
    const verdict = sameSizeVerdict({ unverifiable: [mismatch("a")], unchanged: 3, modified: ["b"] });
    expect(verdict).toEqual({ modified: 2, unverifiable: [], warning: undefined });
  });
  it("warn, in plain English, only when no object verified", () => {
    expect(sameSizeVerdict({ unverifiable: [mismatch("a")], unchanged: 0, modified: [] }).warning).toMatch(
      /^1 object has the size of its local file .* it is probably encrypted .* It counts as changed\.$/,
    );
    const two = sameSizeVerdict({ unverifiable: [mismatch("a"), mismatch("b")], unchanged: 0, modified: [] });
    expect(two.warning).toMatch(/^2 objects have the size of their local file .* they are probably encrypted/);
  });
});
