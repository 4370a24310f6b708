// The Debian mirror is read from the machine's apt sources, in both of apt's formats.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { debianMirrorIn, machineDebianMirror } from "../../../lab/docker/apt-sources.ts";

test("one-line and deb822 sources: the archive, not the security archive, comments ignored", (t) => {
  t.is(
    debianMirrorIn(
      "# deb http://old.example/debian bookworm main\ndeb http://m.example/debian/ bookworm main\n",
    ),
    "http://m.example/debian",
  );
  t.is(
    debianMirrorIn(
      "Types: deb\nURIs: http://m.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://m.example/debian\nSuites: bookworm\n",
    ),
    "http://m.example/debian",
  );
  t.is(debianMirrorIn("deb http://m.example/ubuntu noble main\n"), undefined);
});

test("the sources of an apt directory: sources.list first, then sources.list.d in order", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xs-apt-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is(machineDebianMirror(dir), undefined);
  mkdirSync(join(dir, "sources.list.d"));
  writeFileSync(
    join(dir, "sources.list.d", "debian.sources"),
    "Types: deb\nURIs: file:///srv/mirror/debian\n",
  );
  writeFileSync(
    join(dir, "sources.list.d", "notes.txt"),
    "deb http://ignored.example/debian bookworm main\n",
  );
  t.is(machineDebianMirror(dir), "file:///srv/mirror/debian");
});
