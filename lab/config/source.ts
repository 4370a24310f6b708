// Where a value came from, so messages and lint findings can point at the file.

/** A place in a config file (1-based line and column). */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}
