// The ustar writer behind ContainerControl.putFile: header fields read back byte by byte, and
// the system's tar listing and extracting what it wrote.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type Docker from "dockerode";
import { ContainerControl } from "../../../lab/docker/containers.ts";
import { DockerError } from "../../../lab/docker/errors.ts";
import { BLOCK, tarOf, tarPathProblem } from "../../../lab/docker/tar.ts";
import { findExecutable } from "../../../lab/docker/tools.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { run } from "../../../lab/util/exec.ts";

const MTIME = new Date("2024-05-01T12:00:00Z");

/** A header's fields as tar readers see them. */
function readHeader(h: Buffer) {
  const text = (start: number, len: number) => h.toString("utf8", start, start + len).replace(/\0.*$/s, "");
  const oct = (start: number, len: number) => Number.parseInt(text(start, len).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return {
    name: text(0, 100),
    mode: oct(100, 8),
    uid: oct(108, 8),
    gid: oct(116, 8),
    size: oct(124, 12),
    mtime: oct(136, 12),
    checksum: oct(148, 8),
    computed: sum,
    type: text(156, 1),
    magic: h.toString("latin1", 257, 263),
    version: h.toString("latin1", 263, 265),
    uname: text(265, 32),
  };
}

test("one file: header fields, content, padding and the two end blocks", (t) => {
  const tar = tarOf([{ path: "bird.conf", content: "router id 192.0.2.1;\n", mode: 0o600, mtime: MTIME }]);
  t.is(tar.length, 4 * BLOCK, "header, one data block, two zero blocks");
  const h = readHeader(tar.subarray(0, BLOCK));
  t.like(h, {
    name: "bird.conf",
    mode: 0o600,
    uid: 0,
    gid: 0,
    size: 21,
    mtime: MTIME.getTime() / 1000,
    type: "0",
    magic: "ustar\0",
    version: "00",
    uname: "root",
  });
  t.is(h.checksum, h.computed);
  t.is(tar.toString("utf8", BLOCK, BLOCK + 21), "router id 192.0.2.1;\n");
  t.true(tar.subarray(BLOCK + 21).every((b) => b === 0));
});

test("sizes at block boundaries, Buffers, UTF-8 and the default mode", (t) => {
  const exact = Buffer.alloc(BLOCK, 0x61);
  const tar = tarOf([
    { path: "empty", content: "" },
    { path: "exact", content: exact },
    { path: "grüße.txt", content: "é" },
  ]);
  // empty: header only; exact: header + 1 block; grüße: header + 1 block; end: 2 blocks.
  t.is(tar.length, 7 * BLOCK);
  t.like(readHeader(tar.subarray(0, BLOCK)), { name: "empty", size: 0, mode: 0o644 });
  t.like(readHeader(tar.subarray(BLOCK, 2 * BLOCK)), { name: "exact", size: BLOCK });
  t.deepEqual(tar.subarray(2 * BLOCK, 3 * BLOCK), exact);
  const utf8 = readHeader(tar.subarray(3 * BLOCK, 4 * BLOCK));
  t.like(utf8, { name: "grüße.txt", size: 2 });
  t.is(utf8.checksum, utf8.computed);
});

test("bad paths, modes and duplicates are refused", (t) => {
  for (const path of ["", "/etc/x", "../x", "a/../b", "a/./b", "a//b", "dir/", `${"a".repeat(101)}`, "a\0b"])
    t.throws(() => tarOf([{ path, content: "x" }]), { instanceOf: LabError }, JSON.stringify(path));
  t.is(tarPathProblem("a".repeat(100)), undefined);
  t.regex(tarPathProblem("ü".repeat(51)) ?? "", /102 bytes/);
  t.is(tarPathProblem("etc/bird/bird.conf"), undefined);
  t.throws(() => tarOf([{ path: "x", content: "", mode: 0o10000 }]), { message: /invalid mode/ });
  t.throws(() => tarOf([{ path: "x", content: "", mode: 1.5 }]), { message: /invalid mode/ });
  t.throws(
    () =>
      tarOf([
        { path: "x", content: "" },
        { path: "x", content: "" },
      ]),
    { message: /given twice/ },
  );
  t.deepEqual(tarOf([]), Buffer.alloc(2 * BLOCK));
});

const tarBin = findExecutable("tar");
(tarBin ? test : test.skip)("the system tar lists and extracts what tarOf wrote", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xs-tar-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "a.tar");
  const big = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 251));
  writeFileSync(
    file,
    tarOf([
      { path: "bird.conf", content: "protocol device {}\n", mode: 0o640, mtime: MTIME },
      { path: "sub/data.bin", content: big, mode: 0o755, mtime: MTIME },
    ]),
  );
  const listing = (
    await run(["tar", "--numeric-owner", "-tvf", file], { env: { ...process.env, TZ: "UTC" } })
  ).stdout
    .trim()
    .split("\n");
  t.is(listing.length, 2);
  t.regex(listing[0] ?? "", /^-rw-r-----\s+0\/0\s+19 2024-05-01 12:00 bird\.conf$/);
  t.regex(listing[1] ?? "", /^-rwxr-xr-x\s+0\/0\s+1500 2024-05-01 12:00 sub\/data\.bin$/);

  // GNU tar warns (exit 2) on a bad checksum or a truncated archive: a clean extract is the proof.
  const out = join(dir, "out");
  await run(["mkdir", out]);
  const x = await run(["tar", "--no-same-owner", "-xf", file, "-C", out]);
  t.is(x.stderr, "");
  t.is(readFileSync(join(out, "bird.conf"), "utf8"), "protocol device {}\n");
  t.deepEqual(readFileSync(join(out, "sub/data.bin")), big);
  t.is(statSync(join(out, "sub/data.bin")).mode & 0o777, 0o755);
  t.is(statSync(join(out, "bird.conf")).mtime.getTime(), MTIME.getTime());
});

test("putFile refuses paths that are not absolute, normalised file paths, before calling the engine", async (t) => {
  const calls: string[] = [];
  const engine = {
    getContainer(name: string) {
      calls.push(name);
      throw new Error("the engine must not be called");
    },
  } as unknown as Docker;
  const control = new ContainerControl(engine);
  for (const path of ["etc/x", "/etc/../x", "/etc/x/", "/", "/etc//x", `/etc/${"a".repeat(101)}`]) {
    const err = await t.throwsAsync(control.putFile("r1", path, "x"), { instanceOf: DockerError }, path);
    t.regex(err.message, /^docker put .* into r1: the path must be absolute/);
  }
  t.deepEqual(calls, []);
});
