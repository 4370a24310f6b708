// Where a lab keeps its runtime files: <repo>/.lab/<name>/ unless LAB_WORKDIR says otherwise.
// Never inside configs/.
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function labsRoot(): string {
  return process.env.LAB_WORKDIR ?? `${REPO_ROOT}.lab`;
}

/** Where reports and bench figures go: LAB_OUTPUT (a runner container sets it to the host
 * checkout's .lab while its work dirs stay in the container), else the labs' root. */
export function outputRoot(): string {
  return process.env.LAB_OUTPUT ?? labsRoot();
}

export function workDirOf(labName: string): string {
  return `${labsRoot()}/${labName}`;
}

export interface WorkPaths {
  root: string;
  journal: string;
  bin: string;
  rendered: string;
  birdDir(router: string): string;
  birdSocket(router: string): string;
  birdPid(router: string): string;
  birdLog(router: string): string;
  birdWrapper(router: string): string;
  nodeDir(node: string): string;
  relaySocket: string;
  relayLog: string;
}

export function workPaths(labName: string): WorkPaths {
  const root = workDirOf(labName);
  return {
    root,
    journal: `${root}/journal.jsonl`,
    bin: `${root}/bin`,
    rendered: `${root}/rendered`,
    birdDir: (r) => `${root}/bird/${r}`,
    birdSocket: (r) => `${root}/bird/${r}/bird.ctl`,
    birdPid: (r) => `${root}/bird/${r}/bird.pid`,
    birdLog: (r) => `${root}/bird/${r}/bird.log`,
    birdWrapper: (r) => `${root}/bird/${r}/bird.conf`,
    nodeDir: (n) => `${root}/nodes/${n}`,
    relaySocket: `${root}/relay/relay.sock`,
    relayLog: `${root}/relay/relay.log`,
  };
}
