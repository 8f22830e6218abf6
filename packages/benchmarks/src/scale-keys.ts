import { createRng } from "./rng.js";

const SECTIONS = ["posts", "docs", "assets/img", "assets/js", "products", "authors", "tags"];
const WORDS = "alpha beta gamma delta edge cache cloud static deploy build guide intro notes api search index".split(
  " ",
);

/**
 * `n` distinct, realistically nested S3 keys (deterministic): pages under dated and versioned
 * folders (`posts/2019/03/<slug>/index.html`, `docs/v2/<section>/<page>/index.html`) and hashed
 * assets, with the shared prefixes and fan-out that make a prefix trie work for real.
 */
export function generateChangedKeys(n: number, seed = 3): string[] {
  const rng = createRng(seed);
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const section = SECTIONS[i % SECTIONS.length]!;
    const slug = `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${i.toString(36)}`;
    switch (section) {
      case "posts":
        keys[i] = `posts/${2010 + rng.int(16)}/${String(1 + rng.int(12)).padStart(2, "0")}/${slug}/index.html`;
        break;
      case "docs":
        keys[i] = `docs/v${1 + rng.int(4)}/${rng.pick(WORDS)}/${slug}/index.html`;
        break;
      case "assets/img":
      case "assets/js":
        keys[i] = `${section}/${rng.pick(WORDS)}/${slug}.${rng.hex(8)}.${section.endsWith("js") ? "js" : "webp"}`;
        break;
      default:
        keys[i] = `${section}/${slug}/index.html`;
    }
  }
  return keys;
}
