// How long a restarting Cilium agent takes before its BGP speaker dials again. The netns runtime
// runs gobgpd, which is back within milliseconds; a real agent first restores its state and
// syncs with the API server. Upstream gives no constant for it; the figure is users' measurement:
// cilium/cilium issue 24256 (Cilium 1.13, BGP control plane, no graceful restart) reports pods
// unreachable "for about 10s+" when the agent restarts, which is the agent's boot plus its
// speaker's dial. Settable per scenario step (`boot:` on a speaker fault).

/** Agent boot time the netns runtime waits before a speaker starts again (cilium/cilium#24256). */
export const DEFAULT_AGENT_BOOT_MS = 10_000;
