import { describe, expect, it } from "vitest";
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
