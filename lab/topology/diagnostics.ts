// Moved to lab/config/diagnostics.ts (the config core shared by every loader); this re-export
// keeps the command-line scripts' imports working until they point there.
export * from "../config/diagnostics.ts";
