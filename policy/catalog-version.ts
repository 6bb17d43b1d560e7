// The version of the catalog in policy/catalog/. Bump it with every change to those files (a catalog release is
// named by it), so a server that imported a release knows which of the two is newer.
// YYYY.MM.DD, with .N for a second release on one day.
export const BUILT_IN_CATALOG_VERSION = '2026.12.02.1';
