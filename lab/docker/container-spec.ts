// What a lab container may be, as engine create options. The lab wires every link itself inside
// the containers' own network namespaces, so the only network mode is "none": the engine never
// creates a bridge, a veth or an address on the host.
import type Docker from "dockerode";
import { LabError } from "../util/errors.ts";

export interface RunSpec {
  name: string;
  image: string;
  /** Replaces the image's CMD. */
  cmd?: string[];
  entrypoint?: string[];
  /** "host-path:container-path[:ro]". */
  binds?: string[];
  labels?: Record<string, string>;
  env?: Record<string, string>;
  hostname?: string;
  /** Only "none"; typed so that nothing else compiles, checked again at run time. */
  networkMode?: "none";
  privileged?: boolean;
  capAdd?: string[];
  /** Namespaced sysctls, e.g. { "net.ipv4.ip_forward": "1" } for a router. */
  sysctls?: Record<string, string>;
  /** e.g. "seccomp=unconfined". */
  securityOpt?: string[];
  /** No masked or read-only /proc paths, so /proc/sys is writable: what the CLI's
   * `--security-opt systempaths=unconfined` sends the engine (empty MaskedPaths/ReadonlyPaths). */
  unmaskSystemPaths?: boolean;
  /** Empty tmpfs mounts by container path (e.g. to mask a directory of a bind). */
  tmpfs?: string[];
  /** Run an init (docker-init) as pid 1 that reaps orphaned processes. */
  init?: boolean;
  workingDir?: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function createOptions(spec: RunSpec): Docker.ContainerCreateOptions {
  if (!NAME.test(spec.name)) {
    throw new LabError(`invalid container name "${spec.name}": use letters, digits, "_", "." and "-"`);
  }
  const mode: string = spec.networkMode ?? "none";
  if (mode !== "none") {
    throw new LabError(`container ${spec.name}: network mode "${mode}" is not allowed, only "none"`);
  }
  for (const bind of spec.binds ?? []) {
    const [host, target] = bind.split(":");
    if (!host?.startsWith("/") || !target?.startsWith("/")) {
      throw new LabError(`container ${spec.name}: bind "${bind}" must be "/host/path:/container/path[:ro]"`);
    }
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    Labels: spec.labels ?? {},
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Tty: false,
    HostConfig: {
      NetworkMode: "none",
      Binds: spec.binds ?? [],
      Privileged: spec.privileged ?? false,
      CapAdd: spec.capAdd ?? [],
      Sysctls: spec.sysctls ?? {},
      ...(spec.securityOpt?.length ? { SecurityOpt: spec.securityOpt } : {}),
      ...(spec.tmpfs?.length ? { Tmpfs: Object.fromEntries(spec.tmpfs.map((p) => [p, ""])) } : {}),
      ...(spec.init ? { Init: true } : {}),
      ...(spec.unmaskSystemPaths ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
    },
  };
}
