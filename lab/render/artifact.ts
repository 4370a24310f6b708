// A file a renderer produces. Renderers are pure: they return artifacts, the caller writes them.
export interface Artifact {
  /** Path relative to the lab's work directory. */
  path: string;
  content: string;
  description: string;
}
