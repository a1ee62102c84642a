/**
 * Kubernetes resource quantities (`100m`, `64Mi`, `1.5`, `1e3`). The webhook validates the
 * resource annotations itself so a typo denies the pod with a message naming the annotation,
 * instead of the API server rejecting the patched pod with a message about a container the user
 * never wrote. Grammar: k8s.io/apimachinery/pkg/api/resource/quantity.go (`<signedNumber><suffix>`).
 */

const QUANTITY_RE = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Multipliers of the suffixes (binary SI and decimal SI), from quantity.go's suffix table. */
const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** What a quantity looks like, for error messages. */
export const QUANTITY_SYNTAX = 'a non-negative Kubernetes quantity such as "100m", "0.5", "64Mi" or "1Gi"';

/** The numeric value of a non-negative quantity, or `undefined` when `text` is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY_RE.exec(text);
  if (m === null) return undefined;
  const suffix = m[2] ?? '';
  const base = Number(m[1]);
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  const mult = SUFFIX[suffix];
  return mult === undefined ? undefined : base * mult;
}
