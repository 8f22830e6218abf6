import { describe, expect, it } from "vitest";
import { coveredBy, measureDeploy } from "../src/plan-quality.ts";
import { generateChangedKeys } from "../src/scale-keys.ts";
import { diffSites, generateBlog, generateDeploys, renderBlog } from "../src/sites.ts";

// The benchmark's numbers are only as good as the diffs and the scoring: these check that the
// generated deploys change what a site generator would change, and that scoring is not fooled.
describe("generated deploys", () => {
  const build = { theme: 1, bundles: 1 };

  it("adding a post changes its page, its neighbour, every shifted listing page, its tags, the feed and the sitemap", () => {
    const { blog, addPost } = generateBlog({ posts: 95, pageSize: 10 });
    const grown = addPost();
    const added = grown.posts[grown.posts.length - 1]!;
    const previous = blog.posts[blog.posts.length - 1]!;
    const deploy = diffSites("blog", "one post added", renderBlog(blog, build), renderBlog(grown, build));
    const changed = new Set(deploy.uploaded);
    expect(changed).toContain(`posts/${added.slug}/index.html`);
    expect(changed).toContain(`posts/${previous.slug}/index.html`);
    expect(changed).toContain("index.html");
    // 96 posts, 10 a page: pages 2..10 all shift by one post, and page 10 is new.
    for (let n = 2; n <= 10; n++) expect(changed).toContain(`page/${n}/index.html`);
    for (const tag of added.tags) {
      expect(changed).toContain(`tags/${tag}/index.html`);
      expect(changed).toContain(`tags/${tag}/feed.xml`);
    }
    expect(changed).toContain("feed.xml");
    expect(changed).toContain("sitemap.xml");
    // A post far down the list keeps its page, and nothing is deleted.
    expect(changed).not.toContain(`posts/${blog.posts[10]!.slug}/index.html`);
    expect(deploy.deleted).toEqual([]);
    expect(deploy.syncLog).toContain(`upload: public/posts/${added.slug}/index.html to s3://example-site/`);
  });

  it("re-hashing the bundles uploads new names, deletes the old ones and changes every HTML page but no image", () => {
    const { blog } = generateBlog({ posts: 20 });
    const before = renderBlog(blog, build);
    const deploy = diffSites("blog", "assets re-hashed", before, renderBlog(blog, { ...build, bundles: 2 }));
    const bundles = (keys: readonly string[]) => keys.filter((key) => /^assets\/(js|css)\//.test(key));
    expect(bundles(deploy.deleted).length).toBeGreaterThan(0);
    expect(bundles(deploy.uploaded).length).toBe(bundles(deploy.deleted).length);
    const html = [...before.keys()].filter((key) => key.endsWith(".html"));
    expect(deploy.uploaded.filter((key) => key.endsWith(".html")).sort()).toEqual(html.sort());
    expect(deploy.uploaded.some((key) => key.startsWith("assets/img/") || key.endsWith(".jpg"))).toBe(false);
  });

  it("is deterministic: the same options give the same keys and logs", () => {
    const a = generateDeploys({ blogPosts: 50, docsScale: 0.1 });
    const b = generateDeploys({ blogPosts: 50, docsScale: 0.1 });
    expect(a.map((d) => d.syncLog)).toEqual(b.map((d) => d.syncLog));
    expect(generateChangedKeys(1000)).toEqual(generateChangedKeys(1000));
    expect(new Set(generateChangedKeys(5000)).size).toBe(5000);
  });
});

describe("plan scoring", () => {
  it("matches CloudFront's rules: a trailing * covers by prefix, anything else only itself", () => {
    const paths = ["/a", "/a/", "/a/index.html", "/ab", "/b"];
    expect(paths.map(coveredBy(["/a/*"]))).toEqual([false, true, true, false, false]);
    expect(paths.map(coveredBy(["/a*"]))).toEqual([true, true, true, true, false]);
    expect(paths.map(coveredBy(["/a", "/c"]))).toEqual([true, false, false, false, false]);
    expect(paths.map(coveredBy(["/a/index.html", "/*"]))).toEqual([true, true, true, true, true]);
  });

  it("scores /* as the whole unchanged cache, one path per file as none of it, and no strategy as missing a change", () => {
    const [deploy] = generateDeploys({ blogPosts: 60, docsScale: 0.1 });
    const { results, changedPathCount } = measureDeploy(deploy!);
    const by = (prefix: string) => results.find((r) => r.strategy.startsWith(prefix))!;
    expect(by("/*").unchangedShare).toBe(1);
    expect(by("one path per changed file").unchangedHit).toBe(0);
    expect(by("one path per changed file").billed).toBe(changedPathCount);
    for (const result of results) expect(result.missed, result.strategy).toBe(0);
    const ours = by("ours, max 30");
    expect(ours.billed).toBeLessThanOrEqual(30);
  });
});
