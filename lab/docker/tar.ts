// A minimal ustar (POSIX.1-1988) writer for copying files into a container through the engine's
// archive endpoint (PUT /containers/{id}/archive), which only takes a tar stream. Regular files
// only, names of at most 100 bytes (no prefix field), owned by root.
//
// Layout: per file a 512-byte header then the content padded to a multiple of 512 bytes; two
// zero blocks end the archive. Numeric header fields are octal text ended by a NUL; the checksum
// is the byte sum of the header with its own field counted as eight spaces.
import { LabError } from "../util/errors.ts";

export interface TarFile {
  /** Relative path inside the archive ("bird.conf", "etc/bird/bird.conf"). */
  path: string;
  content: string | Buffer;
  /** Permission bits; 0o644 when absent. */
  mode?: number;
  /** Modification time; now when absent. */
  mtime?: Date;
}

export const BLOCK = 512;
/** Largest size an 11-digit octal field holds (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;

/** Why a path cannot be a ustar name here; undefined when it can. */
export function tarPathProblem(path: string): string | undefined {
  if (path === "") return "empty path";
  if (path.includes("\0")) return "path contains a NUL byte";
  if (Buffer.byteLength(path) > 100) return `path is ${Buffer.byteLength(path)} bytes (at most 100)`;
  if (path.startsWith("/")) return "path must be relative";
  if (path.endsWith("/")) return "path names a directory";
  if (path.split("/").some((part) => part === ".." || part === "." || part === ""))
    return 'path has an empty, "." or ".." component';
  return undefined;
}

function octal(header: Buffer, offset: number, width: number, value: number): void {
  // width - 1 digits, then NUL.
  header.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, width, "ascii");
}

function header(file: TarFile, size: number): Buffer {
  const mode = file.mode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
    throw new LabError(`tar: ${file.path}: invalid mode ${String(mode)}`);
  const mtime = Math.floor((file.mtime ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(mtime) || mtime < 0) throw new LabError(`tar: ${file.path}: invalid mtime`);

  const h = Buffer.alloc(BLOCK);
  h.write(file.path, 0, 100, "utf8");
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.write("        ", 148, 8, "ascii"); // checksum placeholder
  h.write("0", 156, 1, "ascii"); // regular file
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write("root", 265, 32, "ascii");
  h.write("root", 297, 32, "ascii");
  octal(h, 329, 8, 0); // devmajor
  octal(h, 337, 8, 0); // devminor

  let sum = 0;
  for (const byte of h) sum += byte;
  // Six digits, NUL, space: the form tar itself writes.
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

/** An uncompressed ustar archive of regular files. */
export function tarOf(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const problem = tarPathProblem(file.path);
    if (problem) throw new LabError(`tar: ${JSON.stringify(file.path)}: ${problem}`);
    if (seen.has(file.path)) throw new LabError(`tar: ${file.path} given twice`);
    seen.add(file.path);
    const data = typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content;
    if (data.length > MAX_SIZE) throw new LabError(`tar: ${file.path}: too large for ustar`);
    parts.push(header(file, data.length), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
