/** Names of the values the main step saves for the post step (`STATE_<name>` in the post step). */
export const STATE = {
  /** Set by every main step: the same dist/index.js then knows it runs as the post step. */
  isPost: "isPost",
  /** JSON of SavedDiff, only in diff mode without diff-only. */
  diff: "diff",
} as const;
