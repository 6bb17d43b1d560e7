// Globs on the URL a tool will send to ("https://llm.acme.internal/*"), and the normal form of a URL they are
// matched against. A `*` in the origin (scheme, host, port) never crosses a "/", so "https://*.acme.internal/*"
// cannot be satisfied by "https://evil.example/x.acme.internal/"; userinfo, query and fragment are dropped
// before matching, so "https://llm.acme.internal@evil.example/" is judged as evil.example, which it is.

/** `scheme://host[:port]/path` with scheme and host lower-cased and the path at least "/"; null if not http(s). */
export function normalEndpoint(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname || '/'}`;
}

/** The host of a URL for people ("api.anthropic.com"), or the text itself when it is not a URL. */
export function endpointHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** Why a glob is not usable, or null when it is. */
export function endpointGlobProblem(glob: string): string | null {
  const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(glob);
  if (!m) return 'must be an http:// or https:// URL glob such as "https://llm.acme.internal/*"';
  const host = m[2] ?? '';
  if (host.includes('@')) return 'must not contain userinfo ("user@"): the tool would send to the host after it';
  if (/^\*+(:\d+)?$/.test(host)) return 'must name a host: "*" alone would allow every server';
  if (/[?#]/.test(glob)) return 'must not contain a query or fragment: they are not part of where a tool sends';
  return null;
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a valid glob (see endpointGlobProblem) to a test on normal endpoints. */
export function compileEndpointGlob(glob: string): (normal: string) => boolean {
  const m = /^(https?:\/\/[^/]+)(\/.*)?$/.exec(glob);
  if (!m) return () => false;
  const origin = escape((m[1] ?? '').toLowerCase()).replace(/\*/g, '[^/]*');
  // No path in the glob: any path on that origin.
  const path = m[2] === undefined ? '/.*' : escape(m[2]).replace(/\*/g, '.*');
  // "https://llm.acme.internal/*" matches the bare origin too: its normal form ends in "/".
  const re = new RegExp(`^${origin}${path}$`);
  return (normal) => re.test(normal);
}

/** The URL a glob pins tools to: the glob without its trailing "/*" when no other wildcard is left; else null. */
export function pinnedUrlOf(glob: string): string | null {
  const base = glob.endsWith('/*') ? glob.slice(0, -2) : glob;
  return base.includes('*') || normalEndpoint(base) === null ? null : base;
}

/** The allowed endpoints for people: "https://llm.acme.internal" rather than the glob "https://llm.acme.internal/*". */
export function allowedEndpointsText(globs: readonly string[]): string {
  return globs.map((g) => (g.endsWith('/*') ? g.slice(0, -2) : g)).join(', ');
}
