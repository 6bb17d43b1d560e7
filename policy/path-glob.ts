// Install-location globs from the catalog (`~/.local/share/claude/versions/*`), compiled once to one RegExp.
// `~` means any user's home on any OS; `*` one path segment; `**` any depth. Matching is on '/'-separated paths;
// Windows paths are normalised to forward slashes by the caller.

const HOME_PREFIX = '(?:/home/[^/]+|/root|/Users/[^/]+|/var/root|[A-Za-z]:/Users/[^/]+)';

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\?]/g, '\\$&');
}

export function globToRegexSource(glob: string): string {
  let rest = glob.replace(/\\/g, '/');
  let src = '';
  if (rest.startsWith('~/')) {
    src = HOME_PREFIX;
    rest = rest.slice(1);
  }
  const parts = rest.split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      // `a/**` is a and everything below it; `a/**/b` is b at any depth below a.
      src += last ? '(?:/.*)?' : '(?:/[^/]+)*';
      return;
    }
    if (i > 0) src += '/';
    src += part.split('*').map(escape).join('[^/]*');
  });
  return src;
}

/** Many globs, each tagged with a value; one combined RegExp rejects most paths in one test. */
export class GlobSet<T> {
  private readonly any: RegExp | null;
  private readonly each: { re: RegExp; value: T; glob: string }[];

  constructor(entries: readonly { glob: string; value: T }[]) {
    this.each = entries.map((e) => ({ re: new RegExp(`^${globToRegexSource(e.glob)}$`), value: e.value, glob: e.glob }));
    this.any = entries.length ? new RegExp(`^(?:${entries.map((e) => globToRegexSource(e.glob)).join('|')})$`) : null;
  }

  match(path: string): { value: T; glob: string } | undefined {
    if (!this.any || !this.any.test(path)) return undefined;
    for (const e of this.each) if (e.re.test(path)) return e;
    return undefined;
  }
}
