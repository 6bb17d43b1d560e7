// The status window's Content Security Policy: its own scripts and styles only, no network at all (data comes
// through the preload bridge), no frames, no forms posting anywhere. Sent as a response header and repeated in
// status.html's meta tag (which cannot carry frame-ancestors), so the page is covered even if one is lost.
const DIRECTIVES: [string, string][] = [
  ['default-src', "'none'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self'"],
  ['connect-src', "'none'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');

export const CONTENT_SECURITY_POLICY_META = DIRECTIVES.filter(([k]) => k !== 'frame-ancestors')
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');
