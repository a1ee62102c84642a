/**
 * The measured child of bench/template-render.ts (bundled by helper-bundles.ts, run with the
 * agent's NODE_OPTIONS): renders the templates `iterations` times per round, once through the
 * parse cache and once parsing every time, and prints the median µs per refresh of each as JSON.
 * Arguments: iterations rounds.
 */
import { executeTemplate, parseTemplate, secretData } from '../common/templates/index.ts';
import { TemplateCache } from '../injector/rules/template-cache.ts';
import { loadTemplateEngine } from '../injector/rules/template-engine.ts';

const TEMPLATES: Record<string, string> = {
  dsn: 'postgresql://{{ .user }}:{{ .password | urlquery }}@db:5432/shop?sslmode={{ default "require" .ssl_mode }}',
  'config.json': '{{ dict "user" .user "tls" (hasKey . "ssl_ca") | toPrettyJson }}',
  'database.yml': 'production:\n  adapter: postgresql\n  username: {{ .user | quote }}\n  password: {{ .password | quote }}\n{{- range $k, $v := . }}\n  # {{ $k }}: {{ len $v }} bytes{{ end }}\n',
  'app.env': '{{ range $k, $v := . }}{{ $k | upper | replace "-" "_" }}={{ $v | b64enc }}\n{{ end }}',
  literal: 'SESSION_KEY_SHA={{ index . "session-key" | sha256sum }}',
  'meta.txt': '{{ $u := urlParse .endpoint }}host={{ $u.hostname }} since={{ toDate "2006-01-02" .since | date "Jan 2, 2006" }} v2={{ semverCompare "^2.0" .version }}',
};
const DOT = secretData({
  user: 'shop', password: 'p@ss w/rd', ssl_mode: 'verify-full', ssl_ca: '-----BEGIN CERTIFICATE-----', 'session-key': 'k'.repeat(64),
  endpoint: 'https://db.internal:5432/shop', since: '2024-03-05', version: 'v2.4.1', region: 'cn-hangzhou', tier: 'gold',
});

function measure(iterations: number, rounds: number): { cached: number; uncached: number } {
  const entries = Object.entries(TEMPLATES);
  const cache = new TemplateCache();
  const refresh = (parse: (name: string, text: string) => ReturnType<typeof parseTemplate>): void => {
    for (const [name, text] of entries) executeTemplate(parse(name, text), DOT);
  };
  const time = (f: () => void): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) f();
    return Number(process.hrtime.bigint() - t0) / 1000 / iterations;
  };
  const cached: number[] = [];
  const uncached: number[] = [];
  for (let r = 0; r < rounds; r++) {
    cached.push(time(() => { refresh((n, t) => cache.parse(n, t)); cache.endRefresh(); }));
    uncached.push(time(() => refresh(parseTemplate)));
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { cached: median(cached), uncached: median(uncached) };
}

// The cache parses through the lazily loaded engine, as in the agent (refresh.ts awaits it first).
await loadTemplateEngine();
process.stdout.write(JSON.stringify({ templates: Object.keys(TEMPLATES).length, ...measure(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 5)) }));
