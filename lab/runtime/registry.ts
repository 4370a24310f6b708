// The registry of runtime kinds: a name and a loader each. Adding a kind is one folder under
// lab/runtime/ and one line here (containerlab's node-kind registry is the model). Kinds are
// loaded on demand, so the netns kind never loads the Docker client and clab never touches
// network namespaces.
import { UsageError } from "../util/errors.ts";
import type { RuntimeKind } from "./kind.ts";

const KINDS = {
  netns: () => import("./netns/kind.ts").then((m) => m.netnsKind),
  clab: () => import("./clab/kind.ts").then((m) => m.clabKind),
} satisfies Record<string, () => Promise<RuntimeKind>>;

export type RuntimeKindName = keyof typeof KINDS;

/** The kind `make lab-up` uses when none is named. */
export const DEFAULT_KIND: RuntimeKindName = "netns";

export const KIND_NAMES = Object.keys(KINDS) as RuntimeKindName[];

export function isKindName(name: string): name is RuntimeKindName {
  return Object.hasOwn(KINDS, name);
}

/** The kind of that name; an unknown name is a usage error naming the supported ones. */
export async function runtimeKind(name: string = DEFAULT_KIND): Promise<RuntimeKind> {
  if (!isKindName(name)) throw new UnknownKindError(name);
  return KINDS[name]();
}

export class UnknownKindError extends UsageError {
  constructor(kind: string) {
    super(`runtime "${kind}" is not supported`, `supported runtimes are: ${KIND_NAMES.join(", ")}`);
  }
}
