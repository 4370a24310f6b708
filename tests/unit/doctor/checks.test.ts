// doctor's machine checks against made-up machines: what each finding says, its fix, the exit
// status, and that the kernel checks create things only inside their throwaway namespace.
import test from "ava";
import {
  aptInstall,
  clabFindings,
  commandFindings,
  kernelFindings,
  netemFinding,
  netemNamespace,
  parseVersion,
  scratchNamespace,
  speakerFindings,
  systemFindings,
} from "../../../lab/doctor/checks.ts";
import { type Finding, formatFindings, netnsRuntimeReady } from "../../../lab/doctor/finding.ts";
import type { Probe } from "../../../lab/doctor/probe.ts";
import { REQUIRED_COMMANDS } from "../../../lab/runtime/netns/prerequisites.ts";
import type { RunResult } from "../../../lab/util/exec.ts";

interface FakeCommand {
  path?: string;
  /** Where it is installed when not on PATH. */
  offPath?: string;
  stdout?: string;
  stderr?: string;
  code?: number;
}

/** The seed machine: Debian, root, everything installed at the versions docs/facts.md names. */
const HEALTHY: Record<string, FakeCommand> = {
  ip: { path: "/usr/sbin/ip", stdout: "ip utility, iproute2-6.1.0, libbpf 1.1.2" },
  ss: { path: "/usr/bin/ss", stdout: "ss utility, iproute2-6.1.0" },
  bird: { path: "/usr/sbin/bird", stderr: "BIRD version 2.0.12" },
  birdc: { path: "/usr/sbin/birdc" },
  gobgpd: { path: "/usr/bin/gobgpd", stdout: "gobgpd version 3.10.0" },
  gobgp: { path: "/usr/bin/gobgp", stdout: "gobgp version 3.10.0" },
  ethtool: { path: "/usr/sbin/ethtool", stdout: "ethtool version 6.1" },
  ping: { path: "/usr/bin/ping", stdout: "ping from iputils 20221126" },
  fping: { path: "/usr/bin/fping", stdout: "fping: Version 5.1" },
};

interface Fake {
  probe: Probe;
  calls: string[][];
  namespaces: Set<string>;
}

function fakeProbe(
  over: Partial<Probe> = {},
  commands = HEALTHY,
  failing: Record<string, string> = {},
): Fake {
  const calls: string[][] = [];
  const namespaces = new Set<string>();
  const byPath = new Map(Object.values(commands).flatMap((c) => (c.path ? [[c.path, c] as const] : [])));
  const probe: Probe = {
    platform: "linux",
    arch: "x64",
    uid: 0,
    nodeVersion: "20.20.2",
    kernelRelease: "6.1.0-test",
    pid: 4242,
    onPath: (cmd) => commands[cmd]?.path,
    installedAt: (cmd) => commands[cmd]?.path ?? commands[cmd]?.offPath,
    run: async (argv): Promise<RunResult> => {
      calls.push(argv);
      const [cmd, ...args] = argv;
      if (cmd === "/usr/sbin/ip") {
        if (args[0] === "netns" && args[1] === "add") namespaces.add(args[2] as string);
        if (args[0] === "netns" && args[1] === "delete") namespaces.delete(args[2] as string);
        const key = Object.keys(failing).find((k) => argv.join(" ").includes(k));
        if (key) return { code: 2, stdout: "", stderr: failing[key] as string };
        return { code: 0, stdout: "", stderr: "" };
      }
      const c = byPath.get(cmd as string);
      if (!c) return { code: null, stdout: "", stderr: "spawn ENOENT" };
      return { code: c.code ?? 0, stdout: c.stdout ?? "", stderr: c.stderr ?? "" };
    },
    docker: async () => ({ address: "unix:///var/run/docker.sock", ok: false, error: "ENOENT" }),
    listNetns: async () => [...namespaces],
    netnsPids: async () => [],
    processName: () => null,
    isAlive: () => false,
    ...over,
  };
  return { probe, calls, namespaces };
}

const byId = (findings: Finding[], id: string) => {
  const f = findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id} in ${findings.map((x) => x.id).join(", ")}`);
  return f;
};

test("parseVersion takes the first dotted number of a version banner", (t) => {
  t.is(parseVersion("BIRD version 2.0.12")?.text, "2.0.12");
  t.is(parseVersion("gobgpd version 3.10.0")?.major, 3);
  t.is(parseVersion("ip utility, iproute2-6.1.0, libbpf 1.1.2")?.text, "6.1.0");
  t.is(parseVersion("fping: Version 5.1")?.minor, 1);
  t.is(parseVersion("ping from iputils 20221126"), null);
  t.is(parseVersion(""), null);
});

test("the seed machine: every netns check passes and the runtime can run", async (t) => {
  const { probe } = fakeProbe();
  const findings = [
    ...systemFindings(probe),
    ...(await kernelFindings(probe)),
    ...(await commandFindings(probe, REQUIRED_COMMANDS)),
  ];
  t.deepEqual(
    findings.filter((f) => f.severity !== "ok"),
    [],
  );
  t.true(netnsRuntimeReady(findings));
  t.regex(byId(findings, "command.bird").message, /bird 2\.0\.12 \(\/usr\/sbin\/bird\)/);
  t.regex(byId(findings, "command.ping").message, /20221126/);
  t.regex(formatFindings(findings), /the netns runtime can run$/);
});

test("not root, not Linux, old Node.js: errors, each with its fix", (t) => {
  const { probe } = fakeProbe({ uid: 1000, platform: "darwin", nodeVersion: "18.19.0" });
  const f = systemFindings(probe);
  t.is(byId(f, "system.root").severity, "error");
  t.is(byId(f, "system.root").fix, "sudo npm run lab -- doctor");
  t.is(byId(f, "system.linux").severity, "error");
  t.regex(byId(f, "system.node").message, /18\.19\.0 is too old/);
  t.regex(byId(f, "system.node").fix ?? "", /nvm install 20/);
  t.false(netnsRuntimeReady(f));
});

test("a missing command is an error whose fix installs its Debian package (with sudo when not root)", async (t) => {
  const { bird: _bird, birdc: _birdc, ...rest } = HEALTHY;
  const asRoot = await commandFindings(fakeProbe({}, rest).probe, REQUIRED_COMMANDS);
  t.is(byId(asRoot, "command.bird").severity, "error");
  t.is(byId(asRoot, "command.bird").fix, "apt-get update && apt-get install -y bird2");
  t.is(byId(asRoot, "command.birdc").fix, "apt-get update && apt-get install -y bird2");
  const asUser = await commandFindings(fakeProbe({ uid: 1000 }, rest).probe, REQUIRED_COMMANDS);
  t.is(byId(asUser, "command.bird").fix, "sudo apt-get update && sudo apt-get install -y bird2");
  t.is(aptInstall(fakeProbe().probe, ["a", "b", "a"]), "apt-get update && apt-get install -y a b");
});

test("BIRD 1.x or 3.x and GoBGP other than 3.x are errors", async (t) => {
  const f = await commandFindings(
    fakeProbe(
      {},
      {
        ...HEALTHY,
        bird: { path: "/usr/sbin/bird", stderr: "BIRD version 1.6.8" },
        gobgpd: { path: "/usr/bin/gobgpd", stdout: "gobgpd version 2.34.0" },
        gobgp: { path: "/usr/bin/gobgp", stdout: "garbage", code: 1 },
      },
    ).probe,
    REQUIRED_COMMANDS,
  );
  t.regex(byId(f, "command.bird").message, /bird 1\.6\.8 .*version 2\.x is needed/);
  t.is(byId(f, "command.bird").severity, "error");
  t.regex(byId(f, "command.gobgpd").message, /2\.34\.0 .*version 3\.x is needed/);
  t.regex(byId(f, "command.gobgp").message, /did not say its version \(garbage\)/);
  t.is(byId(f, "command.gobgp").fix, "apt-get update && apt-get install -y gobgpd");
});

test("a command installed off PATH is an error whose fix extends PATH", async (t) => {
  const f = await commandFindings(
    fakeProbe({}, { ...HEALTHY, bird: { offPath: "/usr/sbin/bird" }, birdc: { offPath: "/usr/sbin/birdc" } })
      .probe,
    REQUIRED_COMMANDS,
  );
  t.regex(
    byId(f, "command.bird").message,
    /installed at \/usr\/sbin\/bird but that directory is not on PATH/,
  );
  t.is(byId(f, "command.bird").fix, 'export PATH="$PATH:/usr/sbin"');
});

test("kernel checks create devices only inside the throwaway namespace, and always delete it", async (t) => {
  const { probe, calls, namespaces } = fakeProbe();
  const f = await kernelFindings(probe);
  const ns = scratchNamespace(4242);
  t.is(ns, "labdoctor4242");
  t.deepEqual(
    f.map((x) => [x.id, x.severity]),
    [
      ["kernel.netns", "ok"],
      ["kernel.veth", "ok"],
      ["kernel.bridge", "ok"],
      ["kernel.vxlan", "ok"],
      ["kernel.txoff", "ok"],
    ],
  );
  for (const argv of calls) {
    const joined = argv.join(" ");
    if (joined.includes(" link ") || joined.includes("ethtool"))
      t.true(
        joined.startsWith(`/usr/sbin/ip -n ${ns} `) || joined.startsWith(`/usr/sbin/ip netns exec ${ns} `),
        joined,
      );
  }
  t.deepEqual(calls.at(-1), ["/usr/sbin/ip", "netns", "delete", ns]);
  t.is(namespaces.size, 0);
});

test("a kernel without VXLAN: an error with modprobe as the fix, the namespace still deleted", async (t) => {
  const { probe, namespaces } = fakeProbe({}, HEALTHY, { "type vxlan": "Error: Unknown device type." });
  const f = await kernelFindings(probe);
  t.is(byId(f, "kernel.vxlan").severity, "error");
  t.regex(byId(f, "kernel.vxlan").message, /Unknown device type/);
  t.is(byId(f, "kernel.vxlan").fix, "modprobe vxlan");
  t.false(
    f.some((x) => x.id === "kernel.txoff"),
    "tx off is only tried on a VXLAN device that exists",
  );
  t.is(namespaces.size, 0);
  t.false(netnsRuntimeReady(f));
});

test("a run that throws halfway still deletes the throwaway namespace", async (t) => {
  const fake = fakeProbe();
  const inner = fake.probe.run;
  fake.probe.run = async (argv) => {
    if (argv.includes("bridge")) throw new Error("boom");
    return inner(argv);
  };
  await t.throwsAsync(kernelFindings(fake.probe), { message: "boom" });
  t.is(fake.namespaces.size, 0);
});

test("kernel checks are not attempted without root or on another system", async (t) => {
  const user = fakeProbe({ uid: 1000 });
  t.regex((await kernelFindings(user.probe))[0]?.message ?? "", /needs root/);
  t.deepEqual(user.calls, []);
  const mac = fakeProbe({ platform: "darwin" });
  t.is((await kernelFindings(mac.probe))[0]?.severity, "error");
  t.deepEqual(mac.calls, []);
});

test("an earlier namespace of the same name is replaced, not reused", async (t) => {
  const fake = fakeProbe();
  fake.namespaces.add("labdoctor4242");
  await kernelFindings(fake.probe);
  t.deepEqual(fake.calls[0], ["/usr/sbin/ip", "netns", "delete", "labdoctor4242"]);
  t.is(fake.namespaces.size, 0);
});

test("clab tools are informational: each missing one named with how to install it", async (t) => {
  const { probe } = fakeProbe({ uid: 1000, arch: "arm64" });
  const f = await clabFindings(probe);
  t.true(f.every((x) => x.severity === "info"));
  t.deepEqual(
    f.map((x) => x.id),
    [
      "clab.docker",
      "clab.containerlab",
      "clab.kind",
      "clab.k3d",
      "clab.kubectl",
      "clab.cilium-installer",
      "clab.netem",
    ],
  );
  t.regex(byId(f, "clab.netem").message, /not tested \(needs root\)/);
  t.is(byId(f, "clab.docker").fix, "sudo apt-get update && sudo apt-get install -y docker.io");
  t.regex(byId(f, "clab.kind").fix ?? "", /kind-linux-arm64 .* sudo mv/);
  t.regex(byId(f, "clab.kubectl").fix ?? "", /bin\/linux\/arm64\/kubectl/);
  t.regex(byId(f, "clab.containerlab").fix ?? "", /get\.containerlab\.dev/);
  t.regex(byId(f, "clab.cilium-installer").fix ?? "", /get-helm-3/);
  t.true(netnsRuntimeReady(f), "missing clab tools never stop the netns runtime");
});

test("present clab tools and a reachable engine are reported with their versions", async (t) => {
  const { probe } = fakeProbe(
    { docker: async () => ({ address: "unix:///run/docker.sock", ok: true }) },
    {
      ...HEALTHY,
      kind: { path: "/usr/local/bin/kind", stdout: "kind v0.29.0 go1.24.2 linux/amd64" },
      kubectl: { path: "/usr/bin/kubectl", stdout: "Client Version: v1.32.4" },
      cilium: { path: "/usr/local/bin/cilium", stdout: "cilium-cli: v0.18.3 compiled with go1.24" },
    },
  );
  const f = await clabFindings(probe);
  t.is(byId(f, "clab.docker").severity, "ok");
  t.is(byId(f, "clab.kind").message, "kind 0.29.0 (/usr/local/bin/kind)");
  t.is(byId(f, "clab.cilium-installer").message, "cilium CLI 0.18.3");
  t.is(byId(f, "clab.k3d").severity, "info");
});

test("sch_netem: tried in a throwaway namespace that is always deleted; absent is a warning with the fix", async (t) => {
  const withTc = { ...HEALTHY, tc: { path: "/usr/sbin/tc" } };
  const ns = netemNamespace(4242);
  t.not(ns, scratchNamespace(4242), "not the kernel checks' namespace, which exists at the same time");
  const present = fakeProbe({}, withTc);
  const ok = await netemFinding(present.probe);
  t.is(ok.severity, "ok");
  t.deepEqual(present.calls, [
    ["/usr/sbin/ip", "netns", "delete", ns],
    ["/usr/sbin/ip", "netns", "add", ns],
    [
      "/usr/sbin/ip",
      "netns",
      "exec",
      ns,
      "/usr/sbin/tc",
      "qdisc",
      "add",
      "dev",
      "lo",
      "root",
      "netem",
      "delay",
      "1ms",
    ],
    ["/usr/sbin/ip", "netns", "delete", ns],
  ]);
  t.is(present.namespaces.size, 0);
  const absent = fakeProbe({}, withTc, { "root netem": "Error: Specified qdisc kind is unknown." });
  const warn = await netemFinding(absent.probe);
  t.is(warn.severity, "warn");
  t.is(warn.area, "clab");
  t.regex(warn.message, /no netem qdisc \(sch_netem\).*refuses scenarios that impair the link/);
  t.regex(warn.fix ?? "", /modprobe sch_netem/);
  t.is(absent.namespaces.size, 0);
  t.true(netnsRuntimeReady([warn]), "the netns runtime needs no netem");
  const noTc = await netemFinding(fakeProbe().probe);
  t.is(noTc.severity, "info");
  t.regex(noTc.fix ?? "", /iproute2/);
});

test("the text report puts each fix under its problem and ends with the verdict", (t) => {
  const text = formatFindings([
    { id: "system.root", area: "system", severity: "error", message: "not root", fix: "sudo x" },
    { id: "clab.kind", area: "clab", severity: "info", message: "kind missing", fix: "install kind" },
    {
      id: "leftover.lab.a",
      area: "leftovers",
      severity: "warn",
      message: "lab a",
      details: ["namespaces: a-inet"],
    },
  ]);
  t.is(
    text,
    [
      "system:",
      "  FAIL  not root",
      "        fix: sudo x",
      "",
      "clab runtime (optional: Docker, containerlab, kind/k3d):",
      "  info  kind missing",
      "        fix: install kind",
      "",
      "leftovers of labs:",
      "  warn  lab a",
      "        namespaces: a-inet",
      "",
      "the netns runtime cannot run: 1 problem to fix above",
    ].join("\n"),
  );
});

test("the speaker the lab runs: the system's 3.10 is a warning whose fix is make deps; the lab-local 3.36 is ok", async (t) => {
  const LOCAL = "/repo/.lab/tools/gobgp/usr/bin/gobgpd";
  const system = await speakerFindings(fakeProbe().probe, LOCAL);
  t.is(system.length, 1);
  t.is(system[0]?.severity, "warn");
  t.regex(system[0]?.message ?? "", /system's gobgpd 3\.10\.0, older than Cilium's GoBGP 3\.37\.0: .*5-10 s/);
  t.is(system[0]?.fix, "make deps");
  const local = await speakerFindings(
    fakeProbe({}, { ...HEALTHY, local: { path: LOCAL, stdout: "gobgpd version 3.36.0" } }).probe,
    LOCAL,
  );
  t.is(local[0]?.severity, "ok");
  t.regex(local[0]?.message ?? "", /lab-local gobgpd 3\.36\.0 .*1-2 s/);
  const none = await speakerFindings(fakeProbe({}, { ...HEALTHY, gobgpd: {} }).probe, LOCAL);
  t.deepEqual(none, [], "no gobgpd at all is the command check's error, not a second finding");
});
