/**
 * Go-style durations (`90s`, `5m`, `1h30m`, `1.5h`), the syntax Kubernetes users already write in
 * ack-secret-manager's `--polling-interval` and `rotationInterval` (Go `time.ParseDuration`,
 * https://pkg.go.dev/time#ParseDuration). One parser for the annotations and the settings.
 */

/** Milliseconds per unit, as in Go's `time` package (`us` and `µs` are both microseconds). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** What the duration parser accepts, for error messages. */
export const DURATION_SYNTAX = 'a Go duration such as "90s", "5m" or "1h30m"';

/**
 * Parses a Go duration into whole seconds; `undefined` when `text` is not a positive duration of
 * whole seconds (sub-second precision has no meaning for a refresh loop, so it is refused rather
 * than silently rounded).
 */
export function parseDurationSeconds(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(PART_RE)) {
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined) return undefined;
    ms += Number(m[1]) * unit;
  }
  // Rounding to microseconds first absorbs float error in cases like "1.1s".
  const seconds = Math.round(ms * 1000) / 1e6;
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined;
  return seconds;
}

/** Formats seconds the way Go prints a duration (`2m0s` style is avoided: `120s` → `2m`). */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || seconds === 0 ? `${s}s` : ''}`;
}
