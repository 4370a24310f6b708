// What each bird.conf must contain for BGP to carry routes at all.
import test from "ava";
import {
  bgpIncomplete,
  bgpWithoutChannel,
  birdConfUnreadable,
  ebgpWithoutPolicy,
  kernelExport,
  noDeviceProtocol,
  routerIdMismatch,
} from "../../../../lab/lint/checks/bird-structure.ts";
import { MINE, runCheck } from "../../../fixtures/lint/check.ts";

const CHECKS = [
  birdConfUnreadable,
  noDeviceProtocol,
  kernelExport,
  bgpWithoutChannel,
  ebgpWithoutPolicy,
  bgpIncomplete,
  routerIdMismatch,
];
const KERNEL =
  "protocol kernel {\n  ipv4 {\n    import none;\n    export where source != RTS_DEVICE;\n  };\n}\n";

test("the seed's two bird.conf pass every structure check", async (t) => {
  for (const check of CHECKS) t.deepEqual((await runCheck(t, check)).found, [], check.name);
});

test("bird-conf-unreadable: an unterminated comment is an error where it starts", async (t) => {
  const { found, line } = await runCheck(t, birdConfUnreadable, [
    { file: MINE, from: "router id 192.168.6.1;", to: "router id 192.168.6.1;\n/* open" },
  ]);
  t.is(found.length, 1);
  t.true(
    (found[0] ?? "").startsWith(
      `error bird-conf-unreadable ${MINE}:${line(MINE, "/* open")}: the BIRD config of router-mine cannot be read: `,
    ),
    found[0],
  );
});

test("no-device-protocol: an error at the file's first line", async (t) => {
  const { found } = await runCheck(t, noDeviceProtocol, [
    { file: MINE, from: "protocol device {\n}\n", to: "" },
  ]);
  t.deepEqual(found, [`error no-device-protocol ${MINE}:1: router-mine has no \`protocol device\``]);
});

test("kernel: no kernel protocol, or one that exports nothing, is an error", async (t) => {
  const none = await runCheck(t, kernelExport, [{ file: MINE, from: KERNEL, to: "" }]);
  t.deepEqual(none.found, [`error no-kernel-protocol ${MINE}:1: router-mine has no \`protocol kernel\``]);
  const exportNone = await runCheck(t, kernelExport, [
    { file: MINE, from: "    export where source != RTS_DEVICE;", to: "    export none;" },
  ]);
  t.is(exportNone.found.length, 1);
  t.regex(
    exportNone.found[0] ?? "",
    new RegExp(
      `^error kernel-exports-nothing ${MINE}:${exportNone.line(MINE, "export none;")}: \`protocol kernel\` \\S+ of router-mine exports nothing \\(\`export none\`\\)$`,
    ),
  );
});

test("bgp-no-channel: a BGP protocol without a channel block is an error at the protocol", async (t) => {
  const { found, line } = await runCheck(t, bgpWithoutChannel, [
    {
      file: MINE,
      from: "  neighbor 192.168.191.10 as 64515;\n  ipv4 {\n    import all;\n    export all;\n    next hop self;\n  };\n",
      to: "  neighbor 192.168.191.10 as 64515;\n",
    },
  ]);
  t.deepEqual(found, [
    `error bgp-no-channel ${MINE}:${line(MINE, "protocol bgp router_home")}: BGP protocol router_home of router-mine has no channel block`,
  ]);
});

test("ebgp-without-policy: an eBGP channel without export is an error at the channel", async (t) => {
  const { found, line } = await runCheck(t, ebgpWithoutPolicy, [
    { file: MINE, from: "    export all;\n    next hop self;", to: "    next hop self;" },
  ]);
  t.deepEqual(found, [
    `error ebgp-without-policy ${MINE}:${line(MINE, "ipv4 {", "protocol bgp router_home")}: eBGP protocol router_home of router-mine: channel ipv4 has no explicit export`,
  ]);
});

test("bgp-incomplete: a protocol without `local as` is an error at the protocol", async (t) => {
  const { found, line } = await runCheck(t, bgpIncomplete, [
    {
      file: MINE,
      from: "protocol bgp router_home {\n  local as 64513;\n",
      to: "protocol bgp router_home {\n",
    },
  ]);
  t.deepEqual(found, [
    `error bgp-incomplete ${MINE}:${line(MINE, "protocol bgp router_home")}: BGP protocol router_home of router-mine has no \`local as\``,
  ]);
});

test("router-id-mismatch: another id, or none, is a warning", async (t) => {
  const other = await runCheck(t, routerIdMismatch, [
    { file: MINE, from: "router id 192.168.6.1;", to: "router id 192.168.6.9;" },
  ]);
  t.deepEqual(other.found, [
    `warn router-id-mismatch ${MINE}:${other.line(MINE, "router id 192.168.6.9;")}: router-mine's bird.conf sets router id 192.168.6.9, the topology says 192.168.6.1`,
  ]);
  const none = await runCheck(t, routerIdMismatch, [{ file: MINE, from: "router id 192.168.6.1;", to: "" }]);
  t.deepEqual(none.found, [
    `warn router-id-mismatch ${MINE}:1: router-mine's bird.conf sets no router id (the topology says 192.168.6.1)`,
  ]);
});
