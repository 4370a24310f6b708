// ZeroTier's fragmentation through the seed lab: a full-size pod packet crosses the sites as two
// ZeroTier fragments, so under loss it is lost about twice as often as a small one (a round trip:
// 1-(1-p)^4 against 1-(1-p)^2), and a 1500-byte do-not-fragment packet still crosses whole.
import test from "ava";
import { relayRequest } from "../../../../lab/emulate/zerotier/control.ts";
import { ping } from "../../../../lab/observe/probes.ts";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { nsName } from "../../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
import type { Lab } from "../../../../lab/topology/model.ts";
import { useSeedLab } from "../../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("zerotier-fragments", why);

const NAME = "ztfrag";
const seed = useSeedLab(NAME, why);
let lab: Lab;
const ns = (what: string) => nsName(NAME, what);
const podOf = (node: string) => lab.nodes.find((n) => n.name === node)?.pods[0]?.address as string;

test.before(async () => {
  if (why) return;
  lab = await seed.ready;
  await netnsKind.open(lab).up({ budgetMs: 90_000 });
});

t("a 1500-byte do-not-fragment pod packet crosses as two fragments and arrives whole", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  await relayRequest(sock, { op: "reset", counters: true });
  const r = await ping(ns("nano-pod1"), podOf("yuuko-k8s"), {
    count: 3,
    intervalS: 0.2,
    size: 1472,
    dontFragment: true,
  });
  tt.is(r.received, 3, r.output);
  const status = (await relayRequest(sock, { op: "show" })).status;
  for (const d of status.directions)
    tt.true(d.frames.fragmented >= 3, `${d.direction}: ${JSON.stringify(d.frames)}`);
});

t("under 10 % loss, 1400-byte pod pings lose clearly more than 56-byte ones", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  const n = 400;
  await relayRequest(sock, { op: "set", direction: "both", impairment: { lossPct: 10 } });
  try {
    // Two pod pairs at once: 8 s of traffic, 50 packets/s each.
    const [small, big] = await Promise.all([
      ping(ns("sakamoto-pod1"), podOf("yuuko-k8s"), { count: n, intervalS: 0.02 }),
      ping(ns("nano-pod1"), podOf("yuuko-k8s"), { count: n, intervalS: 0.02, size: 1400 }),
    ]);
    // Expected 19 % and 34 % (standard deviations about 2 and 2.4 points at n = 400).
    tt.log(`loss: 56 bytes ${small.lossPct.toFixed(1)} %, 1400 bytes ${big.lossPct.toFixed(1)} %`);
    tt.true(small.lossPct > 9 && small.lossPct < 30, small.output);
    tt.true(big.lossPct > 22 && big.lossPct < 48, big.output);
    tt.true(
      big.lossPct > small.lossPct + 6,
      `1400 bytes ${big.lossPct} % against 56 bytes ${small.lossPct} %`,
    );
    const status = (await relayRequest(sock, { op: "show" })).status;
    const evicted = status.directions.reduce((a, d) => a + d.frames.evicted, 0);
    tt.true(evicted > 0, "frames that lost one of their fragments are given up in reassembly");
  } finally {
    await relayRequest(sock, { op: "reset" });
  }
});
