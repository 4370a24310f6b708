// Lab elements of a clab lab as containers, driven through the Docker engine API
// (lab/docker/containers.ts, dockerode): exec for reading state, logs, and kill / pause /
// unpause for outages. Never the docker CLI.
//
// Names: containerlab prefixes its own nodes (`clab-<lab>-<node>`: routers, LAN switches);
// kind and k3d name theirs (k8s-cluster.ts clusterMembers), and containerlab wires those
// unprefixed, as ext-containers.
import type {
  ContainerControl,
  ContainerState,
  ExecOptions,
  ExecResult,
  LogsOptions,
} from "../../docker/containers.ts";
import { BIRD_SOCKET_IN_CONTAINER } from "../../render/clab.ts";
import { clusterMembers } from "../../render/k8s-cluster.ts";
import type { Lab } from "../../topology/model.ts";
import { LabError } from "../../util/errors.ts";
import type { K8sDistributionName } from "./distributions.ts";

/** The part of ContainerControl the clab runtime uses. */
export type Containers = Pick<
  ContainerControl,
  "exec" | "logs" | "kill" | "pause" | "unpause" | "inspect" | "list" | "putFile"
>;

export function clabContainer(labName: string, node: string): string {
  return `clab-${labName}-${node}`;
}

export class ClabControl {
  private readonly names: Map<string, string>;

  constructor(
    readonly lab: Lab,
    readonly k8s: K8sDistributionName,
    readonly cluster: string,
    readonly containers: Containers,
  ) {
    this.names = new Map<string, string>([
      ...lab.routers.map((r) => [r.name, clabContainer(lab.name, r.name)] as const),
      ...lab.sites.map((s) => [`lan-${s.name}`, clabContainer(lab.name, `lan-${s.name}`)] as const),
      ...clusterMembers(lab, k8s, cluster).map((m) => [m.node.name, m.container] as const),
    ]);
  }

  /** Container of a router, a node or a LAN switch (`lan-<site>`). */
  containerOf(element: string): string {
    const name = this.names.get(element);
    if (!name)
      throw new LabError(
        `"${element}" is not an element of lab ${this.lab.name}`,
        `elements: ${[...this.names.keys()].join(", ")}`,
      );
    return name;
  }

  exec(element: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.containers.exec(this.containerOf(element), argv, { timeoutMs: 10_000, ...opts });
  }

  /** birdc against the router's control socket (the one the topology starts BIRD with). */
  birdc(router: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(router, ["birdc", "-s", BIRD_SOCKET_IN_CONTAINER, ...args], opts);
  }

  logs(element: string, opts: LogsOptions = {}): Promise<string> {
    return this.containers.logs(this.containerOf(element), opts);
  }

  kill(element: string, signal: NodeJS.Signals | number = "SIGKILL"): Promise<void> {
    return this.containers.kill(this.containerOf(element), signal);
  }

  /** Freezes every process of the element (a silent outage: links stay up, nothing answers). */
  pause(element: string): Promise<void> {
    return this.containers.pause(this.containerOf(element));
  }

  unpause(element: string): Promise<void> {
    return this.containers.unpause(this.containerOf(element));
  }

  /** State and host pid of the element's container. */
  inspect(element: string): Promise<ContainerState> {
    return this.containers.inspect(this.containerOf(element));
  }

  /** Writes a file into the element's container (a variant config, a marker). */
  putFile(element: string, path: string, content: string): Promise<void> {
    return this.containers.putFile(this.containerOf(element), path, content);
  }
}
