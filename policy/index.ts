// Public surface of the policy core, shared by the agent, the server and the tray.
export type { CatalogEntry, Signatures } from './catalog-schema.ts';
export { Catalog, builtInCatalog, loadCatalog } from './catalog.ts';
export type { PolicyDocument, LocalizedText, Action, InstalledAction, Mode, Alternative } from './policy-schema.ts';
export { PolicyDocumentSchema, POLICY_SCHEMA_VERSION } from './policy-schema.ts';
export { parsePolicy, assertPolicy } from './policy-document.ts';
export { compilePolicy, CompiledPolicySchema, COMPILED_POLICY_FORMAT, DEFAULT_AGENT_SETTINGS } from './compiled-policy.ts';
export type { CompiledPolicy, CompiledTool, CompiledRule, CompiledException } from './compiled-policy.ts';
export { builtInPolicy, DEFAULT_POLICY_FILE } from './built-in-policy.ts';
export { ValidationError, formatProblems, schemaProblems, type Problem } from './problems.ts';
export { SchemaValidator, parseYamlSource } from './yaml-source.ts';
export { canonicalJson } from './canonical-json.ts';
export { writeFileAtomic, syncDirectory } from './atomic-file.ts';
export {
  signBundle,
  verifyBundle,
  generateSigningKey,
  keyIdOf,
  loadPublicKey,
  loadPrivateKey,
  policyDigest,
  BundleError,
  BUNDLE_FORMAT,
  PolicyBundleSchema,
  type PolicyBundle,
  type BundleContent,
  type BundleRejection,
  type SigningKeyPair,
} from './signing.ts';
export { Matcher, type Decision, type DeviceContext } from './matcher.ts';
export { ToolIdentifier } from './tool-identifier.ts';
export { NodeFileProbe, type FileProbe, type FileStat, type PackageManifest } from './file-probe.ts';
export type { ProcessObservation, Identification, EvidenceKind } from './process-observation.ts';
export { localeFromEnv, pickText, fillPlaceholders, SUPPORTED_LOCALES } from './localized-text.ts';
export { BUILT_IN_CATALOG_VERSION } from './catalog-version.ts';
export {
  parseCatalogRelease,
  catalogOfRelease,
  releaseOfCatalog,
  catalogChanges,
  compareCatalogVersions,
  CatalogReleaseSchema,
  CATALOG_RELEASE_FORMAT,
  type CatalogRelease,
} from './catalog-release.ts';
