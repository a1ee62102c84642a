/**
 * netip.ParseAddr's acceptance rules, for the bracketed hosts of URLs: dotted IPv4 (no leading
 * zeros), and IPv6 with `::`, an embedded IPv4 tail and an optional `%zone`.
 */

function ipv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function ipv6(s: string): boolean {
  const zoneAt = s.indexOf('%');
  if (zoneAt >= 0) {
    if (zoneAt === s.length - 1) return false;
    s = s.slice(0, zoneAt);
  }
  let groups = 8;
  const last = s.lastIndexOf(':');
  if (last >= 0 && s.slice(last + 1).includes('.')) {
    if (!ipv4(s.slice(last + 1))) return false;
    s = `${s.slice(0, last + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const part = (h: string): string[] | undefined => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  if (head === undefined || tail === undefined) return false;
  if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const n = head.length + tail.length;
  return halves.length === 2 ? n < groups : n === groups;
}

/** What ParseAddr makes of s: an IPv4 or IPv6 address, or undefined when it fails. */
export function parseAddr(s: string): 'v4' | 'v6' | undefined {
  if (s.includes(':')) return ipv6(s) ? 'v6' : undefined;
  return ipv4(s) ? 'v4' : undefined;
}
