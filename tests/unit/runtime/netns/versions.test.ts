// The netns lab's versions are asked of the real binaries: BIRD prints its version on stderr,
// gobgpd on stdout (lab/gobgp/binary.ts), the kernel is the host's.
import { release } from "node:os";
import test from "ava";
import { which } from "zx/core";
import { gobgpTools } from "../../../../lab/gobgp/binary.ts";
import { netnsVersions, parseBirdVersion } from "../../../../lab/runtime/netns/versions.ts";

test("BIRD's version line", (t) => {
  t.is(parseBirdVersion("BIRD version 2.0.12\n"), "2.0.12");
  t.is(parseBirdVersion("bird: unknown option"), null);
});

test("runtime, BIRD, the GoBGP the lab runs and the kernel", (t) => {
  const v = netnsVersions();
  t.is(v.runtime, "netns");
  t.is(v.kernel, release());
  if (which.sync("bird", { nothrow: true })) t.regex(v.bird ?? "", /^\d+\.\d+/);
  else t.is(v.bird, undefined, "no BIRD, no version");
  t.is(v.gobgp, gobgpTools().version ?? undefined);
});
