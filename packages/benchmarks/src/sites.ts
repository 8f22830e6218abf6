import { createHash } from "node:crypto";
import { createRng, type Rng } from "./rng.js";

/**
 * Generated static sites, as what a site generator writes: a map from S3 key to a stand-in for the
 * file's content. A deploy diff is computed by comparing two renders, so what changes (which
 * listing pages shift, which pages reference a re-hashed asset) follows from the site's structure
 * rather than from a hand-written list.
 */
export type SiteFiles = ReadonlyMap<string, string>;

/** Which deploy a row is about: the site, and what changed in it. Every section's results carry it. */
export interface DeployCase {
  readonly site: string;
  readonly scenario: string;
}

export interface Deploy extends DeployCase {
  /** Keys the site serves after the deploy (a listing of the synced folder). */
  readonly siteKeys: readonly string[];
  /** Keys `aws s3 sync --delete` uploads: new or changed content. */
  readonly uploaded: readonly string[];
  /** Keys it deletes: gone from the folder. */
  readonly deleted: readonly string[];
  /** The sync's log, as `aws s3 sync public/ s3://example-site --delete` prints it. */
  readonly syncLog: string;
}

const BUCKET = "example-site";

/** Compares two renders the way `aws s3 sync --delete` would (by content). */
export function diffSites(site: string, scenario: string, before: SiteFiles, after: SiteFiles): Deploy {
  const uploaded: string[] = [];
  const deleted: string[] = [];
  for (const [key, content] of after) if (before.get(key) !== content) uploaded.push(key);
  for (const key of before.keys()) if (!after.has(key)) deleted.push(key);
  uploaded.sort();
  deleted.sort();
  const lines = [
    ...uploaded.map((key) => `upload: public/${key} to s3://${BUCKET}/${key}`),
    ...deleted.map((key) => `delete: s3://${BUCKET}/${key}`),
  ];
  return {
    site,
    scenario,
    siteKeys: [...after.keys()].sort(),
    uploaded,
    deleted,
    syncLog: `${lines.join("\n")}\n`,
  };
}

const hash8 = (text: string): string => createHash("md5").update(text).digest("hex").slice(0, 8);

// Words for slugs and tags: enough variety that slugs share prefixes the way real ones do.
const WORDS = (
  "aws cloud cache edge static site deploy build hugo astro react vue node python rust go lambda " +
  "serverless pipeline action docker linux shell testing release notes guide intro deep dive tips " +
  "tricks performance security logging metrics tracing database postgres redis queue stream event " +
  "design api rest graphql cli tooling monorepo typescript javascript css html fonts images video " +
  "search index sitemap feed markdown theme layout mobile offline worker cdn dns tls http cookies"
).split(" ");

/** What a theme and asset build put into every HTML page. */
export interface AssetBuild {
  /** Bumped by a theme change: template markup changes, so every page's HTML does. */
  readonly theme: number;
  /** Bumped when the JS/CSS bundles are rebuilt: every bundle gets a new content hash. */
  readonly bundles: number;
}

/** Hashed assets: JS and CSS bundles (renamed on every rebuild), images and fonts (stable). */
function renderAssets(files: Map<string, string>, build: AssetBuild): string {
  const bundles = ["app", "vendor", "runtime", ...Array.from({ length: 12 }, (_, i) => `chunk-${WORDS[i * 5]}`)];
  const refs: string[] = [];
  for (const name of bundles) {
    const key = `assets/js/${name}.${hash8(`${name}:${build.bundles}`)}.js`;
    files.set(key, `js ${name} ${build.bundles}`);
    refs.push(key);
  }
  for (const name of ["main", "print"]) {
    const key = `assets/css/${name}.${hash8(`${name}.css:${build.bundles}`)}.css`;
    files.set(key, `css ${name} ${build.bundles}`);
    refs.push(key);
  }
  for (let i = 0; i < 40; i++) {
    const name = `${WORDS[(i * 7) % WORDS.length]}-${i}`;
    const ext = ["png", "jpg", "svg", "webp"][i % 4]!;
    files.set(`assets/img/${name}.${hash8(name)}.${ext}`, `image ${name}`);
  }
  for (const weight of [400, 500, 600, 700])
    files.set(`assets/fonts/inter-${weight}.${hash8(`inter${weight}`)}.woff2`, "font");
  // Non-hashed theme files (as many Hugo and Jekyll themes ship them): changed in place.
  files.set("css/theme.css", `theme ${build.theme}`);
  files.set("favicon.ico", "icon");
  files.set("robots.txt", "robots");
  // What every HTML page embeds: the bundles' names and the template version.
  return `theme=${build.theme} ${refs.join(" ")}`;
}

export interface BlogOptions {
  readonly posts: number;
  readonly tags?: number;
  readonly pageSize?: number;
  readonly seed?: number;
}

interface Post {
  readonly slug: string;
  readonly tags: readonly string[];
  readonly cover: boolean;
}

/** A blog model: posts (oldest first) with tags. Rendering it gives the files. */
export interface Blog {
  readonly posts: readonly Post[];
  readonly pageSize: number;
}

function slugFor(rng: Rng, taken: Set<string>): string {
  const base = `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${rng.pick(WORDS)}`;
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  taken.add(slug);
  return slug;
}

function makePost(rng: Rng, tagNames: readonly string[], taken: Set<string>): Post {
  // Skewed tag popularity: a few tags hold most posts, as on real blogs.
  const count = 1 + rng.int(3);
  const tags = new Set<string>();
  while (tags.size < count) tags.add(tagNames[Math.floor(tagNames.length * rng.next() ** 2)]!);
  return { slug: slugFor(rng, taken), tags: [...tags].sort(), cover: rng.next() < 0.3 };
}

export function generateBlog(options: BlogOptions): { blog: Blog; addPost: () => Blog } {
  const rng = createRng(options.seed ?? 7);
  const tagNames = Array.from(
    { length: options.tags ?? 40 },
    (_, i) => `${WORDS[(i * 3) % WORDS.length]}${i < WORDS.length / 3 ? "" : `-${i}`}`,
  );
  const taken = new Set<string>();
  const posts = Array.from({ length: options.posts }, () => makePost(rng, tagNames, taken));
  const blog = { posts, pageSize: options.pageSize ?? 10 };
  return { blog, addPost: () => ({ ...blog, posts: [...posts, makePost(rng, tagNames, taken)] }) };
}

/** Paginated listing pages (`<base>index.html`, `<base>page/<n>/index.html`), newest first. */
function renderListing(
  files: Map<string, string>,
  base: string,
  newestFirst: readonly Post[],
  pageSize: number,
  chrome: string,
) {
  const pages = Math.max(1, Math.ceil(newestFirst.length / pageSize));
  for (let n = 1; n <= pages; n++) {
    const shown = newestFirst.slice((n - 1) * pageSize, n * pageSize).map((post) => post.slug);
    const key = n === 1 ? `${base}index.html` : `${base}page/${n}/index.html`;
    // A page shows its posts and links to the last page, so it changes when either does.
    files.set(key, `${chrome} listing ${shown.join(",")} of ${pages}`);
  }
}

export function renderBlog(blog: Blog, build: AssetBuild): SiteFiles {
  const files = new Map<string, string>();
  const chrome = renderAssets(files, build);
  const newestFirst = [...blog.posts].reverse();
  blog.posts.forEach((post, i) => {
    // A post links to its neighbours, so adding a post also changes the previous newest one.
    const prev = blog.posts[i - 1]?.slug ?? "";
    const next = blog.posts[i + 1]?.slug ?? "";
    files.set(`posts/${post.slug}/index.html`, `${chrome} post ${post.slug} ${post.tags.join(",")} ${prev} ${next}`);
    if (post.cover) files.set(`posts/${post.slug}/cover.jpg`, `cover ${post.slug}`);
  });
  renderListing(files, "", newestFirst, blog.pageSize, chrome);
  const byTag = new Map<string, Post[]>();
  for (const post of newestFirst) for (const tag of post.tags) byTag.set(tag, [...(byTag.get(tag) ?? []), post]);
  const tagCounts: string[] = [];
  for (const [tag, posts] of [...byTag].sort(([a], [b]) => (a < b ? -1 : 1))) {
    renderListing(files, `tags/${tag}/`, posts, blog.pageSize, chrome);
    files.set(
      `tags/${tag}/feed.xml`,
      `feed ${posts
        .slice(0, 20)
        .map((post) => post.slug)
        .join(",")}`,
    );
    tagCounts.push(`${tag}:${posts.length}`);
  }
  files.set("tags/index.html", `${chrome} tags ${tagCounts.join(",")}`);
  files.set(
    "feed.xml",
    `feed ${newestFirst
      .slice(0, 20)
      .map((post) => post.slug)
      .join(",")}`,
  );
  files.set("sitemap.xml", `sitemap ${blog.posts.map((post) => post.slug).join(",")} ${[...byTag.keys()].join(",")}`);
  files.set("about/index.html", `${chrome} about`);
  files.set("404.html", `${chrome} not found`);
  return files;
}

/** Pages per section of one docs version (the reference section is generated from an API). */
const DOC_SECTIONS: readonly (readonly [string, number])[] = [
  ["getting-started", 8],
  ["guides", 60],
  ["tutorials", 30],
  ["reference", 240],
  ["operations", 25],
];

export interface Docs {
  /** Versions and the page names of each section; `latest` is a copy of the newest version. */
  readonly versions: readonly {
    readonly name: string;
    readonly sections: readonly (readonly [string, readonly string[]])[];
  }[];
}

export function generateDocs(seed = 11, scale = 1): { docs: Docs; addPage: () => Docs } {
  const rng = createRng(seed);
  const taken = new Set<string>();
  const sections = DOC_SECTIONS.map(
    ([name, count]) =>
      [name, Array.from({ length: Math.max(2, Math.round(count * scale)) }, () => slugFor(rng, taken))] as const,
  );
  // Older versions had fewer pages; the newest has them all.
  const versions = ["v1.0", "v2.0", "v3.0"].map((name, v) => ({
    name,
    sections: sections.map(
      ([section, pages]) => [section, pages.slice(0, Math.ceil((pages.length * (v + 2)) / 4))] as const,
    ),
  }));
  const withLatest = (list: typeof versions): Docs => ({
    versions: [...list, { ...list[list.length - 1]!, name: "latest" }],
  });
  const addPage = (): Docs => {
    const newest = versions[versions.length - 1]!;
    const page = slugFor(rng, taken);
    const grown = {
      ...newest,
      sections: newest.sections.map(
        ([section, pages]) => [section, section === "guides" ? [...pages, page] : pages] as const,
      ),
    };
    return withLatest([...versions.slice(0, -1), grown]);
  };
  return { docs: withLatest(versions), addPage };
}

export function renderDocs(docs: Docs, build: AssetBuild): SiteFiles {
  const files = new Map<string, string>();
  const chrome = renderAssets(files, build);
  const sitemap: string[] = [];
  for (const version of docs.versions) {
    const base = `docs/${version.name}/`;
    // The sidebar lists every page of the version, so every page changes when one is added.
    const nav = hash8(JSON.stringify(version.sections));
    files.set(`${base}index.html`, `${chrome} ${nav} home`);
    for (const [section, pages] of version.sections) {
      files.set(`${base}${section}/index.html`, `${chrome} ${nav} ${section}`);
      pages.forEach((page, i) => {
        files.set(`${base}${section}/${page}/index.html`, `${chrome} ${nav} ${section} ${page}`);
        if (i % 6 === 0) files.set(`${base}${section}/${page}/diagram.svg`, `diagram ${page}`);
        sitemap.push(`${version.name}/${section}/${page}`);
      });
    }
    files.set(`${base}search-index.json`, `search ${nav}`);
  }
  files.set("index.html", `${chrome} docs home ${docs.versions.map((v) => v.name).join(",")}`);
  files.set("versions.json", docs.versions.map((v) => v.name).join(","));
  files.set("sitemap.xml", `sitemap ${sitemap.join(",")}`);
  files.set("404.html", `${chrome} not found`);
  return files;
}

export interface DeployOptions {
  /** Number of blog posts (thousands for the real run). */
  readonly blogPosts: number;
  /** Scale of the docs site's sections (1 = about 360 pages per version). */
  readonly docsScale: number;
}

/** One deploy as two renders of the site: what was built before and what is built now. */
export interface SitePair extends DeployCase {
  readonly before: SiteFiles;
  readonly after: SiteFiles;
}

/**
 * The deploys measured, as before/after renders: one post or page added, a theme change, and the
 * bundles re-hashed. The order is fixed (blog: post added, theme, re-hash; docs: the same).
 */
export function generateSitePairs(options: DeployOptions): SitePair[] {
  const base: AssetBuild = { theme: 1, bundles: 1 };
  const { blog, addPost } = generateBlog({ posts: options.blogPosts });
  const blogBefore = renderBlog(blog, base);
  const { docs, addPage } = generateDocs(11, options.docsScale);
  const docsBefore = renderDocs(docs, base);
  const blogName = `blog (${options.blogPosts} posts)`;
  const docsName = `docs (${docs.versions.length} versions)`;
  const pair = (site: string, scenario: string, before: SiteFiles, after: SiteFiles): SitePair => ({
    site,
    scenario,
    before,
    after,
  });
  return [
    pair(blogName, "one post added", blogBefore, renderBlog(addPost(), base)),
    pair(blogName, "theme change", blogBefore, renderBlog(blog, { ...base, theme: 2 })),
    pair(blogName, "assets re-hashed", blogBefore, renderBlog(blog, { ...base, bundles: 2 })),
    pair(docsName, "page added (v3.0 + latest)", docsBefore, renderDocs(addPage(), base)),
    pair(docsName, "theme change", docsBefore, renderDocs(docs, { ...base, theme: 2 })),
    pair(docsName, "assets re-hashed", docsBefore, renderDocs(docs, { ...base, bundles: 2 })),
  ];
}

/** The deploys measured: one post or page added, a theme change, and the bundles re-hashed. */
export function generateDeploys(options: DeployOptions): Deploy[] {
  return generateSitePairs(options).map((p) => diffSites(p.site, p.scenario, p.before, p.after));
}
