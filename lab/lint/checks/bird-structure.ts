// What each bird.conf must contain for BGP to carry routes at all: a readable file, a device
// protocol, a kernel export, a channel with explicit eBGP policies in every BGP protocol.
import type { SourceRef } from "../../topology/model.ts";
import type { BirdConfig, BirdProtocol } from "../bird-conf.ts";
import type { LintContext } from "../context.ts";
import { type Finding, finding } from "../finding.ts";

const fileStart = (file: string): SourceRef => ({ file, line: 1, col: 1 });

export function birdConfUnreadable(ctx: LintContext): Finding[] {
  return [...ctx.birdErrors].map(([router, err]) =>
    finding("bird-conf-unreadable", "error", err.at, {
      message: `the BIRD config of ${router} cannot be read: ${err.reason}`,
      consequence:
        "BIRD refuses to start, so none of this router's sessions exist; lint skips its BGP checks",
      fix: "fix the config until `bird -p -c FILE` accepts it",
    }),
  );
}

function eachConf(ctx: LintContext, f: (router: string, conf: BirdConfig) => Finding[]): Finding[] {
  return [...ctx.bird].flatMap(([router, conf]) => f(router, conf));
}

export function noDeviceProtocol(ctx: LintContext): Finding[] {
  return eachConf(ctx, (router, conf) =>
    conf.protocols.some((p) => p.type === "device")
      ? []
      : [
          finding("no-device-protocol", "error", fileStart(conf.file), {
            message: `${router} has no \`protocol device\``,
            consequence: "BIRD learns no interfaces: every BGP session stays Idle",
            fix: "add `protocol device {}`",
          }),
        ],
  );
}

export function kernelExport(ctx: LintContext): Finding[] {
  return eachConf(ctx, (router, conf) => {
    const kernels = conf.protocols.filter((p) => p.type === "kernel");
    if (kernels.length === 0)
      return [
        finding("no-kernel-protocol", "error", fileStart(conf.file), {
          message: `${router} has no \`protocol kernel\``,
          consequence: "learned routes stay inside BIRD and never reach the FIB: pod traffic is not routed",
          fix: "add `protocol kernel { ipv4 { import none; export where source != RTS_DEVICE; }; }`",
        }),
      ];
    if (kernels.some(exportsSomething)) return [];
    return kernels.map((k) => {
      const ch = k.channels.find((c) => c.name === "ipv4");
      const what = !ch
        ? "has no ipv4 channel"
        : !ch.export
          ? "has no export (the kernel default is export none)"
          : `exports nothing (\`export ${ch.export.value}\`)`;
      return finding("kernel-exports-nothing", "error", ch?.export?.at ?? ch?.at ?? k.at, {
        message: `\`protocol kernel\` ${k.name} of ${router} ${what}`,
        consequence: "learned routes stay inside BIRD and never reach the FIB: pod traffic is not routed",
        fix: "use `ipv4 { export where source != RTS_DEVICE; }` in the kernel protocol",
      });
    });
  });
}

const EXPORTS_NOTHING = [/^none$/i, /^where false$/i, /^filter \{ reject ;? \}$/i];

function exportsSomething(k: BirdProtocol): boolean {
  const ch = k.channels.find((c) => c.name === "ipv4");
  const text = ch?.export?.value;
  return text !== undefined && !EXPORTS_NOTHING.some((re) => re.test(text));
}

function bgpProtocols(ctx: LintContext): { router: string; p: BirdProtocol }[] {
  return [...ctx.bird].flatMap(([router, conf]) =>
    conf.protocols.filter((p) => p.type === "bgp").map((p) => ({ router, p })),
  );
}

export function bgpWithoutChannel(ctx: LintContext): Finding[] {
  return bgpProtocols(ctx)
    .filter(({ p }) => p.channels.length === 0)
    .map(({ router, p }) =>
      finding("bgp-no-channel", "error", p.at, {
        message: `BGP protocol ${p.name} of ${router} has no channel block${p.from.length ? ` (nor its template ${p.from.join(" <- ")})` : ""}`,
        consequence:
          "BIRD accepts the config, but the session fails with `BGP Error: Required capability missing`",
        fix: "add `ipv4 { import all; export all; };` (or your filters) to the protocol or its template",
      }),
    );
}

/** eBGP when the ASNs differ (or `external` is written); unknown ASNs are not judged. */
export function isEbgp(p: BirdProtocol): boolean | null {
  const b = p.bgp;
  if (!b) return null;
  if (b.neighborType) return b.neighborType.value === "external";
  const local = b.localAs?.value;
  const remote = b.neighborAs?.value;
  if (local == null || remote == null) return null;
  return local !== remote;
}

export function ebgpWithoutPolicy(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const { router, p } of bgpProtocols(ctx)) {
    if (isEbgp(p) !== true) continue;
    for (const ch of p.channels) {
      const missing = [ch.import ? null : "import", ch.export ? null : "export"].filter((x) => x !== null);
      if (missing.length === 0) continue;
      const from = p.from.length ? ` (from template ${p.from.join(" <- ")})` : "";
      out.push(
        finding("ebgp-without-policy", "error", ch.at, {
          message: `eBGP protocol ${p.name} of ${router}${from}: channel ${ch.name} has no explicit ${missing.join(" and ")}`,
          consequence: `BIRD 2 refuses the config (RFC 8212): \`EBGP requires explicit ${missing[0]} policy\`, the router does not start`,
          fix: `write ${missing.map((m) => `\`${m} all;\` (or a filter)`).join(" and ")} in the ${ch.name} channel`,
        }),
      );
    }
  }
  return out;
}

export function bgpIncomplete(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const { router, p } of bgpProtocols(ctx)) {
    const b = p.bgp;
    if (!b) continue;
    const missing: string[] = [];
    if (!b.localAs) missing.push("`local as`");
    if (!b.neighborAddress && !p.options.has("neighbor range")) missing.push("a neighbor address");
    if (!b.neighborAs && !b.neighborType) missing.push("the neighbor's `as`");
    if (missing.length === 0) continue;
    out.push(
      finding("bgp-incomplete", "error", p.at, {
        message: `BGP protocol ${p.name} of ${router} has no ${missing.join(", no ")}`,
        consequence:
          "BIRD refuses the config (`Local AS number must be set` / `Neighbor must be configured`)",
        fix: "write `local as N;` and `neighbor ADDRESS as N;` in the protocol or its template",
      }),
    );
  }
  return out;
}

export function routerIdMismatch(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const r of ctx.lab.routers) {
    const conf = ctx.bird.get(r.name);
    if (!conf) continue;
    const id = conf.routerId;
    if (id && id.value === r.routerId) continue;
    out.push(
      finding("router-id-mismatch", "warn", id?.at ?? fileStart(conf.file), {
        message: id
          ? `${r.name}'s bird.conf sets router id ${id.value}, the topology says ${r.routerId}`
          : `${r.name}'s bird.conf sets no router id (the topology says ${r.routerId})`,
        consequence: "BIRD uses another id than the lab expects (without one it picks an interface address)",
        fix: `write \`router id ${r.routerId};\` or correct routerId in the topology`,
      }),
    );
  }
  return out;
}

/**
 * `protocol direct` with `interface "*"` imports every connected network of the router. In the
 * lab those are its LAN and the ZeroTier network; a real router also has its WAN uplink, a
 * management network and often Docker bridges, and each one reaches the table (and whatever
 * the BGP exports let through).
 */
export function directAllInterfaces(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  for (const [router, conf] of ctx.bird) {
    const r = ctx.lab.routers.find((x) => x.name === router);
    const lan = ctx.lab.sites.find((s) => s.name === r?.site)?.lan.text;
    const known = [
      ...(lan ? [`the LAN ${lan}`] : []),
      `the ZeroTier network ${ctx.lab.zerotier.network.text}`,
    ].join(" and ");
    for (const p of conf.protocols.filter((x) => x.type === "direct")) {
      const iface = p.options.get("interface");
      if (!iface?.args.some((a) => a.text.replace(/^"|"$/g, "") === "*")) continue;
      out.push(
        finding("direct-all-interfaces", "info", iface.at, {
          message: `${router}'s \`protocol direct\` takes every interface (\`interface "*"\`)`,
          consequence: `every connected network of the router enters its table: here ${known}; at the real site also the WAN uplink, the management network and any Docker networks (docker0 172.17.0.0/16 and the like), and the BGP sessions announce whichever of them their export filters let through`,
          fix: 'name the interfaces whose networks belong in BGP, e.g. `interface "eth1", "zt*";` (BIRD interface patterns), or filter connected routes out of the BGP exports by prefix',
        }),
      );
    }
  }
  return out;
}
