import test from "ava";
import { servicesNote } from "../../../../lab/runtime/clab/fidelity.ts";
import { loadLab } from "../../../../lab/topology/load.ts";

test("clab says at up that the topology's Services are not created there; the seed has none to mention", async (t) => {
  const seed = await loadLab();
  t.is(servicesNote(seed), null);
  const web = {
    ...seed.services,
    services: [{ name: "web", namespace: "default" } as (typeof seed.services)[number]],
  };
  t.regex(
    servicesNote(web) ?? "",
    /^the topology's services \(default\/web\) are not created on the clab runtime: .*use the netns runtime$/,
  );
});
