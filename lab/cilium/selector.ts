// Kubernetes label selectors (metav1.LabelSelector) as Cilium evaluates nodeSelector and
// advertisement selectors: all matchLabels AND all matchExpressions must hold. A missing or
// empty selector matches everything.

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export function matchesSelector(
  selector: LabelSelector | null | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchesRequirement(req, labels)) return false;
  }
  return true;
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return has && (req.values ?? []).includes(value as string);
    case "NotIn":
      // Kubernetes semantics: a node without the key satisfies NotIn.
      return !has || !(req.values ?? []).includes(value as string);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

/** Problems Kubernetes' API validation would reject: In/NotIn need values, Exists/DoesNotExist none. */
export function selectorProblems(
  selector: LabelSelector | null | undefined,
): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  (selector?.matchExpressions ?? []).forEach((req, index) => {
    const n = req.values?.length ?? 0;
    if ((req.operator === "In" || req.operator === "NotIn") && n === 0) {
      out.push({ index, message: `operator ${req.operator} needs at least one value` });
    }
    if ((req.operator === "Exists" || req.operator === "DoesNotExist") && n > 0) {
      out.push({ index, message: `operator ${req.operator} takes no values` });
    }
  });
  return out;
}
