// The kubelet stand-ins as a process of their own (a node that joins a running lab gets one;
// at `up` they share the helpers process, helpers-main.ts). Exit codes: 2 bad arguments, 1 a
// listener failed; otherwise it serves until SIGTERM/SIGINT.
import { serveKubelets } from "./kubelet.ts";

const code = await serveKubelets(process.argv.slice(2));
if (code !== 0) process.exit(code);
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
